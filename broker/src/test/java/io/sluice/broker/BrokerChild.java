package io.sluice.broker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A broker in a child JVM, for tests that need its heap or its descriptors to themselves: arguments are the data
 * directory and broker keys as {@code key=value}. It prints {@code PORT <port>}, then answers lines on stdin:
 * {@code stats} prints {@code STATS heap=<bytes after a full GC> fds=<open> sockets=<open> connections=<served>};
 * {@code stop} or the end of stdin closes the broker and exits.
 */
public final class BrokerChild {
    private BrokerChild() {
    }

    public static void main(String[] args) throws Exception {
        BrokerConfig.Builder config = BrokerConfig.builder(Path.of(args[0]));
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            config.set(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        try (Broker broker = Broker.start(config.build())) {
            String bootstrap = broker.bootstrapServers().orElseThrow();
            System.out.println("PORT " + bootstrap.substring(bootstrap.indexOf(':') + 1));
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("stop")) {
                if (line.equals("stats")) {
                    System.out.println(stats(broker));
                    System.out.flush();
                }
            }
        }
        System.exit(0);
    }

    private static String stats(Broker broker) throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int fds = 0;
        int sockets = 0;
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : entries.toList()) {
                fds++;
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (java.io.IOException gone) {
                    // the listing's own descriptor, closed meanwhile
                }
            }
        }
        double connections = broker.metrics().stream().filter(m -> m.name().equals("connections"))
                .mapToDouble(Metric::value).sum();
        return "STATS heap=" + heap + " fds=" + fds + " sockets=" + sockets + " connections=" + (long) connections;
    }
}
