/** sluice runner. */
package io.sluice.runner;
