/**
 * In-process consumer groups: membership, incremental sticky assignment (revoke before reassign), and committed
 * offsets stored in the compacted internal topic {@code __consumer_offsets}.
 */
package io.sluice.broker.internal.group;
