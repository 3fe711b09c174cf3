package io.sluice.engine.internal.task;

import io.sluice.engine.Record;
import java.util.ArrayList;
import java.util.List;

/** A node of one task: receives records from its parent and passes them on to its children. */
abstract class Node {
    final String name;
    final List<Node> children = new ArrayList<>();

    Node(String name) {
        this.name = name;
    }

    abstract void process(Record<Object, Object> record);

    final void forwardToChildren(Record<Object, Object> record) {
        List<Node> kids = children;
        for (int i = 0, n = kids.size(); i < n; i++) {
            kids.get(i).process(record);
        }
    }

    final Node child(String childName) {
        for (Node child : children) {
            if (child.name.equals(childName)) {
                return child;
            }
        }
        throw new IllegalArgumentException("Unknown child: node=" + name + ", child=" + childName + ", children="
                + children.stream().map(c -> c.name).toList());
    }

    void init() {
    }

    /** Whether records taken in are held back until the next flush: see {@code Processor.holdsInput}. */
    boolean holdsInput() {
        return false;
    }

    void flush() {
    }

    void close() {
    }
}
