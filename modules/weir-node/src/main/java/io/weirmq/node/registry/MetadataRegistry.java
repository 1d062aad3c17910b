package io.weirmq.node.registry;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.routing.TopologyEvent;
import io.weirmq.core.routing.TopologySnapshot;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.security.SecuritySettings;
import io.weirmq.node.serialization.CborSerializable;
import akka.actor.typed.DispatcherSelector;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cluster's one source of truth for vhosts, exchanges, queues and bindings: an event-sourced
 * Cluster Singleton whose state is the core {@link Topology}.
 *
 * <p>It validates every change and publishes a versioned change feed. Every node keeps its own copy
 * of the topology ({@link RoutingTableReplica}) and routes publishes from it, so no publish ever
 * passes through here.
 */
public final class MetadataRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<MetadataRegistry.Command, TopologyEvent, Topology> {

  public static final String NAME = "weir-metadata-registry";
  public static final String DEFAULT_VHOST = "/";

  public sealed interface Command extends CborSerializable {}

  /** Asks for a change; answered with the version that contains it. */
  public record Change(TopologyChange change, ActorRef<StatusReply<Changed>> replyTo) implements Command {}

  /** Events are named by type on the wire: the core's sealed TopologyEvent carries no Jackson annotations. */
  public record Changed(long version, @JsonTypeInfo(use = JsonTypeInfo.Id.NAME) List<TopologyEvent> events)
      implements CborSerializable {}

  /**
   * A node's copy announces itself and the version it holds. The registry answers with a snapshot
   * when the copy is behind and then pushes every change. Copies repeat this periodically, which
   * also re-attaches them to a registry that moved to another node.
   */
  public record Subscribe(ActorRef<RoutingTableReplica.Command> replica, long knownVersion) implements Command {}

  /**
   * Answers the registry's topology version; the readiness check asks it to see that the registry
   * answers. Like every command it waits while the registry is starting.
   */
  public record GetVersion(ActorRef<Long> replyTo) implements Command {}

  record ReplicaTerminated(ActorRef<RoutingTableReplica.Command> replica) implements Command {}

  /**
   * After recovery: whether this start begins the cluster's lifetime ({@link ClusterLifetime}), and
   * the default user's password hash when there is no user yet (made off the actor: it is slow).
   */
  record Started(boolean clusterIsNew, PasswordHash defaultUserPassword) implements Command {}

