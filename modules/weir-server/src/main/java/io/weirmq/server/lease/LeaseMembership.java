package io.weirmq.server.lease;

import akka.actor.ActorSystem;
import akka.cluster.Cluster;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.cluster.ClusterEvent.CurrentClusterState;
import java.util.Optional;

/**
 * What the lease needs from the cluster's membership: an incarnation's name (its node's address and
 * uid, so that a restarted node is a new holder), whether this node's view of the cluster is whole,
 * and whether a holder is still a live member. Without a cluster (a plain ActorSystem) the view is
 * always whole and no other holder is a member.
 */
final class LeaseMembership {

  private final Cluster cluster;

  private LeaseMembership(Cluster cluster) {
    this.cluster = cluster;
  }

  static LeaseMembership of(ActorSystem system) {
    boolean clustered = system.settings().ProviderClass().equals("akka.cluster.ClusterActorRefProvider");
    return new LeaseMembership(clustered ? Cluster.get(system) : null);
  }

  /** This node's uid, part of every incarnation name (0 without a cluster). */
  long selfUid() {
    return cluster == null ? 0 : cluster.selfUniqueAddress().longUid();
  }

  /** This node is Up and sees every member reachable. */
  boolean whole() {
    if (cluster == null) {
      return true;
    }
    CurrentClusterState state = cluster.state();
    return cluster.selfMember().status() == MemberStatus.up() && state.getUnreachable().isEmpty();
  }

  /** Whether the node {@code hostPort} with {@code uid} is a member not downed or removed, in this node's view. */
  boolean isLiveMember(String hostPort, long uid) {
    if (cluster == null) {
      return false;
    }
    for (Member m : cluster.state().getMembers()) {
      UniqueAddress a = m.uniqueAddress();
      if (a.longUid() == uid && a.address().hostPort().equals(hostPort)) {
        return m.status() != MemberStatus.down() && m.status() != MemberStatus.removed();
      }
    }
    return false;
  }

  /** An incarnation name: {@code hostPort#uid#generation}. */
  static String ownerId(String hostPort, long uid, String generation) {
    return hostPort + "#" + uid + "#" + generation;
  }

  /** The node of an incarnation name. */
  record Node(String hostPort, long uid) {}

  /** The node an incarnation name names, if it has that shape. */
  static Optional<Node> nodeOf(String ownerId) {
    String[] parts = ownerId.split("#");
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Node(parts[0], Long.parseLong(parts[1])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
