/**
 * Tasks: the instantiated nodes of one sub-topology for one partition, their input queues, stream time,
 * punctuations and error policies. The same task code runs under stream threads and the test driver.
 */
package io.sluice.engine.internal.task;
