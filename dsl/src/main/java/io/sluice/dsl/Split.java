package io.sluice.dsl;

import io.sluice.dsl.internal.PipelineState;
import io.sluice.dsl.internal.Processors;
import io.sluice.engine.Serde;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Branches of a stream: each record goes to the first branch whose predicate matches, or to the
 * {@link #otherwise} branch, or nowhere. Finish with {@link #branches()}.
 */
public final class Split<K, V> {
    private final PipelineState state;
    private final String parent;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final boolean keyChanged;
    private final Map<String, BiPredicate<? super K, ? super V>> branches = new LinkedHashMap<>();
    private boolean done;

    Split(PipelineState state, String parent, Serde<K> keySerde, Serde<V> valueSerde, boolean keyChanged) {
        this.state = state;
        this.parent = parent;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.keyChanged = keyChanged;
    }

    /** A branch for records that match {@code predicate} and no earlier branch. */
    public Split<K, V> branch(String name, BiPredicate<? super K, ? super V> predicate) {
        if (branches.putIfAbsent(name, predicate) != null) {
            state.problem("Branch name used twice in one split: " + name);
        }
        return this;
    }

    /** A branch for records that match no other branch. */
    public Split<K, V> otherwise(String name) {
        return branch(name, (k, v) -> true);
    }

    /** The branches by name, in declaration order. */
    public Map<String, Stream<K, V>> branches() {
        if (done) {
            throw new IllegalStateException("branches() was already called on this split");
        }
        done = true;
        String splitter = state.nodeName("split");
        List<BiPredicate<? super K, ? super V>> tests = new ArrayList<>(branches.values());
        List<String> children = new ArrayList<>();
        for (String name : branches.keySet()) {
            children.add(splitter + "-" + name);
        }
        state.topology().processor(splitter, Processors.split(tests, children), parent);
        Map<String, Stream<K, V>> streams = new LinkedHashMap<>();
        int i = 0;
        for (String name : branches.keySet()) {
            String child = children.get(i++);
            state.topology().processor(child, Processors.passThrough(), splitter);
            streams.put(name, new Stream<>(state, child, keySerde, valueSerde, keyChanged));
        }
        return streams;
    }
}
