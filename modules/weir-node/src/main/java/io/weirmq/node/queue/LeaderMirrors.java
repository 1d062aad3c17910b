package io.weirmq.node.queue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.weirmq.core.cluster.InSyncMirrors;
import io.weirmq.core.cluster.MirrorPlacement;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.queue.QueueEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * A queue leader's side of mirroring: where its mirrors are (placement from membership), sending
 * them each write's events, and the sequence number each has acknowledged. Owned by one
 * {@link QueueEntity} and used only on its thread. On a single node, or on a node that is not in a
 * cluster, there are no mirrors and nothing here sends anything.
 */
final class LeaderMirrors {

  private final ActorSystem<?> system;
  private final QueueRef queue;
  private final ActorRef<QueueEntity.Command> self;
  private final Logger log;
  private final boolean clustered;
  private final String selfNode;
  private final Map<String, ActorRef<MirrorHost.Command>> hosts = new HashMap<>();
  /** The nodes that hold this queue's mirrors now, in placement order. */
  private List<String> placed = List.of();
  private final InSyncMirrors inSync;
  private boolean announced;
  /**
   * The Up members as the membership events told them. Not read from {@code Cluster.state()}: that
   * view is updated by its own subscriber, so it can still lack a member whose MemberUp has already
   * reached this queue, and the placement would then miss the new member for good.
   */
  private final java.util.Set<String> up = new java.util.LinkedHashSet<>();

  LeaderMirrors(ActorSystem<?> system, QueueRef queue, ActorRef<QueueEntity.Command> self, Logger log,
      MirrorSettings settings) {
    this.system = system;
    this.inSync = new InSyncMirrors(settings.syncTimeout().toMillis());
    this.queue = queue;
    this.self = self;
    this.log = log;
    this.clustered = Adapter.toClassic(system) instanceof akka.actor.ExtendedActorSystem e
        && e.provider() instanceof akka.cluster.ClusterActorRefProvider;
    this.selfNode = clustered ? Cluster.get(system).selfMember().address().toString() : "";
    if (clustered) {
      for (Member m : Cluster.get(system).state().getMembers()) {
        if (m.status() == MemberStatus.up()) {
          up.add(m.address().toString());
        }
      }
    }
  }

  /** Follows membership: Up members are candidates for mirrors, members leaving or gone are not. */
  void memberEvent(akka.cluster.ClusterEvent.MemberEvent event) {
    String node = event.member().address().toString();
    if (event instanceof akka.cluster.ClusterEvent.MemberUp) {
      up.add(node);
    } else if (event instanceof akka.cluster.ClusterEvent.MemberLeft || event instanceof akka.cluster.ClusterEvent.MemberExited
        || event instanceof akka.cluster.ClusterEvent.MemberDowned || event instanceof akka.cluster.ClusterEvent.MemberRemoved) {
      up.remove(node);
    }
  }

  boolean clustered() {
    return clustered;
  }

  String selfNode() {
    return selfNode;
  }

  /** True when the queue has mirrors, so that writes are sent to them. */
  boolean active() {
    return !placed.isEmpty();
  }

  /** The mirrors' nodes in placement order, each with the sequence number it acknowledged (-1: none yet). */
  Map<String, Long> acknowledged() {
    Map<String, Long> acked = new LinkedHashMap<>();
    placed.forEach(node -> acked.put(node, inSync.ackedBy(node)));
    return acked;
  }

  boolean inSync(String node) {
    return inSync.inSync(node);
  }

  /** The leader wrote up to {@code seqNr}. */
  void written(long seqNr) {
    if (active()) {
      inSync.written(seqNr, System.currentTimeMillis());
    }
  }

  /** Up to which sequence number publishes may be confirmed under {@code mode}. */
  long confirmedUpTo(QueueSettings.MirrorSync mode) {
    return inSync.confirmedUpTo(mode);
  }

  /** Drops mirrors that kept a write waiting for the sync timeout; true when some write still waits. */
  boolean expire() {
    for (String node : inSync.expire(System.currentTimeMillis())) {
      log.info("Mirror of {} on {} did not acknowledge in time: out of sync until it catches up", queue.id(), node);
    }
    return inSync.waiting();
  }

