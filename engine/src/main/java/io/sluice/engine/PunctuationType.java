package io.sluice.engine;

/** Which clock drives a punctuation. */
public enum PunctuationType {
    /** The task's stream time: advances only as records arrive, so replays behave as the original run. */
    STREAM_TIME,
    /** Wall-clock time: fires while no records arrive. */
    WALL_CLOCK_TIME
}
