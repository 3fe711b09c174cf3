package io.sluice.broker;

/** The group has members: it cannot be deleted while they are in it. */
public class GroupNotEmptyException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final String groupId;

    public GroupNotEmptyException(String groupId) {
        super("Group has members: group=" + groupId);
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }
}
