package io.sluice.broker;

/** No group by this id: it has neither members nor committed offsets. */
public class UnknownGroupException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final String groupId;

    public UnknownGroupException(String groupId) {
        super("Unknown group: group=" + groupId);
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }
}
