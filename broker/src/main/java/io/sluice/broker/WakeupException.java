package io.sluice.broker;

/** Thrown from a blocked {@link Consumer#poll} when another thread called {@link Consumer#wakeup}. */
public class WakeupException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public WakeupException(String message) {
        super(message);
    }

    public WakeupException(String message, Throwable cause) {
        super(message, cause);
    }
}