  public static ActorRef<Command> initSingleton(ActorSystem<?> system, NodeSettings settings) {
    ClusterLifetime lifetime = ClusterLifetime.distributedData(system, settings.askTimeout());
    return ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(create(settings, lifetime)).onFailure(SupervisorStrategy.restartWithBackoff(
            settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2)),
        NAME));
  }

  /** A registry whose every start is a cluster start (a node of its own, tests). */
  public static Behavior<Command> create(NodeSettings settings) {
    return create(settings, ClusterLifetime.ALWAYS_NEW);
  }

  public static Behavior<Command> create(NodeSettings settings, ClusterLifetime lifetime) {
    return Behaviors.setup(ctx -> new MetadataRegistry(ctx, settings, lifetime));
  }

  private final ActorContext<Command> context;
  private final ClusterLifetime lifetime;
  private final SecuritySettings security;
  private final Set<ActorRef<RoutingTableReplica.Command>> replicas = new HashSet<>();
  /**
   * False from recovery until {@link Started} has run. Changes and subscriptions wait (stashed)
   * until then, so no node ever reads, routes to or redeclares resources that did not survive.
   */
  private boolean ready;

  private MetadataRegistry(ActorContext<Command> context, NodeSettings settings, ClusterLifetime lifetime) {
    super(PersistenceId.ofUniqueId(NAME), SupervisorStrategy.restartWithBackoff(
        settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2));
    this.context = context;
    this.lifetime = lifetime;
    this.security = SecuritySettings.from(context.getSystem().settings().config());
  }

  /** What {@link #emptyState()} answered: persistence starts every recovery of this actor from it. */
  private Topology initial;

  @Override
  public Topology emptyState() {
    initial = new Topology();
    return initial;
  }

  @Override
  public EventHandler<Topology, TopologyEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((topology, event) -> {
      // Persistence restarts a registry whose journal failed (a write, a recovery) on the very object
      // emptyState() gave it, and Topology is mutable: events never go into that object, so that every
      // recovery starts from an empty topology rather than from the failed run's.
      Topology target = topology == initial ? new Topology() : topology;
      target.apply(event);
      return target;
    });
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  @Override
  public SnapshotAdapter<Topology> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(Topology state) {
        return state.snapshot();
      }

      @Override
      public Topology fromJournal(Object from) {
        return Topology.fromSnapshot((TopologySnapshot) from);
      }
    };
  }

  @Override
  public SignalHandler<Topology> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), topology -> {
          ready = false;
          CompletionStage<PasswordHash> defaultPassword = topology.users().isEmpty()
              ? CompletableFuture.supplyAsync(() -> PasswordHash.create(security.defaultPassword(),
                  security.passwordHashIterations()), context.getSystem().dispatchers().lookup(DispatcherSelector.blocking()))
              : CompletableFuture.completedFuture(null);
          org.slf4j.Logger log = context.getLog();
          CompletionStage<Boolean> clusterIsNew = lifetime.isNew().handle((isNew, failure) -> {
            if (failure != null) {
              // Dropping live queues would lose their messages under their clients; keeping stale
              // ones after a restart only leaves something to delete. So when in doubt, keep.
              log.warn("Registry cannot tell a cluster start from a hand-over ({}); keeping "
                  + "non-durable and exclusive resources", failure.toString());
              return false;
            }
            return isNew;
          });
          // A failed hash (a JDK without PBKDF2) leaves it to onStarted, which then fails loudly on the actor.
          context.pipeToSelf(clusterIsNew.thenCombine(defaultPassword.exceptionally(e -> null), Started::new),
              (started, failure) -> failure == null ? started : new Started(false, null));
        })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, TopologyEvent, Topology> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Started.class, this::onStarted)
        .onCommand(cmd -> !ready && !(cmd instanceof ReplicaTerminated), (topology, cmd) -> Effect().stash())
        .onCommand(Change.class, this::onChange)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(GetVersion.class, (topology, cmd) -> Effect().reply(cmd.replyTo(), topology.version()))
        .onCommand(ReplicaTerminated.class, (t, cmd) -> {
          replicas.remove(cmd.replica());
          return Effect().noReply();
        })
        .build();
  }

  private ReplyEffect<TopologyEvent, Topology> onChange(Topology topology, Change cmd) {
    List<TopologyEvent> events;
    try {
      events = cmd.change().decide(topology);
    } catch (BrokerException e) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(e));
    }
    return persistAndPublish(topology, events)
        .thenReply(cmd.replyTo(), t -> StatusReply.success(new Changed(t.version(), events)));
  }

  private akka.persistence.typed.javadsl.EffectBuilder<TopologyEvent, Topology> persistAndPublish(
      Topology topology, List<TopologyEvent> events) {
    if (events.isEmpty()) {
      return Effect().none();
    }
    long base = topology.version();
    return Effect().persist(events).thenRun(t -> {
      RoutingTableReplica.Changes changes = new RoutingTableReplica.Changes(base, events);
      replicas.forEach(r -> r.tell(changes));
    });
  }

  private ReplyEffect<TopologyEvent, Topology> onSubscribe(Topology topology, Subscribe cmd) {
    if (replicas.add(cmd.replica())) {
      context.watchWith(cmd.replica(), new ReplicaTerminated(cmd.replica()));
    }
    if (cmd.knownVersion() != topology.version()) {
      cmd.replica().tell(new RoutingTableReplica.Reset(topology.snapshot()));
    }
    return Effect().noReply();
  }

  /**
   * After a start of the registry: makes sure the default vhost exists, and, if the cluster itself
   * is starting, removes what does not outlive a restart: non-durable exchanges and queues, and
   * exclusive queues (their connections are gone). A hand-over from a node that left or died, or a
   * restart of this actor after a failure, keeps them: their nodes and connections may be alive.
   */
  private ReplyEffect<TopologyEvent, Topology> onStarted(Topology topology, Started started) {
    List<TopologyEvent> events = new ArrayList<>();
    Topology scratch = Topology.fromSnapshot(topology.snapshot());
    if (!scratch.hasVhost(DEFAULT_VHOST)) {
      apply(scratch, events, scratch.addVhost(DEFAULT_VHOST));
    }
    if (scratch.users().isEmpty()) {
      addDefaultUser(scratch, events, started.defaultUserPassword());
    }
    if (started.clusterIsNew()) {
      dropTransient(scratch, events);
    } else {
      context.getLog().info("Registry took over at version {}: the cluster runs on, non-durable and exclusive "
          + "resources stay", topology.version());
    }
    if (!events.isEmpty()) {
      context.getLog().info("Registry started at version {}: {} changes (default vhost{})",
          topology.version(), events.size(), started.clusterIsNew() ? ", non-durable and exclusive resources removed" : "");
    }
    return persistAndPublish(topology, events)
        .thenRun(t -> {
          lifetime.registryStarted();
          ready = true;
        })
        .thenNoReply()
        .thenUnstashAll();
  }

  /**
   * RabbitMQ's default user: created when there is no user at all, with full permissions on the
   * default vhost. Hashing is slow, but this runs once in a cluster's life, before any command.
   */
  private void addDefaultUser(Topology scratch, List<TopologyEvent> events, PasswordHash password) {
    User user = new User(security.defaultUser(), password != null ? password
        : PasswordHash.create(security.defaultPassword(), security.passwordHashIterations()), security.defaultUserTags());
    apply(scratch, events, scratch.putUser(user));
    apply(scratch, events, scratch.setPermission(new Permission(user.name(), DEFAULT_VHOST, ".*", ".*", ".*")));
    context.getLog().info("Registry created the default user '{}' (tags {}){}", user.name(), user.tags(),
        security.loopbackUsers().contains(user.name()) ? ", who may log in only from loopback addresses" : "");
  }

  private static void dropTransient(Topology scratch, List<TopologyEvent> events) {
    for (QueueDefinition q : scratch.queues()) {
      if (!q.durable() || q.exclusive()) {
        apply(scratch, events, scratch.deleteQueue(q.id()));
      }
    }
    for (ExchangeDefinition x : scratch.exchanges()) {
      if (!x.durable() && scratch.exchange(x.id()).isPresent()) {
        apply(scratch, events, scratch.deleteExchange(x.id(), false));
      }
    }
  }

  private static void apply(Topology scratch, List<TopologyEvent> out, List<TopologyEvent> events) {
    scratch.applyAll(events);
    out.addAll(events);
  }
}
