package io.sluice.broker;

/** An I/O failure of the log storage: the disk is full, a file is unreadable, the data directory is locked. */
public class StorageException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
