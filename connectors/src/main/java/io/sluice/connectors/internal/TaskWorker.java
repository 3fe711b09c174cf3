package io.sluice.connectors.internal;

/** What every task's thread shares: its name, whether it should go on, and the error that stopped it. */
public abstract class TaskWorker implements Runnable {
    protected final String name;
    protected volatile boolean running = true;
    protected volatile Throwable failure;

    protected TaskWorker(String name) {
        this.name = name;
    }

    public final String name() {
        return name;
    }

    /** The error that stopped the task, or null. */
    public final Throwable failure() {
        return failure;
    }

    /** Asks the task to finish (storing or committing its positions) and stop; returns at once. */
    public void stop() {
        running = false;
    }
}
