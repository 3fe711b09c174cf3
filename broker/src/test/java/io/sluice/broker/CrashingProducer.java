package io.sluice.broker;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * The child JVM of {@link CrashRecoveryIT}: opens a broker on a data directory and sends records to a topic that
 * fsyncs every batch, printing {@code ACK partition offset cycle seq} for each acknowledged record, until it is
 * killed.
 */
public final class CrashingProducer {
    static final String TOPIC = "crash";

    private CrashingProducer() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int cycle = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        Broker broker = Broker.start(dir);
        Admin admin = broker.admin();
        if (!admin.listTopics().contains(TOPIC)) {
            admin.createTopic(NewTopic.of(TOPIC, 3).withConfig("flush.messages", "1")
                    .withConfig("segment.bytes", "262144"));
        }
        Producer producer = broker.producer();
        out.println("READY");
        for (long seq = 0; ; seq++) {
            long s = seq;
            producer.send(ProducerRecord.of(TOPIC, key(cycle, seq), value(cycle, seq)), (m, e) -> {
                if (e == null) {
                    out.println("ACK " + m.topicPartition().partition() + " " + m.offset() + " " + cycle + " " + s);
                }
            });
        }
    }

    static byte[] key(int cycle, long seq) {
        return ("c" + cycle + "-k" + (seq % 50)).getBytes(StandardCharsets.UTF_8);
    }

    /** Deterministic content of 20 to 2,000 bytes: cycle, seq, a pattern and a CRC32 of it all. */
    static byte[] value(int cycle, long seq) {
        int size = 20 + (int) ((seq * 7919 + cycle * 104729) % 1981);
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(cycle).putLong(seq);
        while (b.remaining() > 8) {
            b.put((byte) (seq + b.position()));
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putLong(crc.getValue());
        return b.array();
    }
}
