package io.sluice.broker.internal.ingest;

/**
 * A thread that drives the ingest path (a journal or a flusher). Code that may run on one — send callbacks, above
 * all — must never wait for the ingest path, since that path may be waiting for this very thread.
 */
final class BrokerThread extends Thread {
    BrokerThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    static boolean current() {
        return Thread.currentThread() instanceof BrokerThread;
    }
}
