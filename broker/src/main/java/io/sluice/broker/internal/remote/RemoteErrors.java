package io.sluice.broker.internal.remote;

import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.InvalidPartitionException;
import io.sluice.broker.InvalidTopicException;
import io.sluice.broker.SluiceException;
import io.sluice.broker.TopicExistsException;
import io.sluice.broker.UnknownTopicException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Kafka clients' failures as sluice's exceptions, so a command reads the same against either. */
final class RemoteErrors {
    static final long TIMEOUT_MS = 30_000;

    private RemoteErrors() {
    }

    /** The future's value, or the sluice exception for its failure. */
    static <T> T await(Future<T> future, String what) {
        try {
            return future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw translate(e.getCause(), what);
        } catch (TimeoutException e) {
            throw new SluiceException("No answer from the cluster within " + TIMEOUT_MS + " ms: " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SluiceException("Interrupted: " + what);
        }
    }

    static RuntimeException translate(Throwable e, String what) {
        String message = e.getMessage() + " (" + what + ")";
        if (e instanceof org.apache.kafka.common.errors.TopicExistsException) {
            return new TopicExistsException(what);
        }
        if (e instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException
                || e instanceof org.apache.kafka.common.errors.UnknownTopicIdException) {
            return new UnknownTopicException(what);
        }
        if (e instanceof org.apache.kafka.common.errors.InvalidTopicException) {
            return new InvalidTopicException(message);
        }
        if (e instanceof org.apache.kafka.common.errors.InvalidPartitionsException) {
            return new InvalidPartitionException(message);
        }
        if (e instanceof org.apache.kafka.common.errors.InvalidConfigurationException) {
            return new InvalidConfigException(message);
        }
        if (e instanceof org.apache.kafka.common.errors.OffsetOutOfRangeException) {
            return new SluiceException("Offset out of range: " + message, e);
        }
        if (e instanceof org.apache.kafka.common.errors.PolicyViolationException) {
            return new InvalidTopicException(message);
        }
        if (e instanceof org.apache.kafka.common.errors.GroupNotEmptyException) {
            return new io.sluice.broker.GroupNotEmptyException(what);
        }
        if (e instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
            return new io.sluice.broker.UnknownGroupException(what);
        }
        if (e instanceof SluiceException se) {
            return se;
        }
        return new SluiceException(e.getClass().getSimpleName() + ": " + message, e);
    }
}
