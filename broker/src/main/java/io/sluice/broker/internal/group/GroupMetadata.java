package io.sluice.broker.internal.group;

import java.util.List;

/**
 * A classic group's state as it is persisted in the offsets topic: Kafka's {@code GroupMetadataValue} (the fields of
 * its version 3). Written when a generation is complete and when the group becomes empty; reloaded when the broker
 * starts. Immutable once built: its byte arrays are not copied, and are not to be changed by anyone.
 *
 * @param protocolType          the members' protocol type ({@code consumer} for consumers)
 * @param generation            the generation of the group, the one its members are in
 * @param protocol              the protocol (assignor) the generation chose, or null for an empty group
 * @param leader                the member id of the generation's leader, or null for an empty group
 * @param currentStateTimestamp when the group reached this state, milliseconds since the epoch, or -1
 * @param members               the members of the generation, none for an empty group
 */
public record GroupMetadata(String protocolType, int generation, String protocol, String leader,
                            long currentStateTimestamp, List<Member> members) {
    public GroupMetadata {
        members = List.copyOf(members);
    }

    /**
     * A member of the generation.
     *
     * @param memberId           the id the coordinator gave it
     * @param groupInstanceId    its {@code group.instance.id} if it is a static member, else null
     * @param clientId           its client id
     * @param clientHost         where it connects from
     * @param rebalanceTimeoutMs how long a rebalance waits for it to rejoin
     * @param sessionTimeoutMs   how long it may go without a heartbeat before it is removed
     * @param subscription       its metadata for the generation's protocol (for consumers, its subscription)
     * @param assignment         what the leader assigned to it in this generation
     */
    public record Member(String memberId, String groupInstanceId, String clientId, String clientHost,
                         int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }
}
