/** sluice dsl. */
package io.sluice.dsl;
