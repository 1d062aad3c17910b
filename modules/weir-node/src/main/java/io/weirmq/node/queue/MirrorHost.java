package io.weirmq.node.queue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.node.serialization.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * This node's mirrors, one {@link QueueMirror} child per queue it mirrors. Leaders reach it by its
 * fixed path on each node ({@link #PATH}), so no registry of mirrors is needed: the placement is
 * computed from membership by every leader alike.
 */
public final class MirrorHost extends AbstractBehavior<MirrorHost.Command> {

  /** Where every node runs its host, under the system guardian. */
  public static final String NAME = "weir-mirrors";
  public static final String PATH = "/system/" + NAME;

  public sealed interface Command extends CborSerializable {}

  /** The events of one journal write, numbered from {@code firstSeq}, for this node's mirror of the queue. */
  public record Replicate(String entityId, ActorRef<QueueEntity.Command> leader, long firstSeq,
      @JsonTypeInfo(use = JsonTypeInfo.Id.NAME) List<QueueEvent> events) implements Command {}

  /**
   * The queue's leader, the sequence number it holds and where its mirrors are: told to every member
   * when the placement changes, so a node in {@code mirrors} starts (and catches up) a mirror and any
   * other stops its mirror of the queue.
   */
  public record Placement(String entityId, ActorRef<QueueEntity.Command> leader, long seqNr, List<String> mirrors)
      implements Command {}

  /** Every mirror on this node with the sequence number it holds. */
  public record ListMirrors(ActorRef<Mirrors> replyTo) implements Command {}

  public record Mirrors(String node, List<MirrorStatus> mirrors) implements CborSerializable {}

  /** One mirror: the queue incarnation, the sequence number it holds, whether it is reading the journal, its counts. */
  public record MirrorStatus(String entityId, long seqNr, boolean catchingUp, QueueCounts counts)
      implements CborSerializable {}

  /** Asked for {@code /api/nodes}: what this node's JVM can honestly report, and its mirrors. */
  public record Describe(ActorRef<NodeDescription> replyTo) implements Command {}

  /**
   * One node as it describes itself: uptime of its JVM, heap used and maximum (-Xmx; -1 if
   * unbounded), processors the JVM may use, and every mirror it holds.
   */
  public record NodeDescription(String node, long uptimeMillis, long heapUsed, long heapMax, int processors,
      List<MirrorStatus> mirrors) implements CborSerializable {}

  /** Asked by the shard allocation: the sequence number this node's mirror of the queue holds (-1: none). */
  public record GetHeld(String entityId, ActorRef<Held> replyTo) implements Command {}

  public record Held(long seqNr) implements CborSerializable {}

  /**
   * Asked by this node's {@link MirrorSnapshotStore} when the queue's leader starts here: the mirror
   * hands its state over and stops. Local only: the state object itself is handed over, not a copy.
   */
  record Adopt(String entityId, ActorRef<Adopted> replyTo) implements Command {}

  /**
   * The mirror's state, the sequence number it holds and its latest events (ending at that number),
   * or null state when there is no mirror here.
   */
  record Adopted(io.weirmq.core.queue.QueueState state, long seqNr,
      io.weirmq.core.cluster.RecentEvents<QueueEvent> recent) {}

  private record Described(Mirrors mirrors, ActorRef<NodeDescription> replyTo) implements Command {}

  private record MirrorStopped(String entityId, ActorRef<QueueMirror.Command> mirror) implements Command {}

  public static ActorRef<Command> start(ActorSystem<?> system, String selfNode, MirrorSettings settings,
      Duration askTimeout) {
    return system.systemActorOf(Behaviors.setup(ctx -> new MirrorHost(ctx, selfNode, settings, askTimeout)), NAME,
        akka.actor.typed.Props.empty());
  }

  private final String selfNode;
  private final MirrorSettings settings;
  private final Duration askTimeout;
  private final Map<String, ActorRef<QueueMirror.Command>> mirrors = new HashMap<>();
  private long started;

  private MirrorHost(ActorContext<Command> context, String selfNode, MirrorSettings settings, Duration askTimeout) {
    super(context);
    this.selfNode = selfNode;
    this.settings = settings;
    this.askTimeout = askTimeout;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Replicate.class, r -> {
          mirror(r.entityId()).tell(new QueueMirror.Apply(r.leader(), r.firstSeq(), r.events()));
          return this;
        })
        .onMessage(Placement.class, this::onPlacement)
        .onMessage(ListMirrors.class, this::onList)
        .onMessage(Describe.class, d -> {
          ActorRef<Mirrors> described = getContext().messageAdapter(Mirrors.class, m -> new Described(m, d.replyTo()));
          return onList(new ListMirrors(described));
        })
        .onMessage(Described.class, d -> {
          var heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
          d.replyTo().tell(new NodeDescription(selfNode,
              java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(), heap.getUsed(), heap.getMax(),
              Runtime.getRuntime().availableProcessors(), d.mirrors().mirrors()));
          return this;
        })
        .onMessage(GetHeld.class, g -> {
          ActorRef<QueueMirror.Command> m = mirrors.get(g.entityId());
          if (m == null) {
            g.replyTo().tell(new Held(-1));
          } else {
            m.tell(new QueueMirror.ReportHeld(g.replyTo()));
          }
          return this;
        })
        .onMessage(Adopt.class, a -> {
          ActorRef<QueueMirror.Command> m = mirrors.remove(a.entityId());
          if (m == null) {
            a.replyTo().tell(new Adopted(null, -1, null));
          } else {
            m.tell(new QueueMirror.HandOver(a.replyTo()));
          }
          return this;
        })
        .onMessage(MirrorStopped.class, s -> {
          mirrors.remove(s.entityId(), s.mirror());
          return this;
        })
        .build();
  }

  private Behavior<Command> onPlacement(Placement p) {
    if (p.mirrors().contains(selfNode)) {
      mirror(p.entityId()).tell(new QueueMirror.Apply(p.leader(), p.seqNr() + 1, List.of()));
    } else {
      ActorRef<QueueMirror.Command> m = mirrors.remove(p.entityId());
      if (m != null) {
        getContext().getLog().debug("No longer a mirror of {}", p.entityId());
        m.tell(QueueMirror.Stop.INSTANCE);
      }
    }
    return this;
  }

  private ActorRef<QueueMirror.Command> mirror(String entityId) {
    ActorRef<QueueMirror.Command> m = mirrors.get(entityId);
    if (m == null) {
      m = getContext().spawn(QueueMirror.create(QueueRef.fromEntityId(entityId), selfNode, settings),
          "mirror-" + (++started));
      getContext().watchWith(m, new MirrorStopped(entityId, m));
      mirrors.put(entityId, m);
    }
    return m;
  }

  private Behavior<Command> onList(ListMirrors list) {
    List<CompletableFuture<MirrorStatus>> asks = new ArrayList<>();
    for (ActorRef<QueueMirror.Command> m : mirrors.values()) {
      asks.add(AskPattern.<QueueMirror.Command, MirrorStatus>ask(m, QueueMirror.GetStatus::new, askTimeout,
          getContext().getSystem().scheduler()).toCompletableFuture());
    }
    CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).whenComplete((v, failure) -> {
      List<MirrorStatus> statuses = new ArrayList<>();
      for (CompletableFuture<MirrorStatus> a : asks) {
        if (!a.isCompletedExceptionally()) {
          statuses.add(a.join());
        }
      }
      list.replyTo().tell(new Mirrors(selfNode, statuses));
    });
    return this;
  }
}
