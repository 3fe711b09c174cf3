/** sluice samples. */
package io.sluice.samples;
