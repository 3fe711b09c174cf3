package io.sluice.broker.internal.net;

import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.topic.Topic;
import org.apache.kafka.common.Uuid;

/** Finds a live topic by the name or id a request gives (newer versions of some APIs send only the id). */
final class TopicLookup {
    private TopicLookup() {
    }

    /** The topic, or null if there is none (or it is being deleted). */
    static Topic find(BrokerCore core, String name, Uuid id) {
        if (name != null && !name.isEmpty()) {
            Topic t = core.registry().topic(name);
            return t == null || t.isDeleted() ? null : t;
        }
        if (id == null || id.equals(Uuid.ZERO_UUID)) {
            return null;
        }
        for (Topic t : core.registry().topics()) {
            if (!t.isDeleted() && Uuid.fromString(t.id()).equals(id)) {
                return t;
            }
        }
        return null;
    }
}
