/** Runnable example jobs; each is also tested end to end on known input. */
package io.sluice.samples;
