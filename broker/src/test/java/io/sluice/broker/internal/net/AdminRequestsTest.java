package io.sluice.broker.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.BrokerConfig;
import io.sluice.broker.internal.BrokerCore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Topic changes run on the admin thread: however long one takes, the network thread serves other clients. */
@Timeout(120)
class AdminRequestsTest {
    @TempDir
    Path dir;

    private static AdminClient kafkaAdmin(KafkaServer server) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.bound().port());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);
        return AdminClient.create(p);
    }

    /**
     * Waits until a thread that serves requests (a network thread or the admin thread, not the scheduler writing
     * checkpoints) is blocked entering {@code monitor}'s synchronized methods; returns its name.
     */
    private static String awaitRequestBlockedOn(Object monitor) throws InterruptedException {
        int id = System.identityHashCode(monitor);
        while (true) {
            for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, false)) {
                if (info.getThreadState() == Thread.State.BLOCKED && info.getLockInfo() != null
                        && info.getLockInfo().getIdentityHashCode() == id
                        && (info.getThreadName().startsWith("sluice-network")
                        || info.getThreadName().startsWith("sluice-admin"))) {
                    return info.getThreadName();
                }
            }
            Thread.sleep(10);
        }
    }

    @Test
    void shouldAnswerOtherClientsWhileALargeCreateTopicsWaitsToRun() throws Exception {
        BrokerConfig config = BrokerConfig.builder(dir).set(BrokerConfig.NUM_NETWORK_THREADS, 1).build();
        try (BrokerCore core = BrokerCore.start(config);
             KafkaServer server = KafkaServer.start(core, new Listener("127.0.0.1", 0), null);
             AdminClient creating = kafkaAdmin(server);
             AdminClient other = kafkaAdmin(server)) {
            creating.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            other.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            KafkaFuture<Void> created;
            String waiting;
            // Holding the registry makes the change wait as a slow one would hold it: the network thread must not.
            synchronized (core.registry()) {
                created = creating.createTopics(List.of(new NewTopic("big", 5_000, (short) 1))).all();
                waiting = awaitRequestBlockedOn(core.registry());

                assertThat(other.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1); // Metadata
                try (AdminClient third = kafkaAdmin(server)) { // ApiVersions on a new connection, then Metadata
                    assertThat(third.listTopics().names().get(20, TimeUnit.SECONDS)).isEmpty();
                }
                assertThat(created.isDone()).isFalse();
            }
            assertThat(waiting).isEqualTo("sluice-admin");
            created.get(60, TimeUnit.SECONDS);
            assertThat(core.registry().topic("big").partitionCount()).isEqualTo(5_000);
        }
    }
}
