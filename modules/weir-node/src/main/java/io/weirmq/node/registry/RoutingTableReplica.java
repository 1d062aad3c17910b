package io.weirmq.node.registry;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.routing.TopologyEvent;
import io.weirmq.core.routing.TopologySnapshot;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.serialization.CborSerializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This node's copy of the topology, kept current from the registry's change feed.
 *
 * <p>Routing reads the published copy from any thread without locks; this actor applies changes to
 * a private copy and publishes a fresh one after each batch (copy-on-write: changes to metadata are
 * rare next to publishes). A gap in the versions, or a registry that moved, is repaired by a full
 * snapshot.
 */
public final class RoutingTableReplica extends AbstractBehavior<RoutingTableReplica.Command> {

  public sealed interface Command extends CborSerializable {}

  /** Changes from {@code baseVersion} on, pushed by the registry; events named by type on the wire. */
  public record Changes(long baseVersion, @JsonTypeInfo(use = JsonTypeInfo.Id.NAME) List<TopologyEvent> events)
      implements Command {}

  /** The registry's whole topology, sent when this copy was behind. */
  public record Reset(TopologySnapshot snapshot) implements Command {}

  /** Answers once the copy holds {@code version} (so clients read their own writes). */
  public record AwaitVersion(long version, ActorRef<Long> replyTo) implements Command {}

  enum Resubscribe implements Command { INSTANCE }

  public static Behavior<Command> create(ActorRef<MetadataRegistry.Command> registry, NodeSettings settings,
      AtomicReference<Topology> published) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new RoutingTableReplica(ctx, timers, registry, settings, published)));
  }

  private final ActorRef<MetadataRegistry.Command> registry;
  private final AtomicReference<Topology> published;
  private Topology topology;
  private final List<AwaitVersion> waiting = new ArrayList<>();

  private RoutingTableReplica(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<MetadataRegistry.Command> registry, NodeSettings settings, AtomicReference<Topology> published) {
    super(context);
    this.registry = registry;
    this.published = published;
    this.topology = published.get().copy();
    timers.startTimerWithFixedDelay(Resubscribe.INSTANCE, settings.registryResubscribeInterval());
    // A member leaving or removed may have hosted the registry: announce this copy at once, so the
    // registry's next home pushes changes to it without waiting for the timer. (The singleton proxy
    // holds the message until the new registry runs.)
    var cluster = Cluster.get(context.getSystem()).subscriptions();
    cluster.tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberExited.class, e -> Resubscribe.INSTANCE),
        ClusterEvent.MemberExited.class));
    cluster.tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberRemoved.class, e -> Resubscribe.INSTANCE),
        ClusterEvent.MemberRemoved.class));
    subscribe();
  }

  private void subscribe() {
    registry.tell(new MetadataRegistry.Subscribe(getContext().getSelf(), topology.version()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Changes.class, this::onChanges)
        .onMessage(Reset.class, this::onReset)
        .onMessage(AwaitVersion.class, this::onAwait)
        .onMessage(Resubscribe.class, r -> {
          subscribe();
          return this;
        })
        .build();
  }

  private Behavior<Command> onChanges(Changes changes) {
    long version = topology.version();
    if (changes.baseVersion() + changes.events().size() <= version) {
      return this; // already have these
    }
    if (changes.baseVersion() != version) {
      getContext().getLog().info("Routing copy at version {} missed changes from {}; asking for a snapshot",
          version, changes.baseVersion());
      subscribe();
      return this;
    }
    topology.applyAll(changes.events());
    publish();
    return this;
  }

  private Behavior<Command> onReset(Reset reset) {
    if (reset.snapshot().version() != topology.version()) {
      topology = Topology.fromSnapshot(reset.snapshot());
      publish();
    }
    return this;
  }

  private Behavior<Command> onAwait(AwaitVersion await) {
    if (topology.version() >= await.version()) {
      await.replyTo().tell(topology.version());
    } else {
      waiting.add(await);
    }
    return this;
  }

  private void publish() {
    published.set(topology.copy());
    for (Iterator<AwaitVersion> it = waiting.iterator(); it.hasNext(); ) {
      AwaitVersion w = it.next();
      if (topology.version() >= w.version()) {
        w.replyTo().tell(topology.version());
        it.remove();
      }
    }
  }
}
