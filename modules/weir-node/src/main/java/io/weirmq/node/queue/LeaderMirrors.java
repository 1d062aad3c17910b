package io.weirmq.node.queue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.weirmq.core.cluster.MirrorPlacement;
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
  /** The nodes that hold this queue's mirrors now, each with the sequence number it acknowledged (-1: none yet). */
  private final Map<String, Long> acked = new LinkedHashMap<>();
  private boolean announced;

  LeaderMirrors(ActorSystem<?> system, QueueRef queue, ActorRef<QueueEntity.Command> self, Logger log) {
    this.system = system;
    this.queue = queue;
    this.self = self;
    this.log = log;
    this.clustered = Adapter.toClassic(system) instanceof akka.actor.ExtendedActorSystem e
        && e.provider() instanceof akka.cluster.ClusterActorRefProvider;
    this.selfNode = clustered ? Cluster.get(system).selfMember().address().toString() : "";
  }

  boolean clustered() {
    return clustered;
  }

  String selfNode() {
    return selfNode;
  }

  /** True when the queue has mirrors, so that writes are sent to them. */
  boolean active() {
    return !acked.isEmpty();
  }

  /** The mirrors' nodes in placement order, each with the sequence number it acknowledged. */
  Map<String, Long> acknowledged() {
    return acked;
  }

  /**
   * Recomputes where the mirrors belong from the Up members; when that changed (or on the first
   * call), tells every member, so new mirrors start and catch up and dropped ones stop.
   */
  boolean place(int wanted, long seqNr) {
    if (!clustered) {
      return false;
    }
    List<String> members = new ArrayList<>();
    List<String> everyone = new ArrayList<>();
    for (Member m : Cluster.get(system).state().getMembers()) {
      everyone.add(m.address().toString());
      if (m.status() == MemberStatus.up()) {
        members.add(m.address().toString());
      }
    }
    List<String> chosen = MirrorPlacement.choose(queue.entityId(), selfNode, members, wanted);
    if (announced && chosen.equals(new ArrayList<>(acked.keySet()))) {
      return false;
    }
    announced = true;
    Map<String, Long> before = new HashMap<>(acked);
    acked.clear();
    for (String node : chosen) {
      acked.put(node, before.getOrDefault(node, -1L));
    }
    log.debug("{} leads on {}; mirrors on {}", queue.id(), selfNode, chosen);
    tellAll(everyone, new MirrorHost.Placement(queue.entityId(), self, seqNr, List.copyOf(chosen)));
    return true;
  }

  /** The queue is gone: every member stops its mirror of it. */
  void stopAll(long seqNr) {
    if (!clustered) {
      return;
    }
    List<String> everyone = new ArrayList<>();
    Cluster.get(system).state().getMembers().forEach(m -> everyone.add(m.address().toString()));
    acked.clear();
    tellAll(everyone, new MirrorHost.Placement(queue.entityId(), self, seqNr, List.of()));
  }

  /** Sends one journal write's events, the last of which has {@code lastSeqNr}, to every mirror. */
  void replicate(List<QueueEvent> events, long lastSeqNr) {
    MirrorHost.Replicate r = new MirrorHost.Replicate(queue.entityId(), self, lastSeqNr - events.size() + 1, events);
    for (String node : acked.keySet()) {
      host(node).tell(r);
    }
  }

  /** Records a mirror's acknowledgement; false when the node is not (or no longer) one of the mirrors. */
  boolean acknowledge(String node, long seqNr) {
    Long before = acked.get(node);
    if (before == null) {
      return false;
    }
    if (seqNr > before) {
      acked.put(node, seqNr);
    }
    return true;
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
