/** The test driver's in-memory, partitioned topics. */
package io.sluice.engine.internal.testing;