  /**
   * Recomputes where the mirrors belong from the Up members; when that changed (or on the first
   * call), tells every member, so new mirrors start and catch up and dropped ones stop.
   *
   * <p>{@code recent}, when not null, holds the latest events up to {@code seqNr} (a new leader's,
   * from the mirror it adopted): they go to every mirror before the placement, so a mirror that
   * missed the old leader's last writes applies them and acknowledges {@code seqNr} at once. A
   * mirror further behind than they reach reads the journal as before; either way it is in sync only
   * once it has acknowledged {@code seqNr}, having applied every event up to it in order.
   */
  boolean place(int wanted, long seqNr, io.weirmq.core.cluster.RecentEvents<QueueEvent> recent) {
    if (!clustered) {
      return false;
    }
    List<String> members = new ArrayList<>(up);
    java.util.Set<String> everyone = new java.util.LinkedHashSet<>(up);
    for (Member m : Cluster.get(system).state().getMembers()) {
      everyone.add(m.address().toString());
    }
    List<String> chosen = MirrorPlacement.choose(queue.entityId(), selfNode, members, wanted);
    if (announced && chosen.equals(placed)) {
      return false;
    }
    announced = true;
    placed = chosen;
    inSync.written(seqNr, System.currentTimeMillis());
    inSync.place(chosen);
    log.debug("{} leads on {} at {}; mirrors on {}", queue.id(), selfNode, seqNr, chosen);
    if (recent != null && recent.last() == seqNr) {
      recent.from(recent.first()).ifPresent(events -> {
        MirrorHost.Replicate r = new MirrorHost.Replicate(queue.entityId(), self, recent.first(), events);
        // Before the placement, to the same host: delivered in this order.
        chosen.forEach(node -> host(node).tell(r));
      });
    }
    tellAll(new ArrayList<>(everyone), new MirrorHost.Placement(queue.entityId(), self, seqNr, List.copyOf(chosen)));
    return true;
  }

  /** True when every placed mirror is in sync (or there are none). */
  boolean allInSync() {
    for (String node : placed) {
      if (!inSync.inSync(node)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Tells the placement again to the mirrors not in sync: one started after the first announcement
   * reached its node (a node's host starts just after it joins) or one whose messages were lost
   * then learns what to catch up to, even when the queue writes nothing.
   */
  void reannounce(long seqNr) {
    MirrorHost.Placement p = new MirrorHost.Placement(queue.entityId(), self, seqNr, placed);
    for (String node : placed) {
      if (!inSync.inSync(node)) {
        host(node).tell(p);
      }
    }
  }

  /** The queue is gone: every member stops its mirror of it. */
  void stopAll(long seqNr) {
    if (!clustered) {
      return;
    }
    List<String> everyone = new ArrayList<>();
    Cluster.get(system).state().getMembers().forEach(m -> everyone.add(m.address().toString()));
    placed = List.of();
    inSync.place(placed);
    tellAll(everyone, new MirrorHost.Placement(queue.entityId(), self, seqNr, List.of()));
  }

  /** Sends one journal write's events, the last of which has {@code lastSeqNr}, to every mirror. */
  void replicate(List<QueueEvent> events, long lastSeqNr) {
    MirrorHost.Replicate r = new MirrorHost.Replicate(queue.entityId(), self, lastSeqNr - events.size() + 1, events);
    inSync.written(lastSeqNr, System.currentTimeMillis());
    for (String node : placed) {
      host(node).tell(r);
    }
  }

  /** Records a mirror's acknowledgement; false when the node is not (or no longer) one of the mirrors. */
  boolean acknowledge(String node, long seqNr) {
    boolean was = inSync.inSync(node);
    boolean placedHere = inSync.acked(node, seqNr);
    if (placedHere && !was && inSync.inSync(node)) {
      log.info("Mirror of {} on {} is in sync at {}", queue.id(), node, seqNr);
    }
    return placedHere;
  }

  private void tellAll(List<String> nodes, MirrorHost.Command message) {
    for (String node : nodes) {
      host(node).tell(message);
    }
  }

  private ActorRef<MirrorHost.Command> host(String node) {
    return hosts.computeIfAbsent(node,
        n -> ActorRefResolver.get(system).resolveActorRef(n + MirrorHost.PATH));
  }
}
