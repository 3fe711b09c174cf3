package io.sluice.engine;

import io.sluice.broker.SluiceException;
import java.util.List;

/** A topology that cannot run: every problem found, one per line. */
public final class TopologyException extends SluiceException {
    private final List<String> problems;

    public TopologyException(String what, List<String> problems) {
        super(what + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
