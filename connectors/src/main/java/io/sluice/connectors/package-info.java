/** sluice connectors. */
package io.sluice.connectors;
