package io.weirmq.node;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.pattern.StatusReply;
import io.weirmq.core.message.Message;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.DeadLetters;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.RouteResult;
import io.weirmq.core.routing.Topology;
import io.weirmq.node.channel.BrokerChannel;
import io.weirmq.node.health.HealthSettings;
import io.weirmq.node.health.NodeHealth;
import io.weirmq.node.metrics.MetricsSettings;
import io.weirmq.node.metrics.NodeMetrics;
import io.weirmq.node.metrics.QueueMeters;
import io.weirmq.node.queue.QueueEntity;
import io.weirmq.node.queue.QueueEnvironment;
import io.weirmq.node.queue.MirrorHost;
import io.weirmq.node.queue.MirrorSettings;
import io.weirmq.node.queue.QueueRef;
import io.weirmq.node.registry.MetadataRegistry;
import io.weirmq.node.registry.RoutingTableReplica;
import io.weirmq.node.registry.TopologyChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import akka.actor.typed.DispatcherSelector;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.node.security.Authenticator;
import io.weirmq.node.security.SecuritySettings;
import org.slf4j.LoggerFactory;

/**
 * The broker as the protocol modules see it: declare, bind, publish with confirms, consume, get,
 * purge, delete. One per node; every call works on whichever node owns the queue.
 *
 * <p>Metadata changes go to the registry singleton and return once this node's routing copy holds
 * them, so a client always sees its own writes. Publishes are routed here, from the local copy, and
 * go straight to the target queues' entities.
 */
public final class Broker {

  private static final Logger log = LoggerFactory.getLogger(Broker.class);

  private final ActorSystem<?> system;
  private final NodeSettings settings;
  private final ClusterSharding sharding;
  private final ActorRef<MetadataRegistry.Command> registry;
  private final ActorRef<RoutingTableReplica.Command> replica;
  private final AtomicReference<Topology> routing;
  private final ResourceAlarms alarms;
  private final NodeMetrics metrics;
  private final NodeHealth health;
  private final SecuritySettings security;
  private final Authenticator authenticator;
  private final ActorRef<MirrorHost.Command> mirrorHost;
  private final PublishesInFlight publishesInFlight = new PublishesInFlight();
  private final PublishAnswers publishAnswers;

  private Broker(ActorSystem<?> system, NodeSettings settings, AtomicReference<Topology> routing) {
    this.system = system;
    this.settings = settings;
    this.alarms = ResourceAlarms.fromConfig(system.settings().config(), settings.dataDir());
    Duration every = ResourceAlarms.checkInterval(system.settings().config());
    system.scheduler().scheduleAtFixedRate(Duration.ZERO, every, alarms::check, system.executionContext());
    this.sharding = ClusterSharding.get(system);
    this.routing = routing;
    this.metrics = new NodeMetrics(MetricsSettings.from(system.settings().config()), routing::get);
    this.registry = MetadataRegistry.initSingleton(system, settings);
    this.health = new NodeHealth(system, registry, settings, HealthSettings.from(system.settings().config()));
    this.replica = system.systemActorOf(RoutingTableReplica.create(registry, settings, routing),
        "weir-routing-table", Props.empty());
    this.mirrorHost = MirrorHost.start(system, akka.cluster.typed.Cluster.get(system).selfMember().address().toString(),
        settings.mirrors(), settings.askTimeout());
    QueueEntity.init(system, settings, new Environment());
    publishesInFlight.start(system);
    this.publishAnswers = new PublishAnswers(system, settings.publishTimeout());
    this.security = SecuritySettings.from(system.settings().config());
    this.authenticator = new Authenticator(system, routing::get, security, this::upgradePassword);
  }

  /** Starts the broker's actors on this node (which must be, or be joining, a cluster). */
  public static Broker start(ActorSystem<?> system) {
    return new Broker(system, NodeSettings.from(system.settings().config()), new AtomicReference<>(new Topology()));
  }

  public NodeSettings settings() {
    return settings;
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** The memory and disk alarms: while one is on, the protocols stop taking publishes. */
  public ResourceAlarms alarms() {
    return alarms;
  }

  /** This node's metrics: counters and histograms kept on the hot path, read by {@code /metrics}. */
  public NodeMetrics metrics() {
    return metrics;
  }

  /** This node's readiness checks: cluster membership, registry, journal. */
  public NodeHealth health() {
    return health;
  }

  /** Logins for every protocol, checked against this node's copy of the users. */
  public Authenticator authenticator() {
    return authenticator;
  }

  /** This node's current copy of the topology: read-only, safe from any thread. */
  public Topology topology() {
    return routing.get();
  }

  /**
   * Completes once the registry is reachable and the default vhost exists here, waiting up to
   * {@code within}: a starting cluster's registry may need longer than one ask-timeout (its first
   * recovery from a cold journal, a slow seed), and giving up after one would stop a healthy node.
   */
  public CompletionStage<Done> ready(java.time.Duration within) {
    return fromAkka(AskPattern.ask(replica, (ActorRef<Long> r) -> new RoutingTableReplica.AwaitVersion(1, r),
        within, system.scheduler())).thenApply(v -> Done.getInstance());
  }

  /** {@link #ready(java.time.Duration)} within {@code weir.startup-timeout}, the time a node may take to start. */
  public CompletionStage<Done> ready() {
    return ready(system.settings().config().getDuration("weir.startup-timeout"));
  }

  // ------------------------------------------------------------------ nodes

  /**
   * One cluster member for {@code /api/nodes}: its status in the membership, whether it answered
   * ({@code description} null and {@code error} set when it did not within
   * {@code weir.nodes.ask-timeout}), and the queues whose leaders run there ({@code queuesLed} null
   * when sharding did not say).
   */
  public record NodeInfo(String name, String status, boolean reachable, MirrorHost.NodeDescription description,
      String error, List<QueueId> queuesLed) {}

  /**
   * Every member of the cluster as it describes itself, with the queues it leads (from sharding's
   * statistics: each queue is its own shard, so a shard's home is its leader's node). Asks each
   * member's mirror host and sharding once, whatever the number of queues.
   */
  public CompletionStage<List<NodeInfo>> nodes() {
    Duration timeout = system.settings().config().getDuration("weir.nodes.ask-timeout");
    var state = akka.cluster.typed.Cluster.get(system).state();
    java.util.Set<akka.cluster.Member> unreachable = state.getUnreachable();
    CompletableFuture<akka.cluster.sharding.ShardRegion.ClusterShardingStats> stats = AskPattern
        .<akka.cluster.sharding.typed.ClusterShardingQuery, akka.cluster.sharding.ShardRegion.ClusterShardingStats>ask(
            sharding.shardState(), r -> new akka.cluster.sharding.typed.GetClusterShardingStats(
                QueueEntity.ENTITY_KEY, timeout, r), timeout.plus(timeout), system.scheduler())
        .toCompletableFuture().exceptionally(failure -> null);
    List<akka.cluster.Member> members = new ArrayList<>();
    state.getMembers().forEach(members::add);
    List<CompletableFuture<NodeInfo>> infos = new ArrayList<>();
    for (akka.cluster.Member m : members) {
      String name = m.address().toString();
      ActorRef<MirrorHost.Command> host = akka.actor.typed.ActorRefResolver.get(system)
          .resolveActorRef(name + MirrorHost.PATH);
      CompletableFuture<MirrorHost.NodeDescription> described = AskPattern.<MirrorHost.Command,
          MirrorHost.NodeDescription>ask(host, MirrorHost.Describe::new, timeout, system.scheduler()).toCompletableFuture();
      infos.add(described.handle((d, failure) -> new Object[] {d, failure})
          .thenCombine(stats, (answer, s) -> {
            List<QueueId> led = null;
            if (s != null && s.getRegions().containsKey(m.address())) {
              var region = s.getRegions().get(m.address());
              led = region.getStats().keySet().stream().map(id -> QueueRef.fromEntityId(id).id()).sorted(
                  java.util.Comparator.comparing(QueueId::key)).toList();
            }
            Throwable failure = (Throwable) answer[1];
            return new NodeInfo(name, m.status().toString(), !unreachable.contains(m),
                (MirrorHost.NodeDescription) answer[0],
                failure == null ? null : "did not answer within " + timeout.toMillis() + " ms", led);
          }));
    }
    return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
        .thenApply(v -> infos.stream().map(CompletableFuture::join).toList());
  }

  // ------------------------------------------------------------------ metadata

  public CompletionStage<Long> addVhost(String vhost) {
    return change(new TopologyChange.AddVhost(vhost)).thenApply(c -> c.version());
  }

  public CompletionStage<Long> deleteVhost(String vhost) {
    return change(new TopologyChange.DeleteVhost(vhost)).thenApply(c -> c.version());
  }

  public CompletionStage<Long> declareExchange(ExchangeDefinition exchange) {
    return change(new TopologyChange.DeclareExchange(exchange)).thenApply(c -> c.version());
  }

  public CompletionStage<Long> deleteExchange(ExchangeId exchange, boolean ifUnused) {
    return change(new TopologyChange.DeleteExchange(exchange, ifUnused)).thenApply(c -> c.version());
  }

  /**
   * Adds a user or changes its password and tags. The password is hashed (slowly, with
   * weir.security.password-hash-iterations) on Akka's blocking dispatcher; only the hash leaves.
   */
  public CompletionStage<Long> putUser(String name, String password, List<String> tags) {
    User.name(name);
    List<String> checkedTags = User.tags(tags);
    return CompletableFuture.supplyAsync(() -> PasswordHash.create(password, security.passwordHashIterations()),
            system.dispatchers().lookup(DispatcherSelector.blocking()))
        .thenCompose(hash -> change(new TopologyChange.PutUser(new User(name, hash, checkedTags))))
        .thenApply(c -> c.version());
  }

  /**
   * Adds a user whose password arrives already hashed (a definitions import): the broker's own
   * PBKDF2 export, or RabbitMQ's fast hash, which the user's first login replaces.
   */
  public CompletionStage<Long> putUser(User user) {
    return change(new TopologyChange.PutUser(user)).thenApply(c -> c.version());
  }

  /** Hashes the proven password with PBKDF2 (off the default dispatcher) and swaps it in for the fast hash. */
  private void upgradePassword(User user, String password) {
    CompletableFuture.supplyAsync(() -> PasswordHash.create(password, security.passwordHashIterations()),
            system.dispatchers().lookup(DispatcherSelector.blocking()))
        .thenCompose(hash -> change(new TopologyChange.UpgradePassword(user.name(), user.password(), hash)))
        .whenComplete((c, failure) -> {
          if (failure != null) {
            log.warn("Could not replace the imported password hash of user '{}' (kept until the next login): {}",
                user.name(), failure.getMessage());
          } else if (!c.after().users().user(user.name()).map(u -> u.password().isFast()).orElse(true)) {
            log.info("Replaced the imported {} password hash of user '{}' with a PBKDF2 one", user.password().algorithm(),
                user.name());
          }
        });
  }

  /** Changes a user's tags and keeps its password. */
  public CompletionStage<Long> setUserTags(User user, List<String> tags) {
    return change(new TopologyChange.PutUser(new User(user.name(), user.password(), tags))).thenApply(c -> c.version());
  }

  public CompletionStage<Long> deleteUser(String name) {
    return change(new TopologyChange.DeleteUser(name)).thenApply(c -> c.version());
  }

  public CompletionStage<Long> setPermission(Permission permission) {
    return change(new TopologyChange.SetPermission(permission)).thenApply(c -> c.version());
  }

  public CompletionStage<Long> clearPermission(String user, String vhost) {
    return change(new TopologyChange.ClearPermission(user, vhost)).thenApply(c -> c.version());
  }

  /**
   * Adds or replaces a policy, then reconfigures every queue of its vhost whose effective settings
   * it changed ({@code QueueConfigured}), so the new limits apply at once. Answers once they have.
   */
  public CompletionStage<Long> setPolicy(Policy policy) {
    Topology before = topology();
    return change(new TopologyChange.SetPolicy(policy))
        .thenCompose(c -> reconfigure(policy.vhost(), before, c.after()).thenApply(v -> c.version()));
  }

  /** Removes a policy; the queues it applied to return to their own arguments (or the next policy). */
  public CompletionStage<Long> clearPolicy(String vhost, String name) {
    Topology before = topology();
    return change(new TopologyChange.ClearPolicy(vhost, name))
        .thenCompose(c -> reconfigure(vhost, before, c.after()).thenApply(v -> c.version()));
  }

  /**
   * Sends each queue of the vhost whose effective settings differ between the two copies its new
   * settings. A queue that cannot be reached now is logged and keeps its settings until it is next
   * declared; the policy itself is stored either way.
   */
  private CompletionStage<Void> reconfigure(String vhost, Topology before, Topology after) {
    List<CompletableFuture<QueueCounts>> configured = new ArrayList<>();
    for (QueueDefinition q : after.queues(vhost)) {
      QueueSettings now = after.effectiveSettings(q);
      boolean same = before.queue(q.id()).isPresent() && before.queueIncarnation(q.id()) == after.queueIncarnation(q.id())
          && before.effectiveSettings(q).equals(now);
      if (!same) {
        configured.add(askQueue(refOf(after, q.id()),
            (ActorRef<StatusReply<QueueCounts>> r) -> new QueueEntity.Configure(now, r)).toCompletableFuture()
            .exceptionally(failure -> {
              log.warn("Could not apply the policy change to {}: {}", q.id(), failure.getMessage());
              return null;
            }));
      }
    }
    return CompletableFuture.allOf(configured.toArray(CompletableFuture[]::new));
  }

  public CompletionStage<Long> bind(Binding binding) {
    return change(new TopologyChange.Bind(binding)).thenApply(c -> c.version());
  }

  public CompletionStage<Long> unbind(Binding binding) {
    return change(new TopologyChange.Unbind(binding)).thenApply(c -> c.version());
  }

  /**
   * Declares a queue (or checks an existing one is equivalent) and answers with its counts. An
   * exclusive queue names its owning connection in {@code exclusiveOwner}.
   */
  public CompletionStage<DeclareOk> declareQueue(QueueDefinition queue) {
    return change(new TopologyChange.DeclareQueue(queue)).thenCompose(c -> {
      QueueRef ref = refOf(c.after(), queue.id());
      QueueDefinition current = c.after().queue(queue.id()).orElseThrow();
      if (current.exclusive() && !current.exclusiveOwner().equals(queue.exclusiveOwner())) {
        throw BrokerException.locked("queue", "cannot obtain exclusive access to locked " + queue.id());
      }
      return askQueue(ref, (ActorRef<StatusReply<QueueCounts>> r) ->
              new QueueEntity.Configure(c.after().effectiveSettings(current), r))
          .thenApply(counts -> new DeclareOk(queue.id().name(), counts.ready(), counts.consumers()));
    });
  }

  /**
   * Deletes a queue and answers how many messages it held. With {@code ifUnused} or {@code ifEmpty}
   * a queue with consumers or messages is refused (PRECONDITION_FAILED), as in AMQP.
   */
  public CompletionStage<Long> deleteQueue(QueueId queue, boolean ifUnused, boolean ifEmpty) {
    CompletionStage<QueueCounts> check = ifUnused || ifEmpty ? counts(queue) : CompletableFuture.completedFuture(null);
    return check.thenCompose(counts -> {
      if (counts != null && ifUnused && counts.consumers() > 0) {
        throw BrokerException.precondition("if-unused", queue + " has " + counts.consumers() + " consumers");
      }
      if (counts != null && ifEmpty && counts.total() > 0) {
        throw BrokerException.precondition("if-empty", queue + " has " + counts.total() + " messages");
      }
      return change(new TopologyChange.DeleteQueue(queue));
    }).thenApply(c -> c.deleted().values().stream().mapToLong(QueueCounts::total).sum());
  }

  /**
   * A client connection ended: its exclusive queues are deleted, as in AMQP. (Its channels return
   * their own unacked deliveries when they close or their actors stop.) Answers how many queues went.
   */
  public CompletionStage<Integer> connectionClosed(String connectionId) {
    List<CompletableFuture<Long>> deletions = new ArrayList<>();
    for (QueueDefinition q : topology().queues()) {
      if (q.exclusive() && connectionId.equals(q.exclusiveOwner())) {
        deletions.add(deleteQueue(q.id(), false, false).toCompletableFuture()
            .exceptionally(failure -> 0L)); // already gone: nothing to do
      }
    }
    return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new)).thenApply(v -> deletions.size());
  }

  public CompletionStage<Long> purgeQueue(QueueId queue) {
    return askQueue(refOf(topology(), queue), QueueEntity.Purge::new);
  }

  public CompletionStage<QueueCounts> counts(QueueId queue) {
    return askQueue(refOf(topology(), queue), QueueEntity.GetCounts::new);
  }

  /** The queue's leader node, the sequence number it wrote last, and each mirror's node and lag. */
  public CompletionStage<QueueEntity.Replication> replication(QueueId queue) {
    return askQueue(refOf(topology(), queue), QueueEntity.GetReplication::new);
  }

  /** The mirrors this node holds, each with the sequence number it holds. */
  public CompletionStage<MirrorHost.Mirrors> mirrorsHere() {
    return fromAkka(AskPattern.ask(mirrorHost, MirrorHost.ListMirrors::new, settings.askTimeout(), system.scheduler()));
  }

  /**
   * Each queue with its counts, asked of all at once, each within {@code timeout}; a queue deleted
   * meanwhile is left out, and one that did not answer is listed with its failure. Never fails as a
   * whole: {@code GET /api/queues} turns a failure into an error, {@code /metrics} leaves the queue out.
   */
  public CompletionStage<List<QueueListing>> listQueues(List<QueueDefinition> queues, Duration timeout) {
    List<CompletableFuture<QueueListing>> listed = new ArrayList<>(queues.size());
    for (QueueDefinition q : queues) {
      CompletionStage<QueueCounts> counts;
      try {
        counts = askQueue(refOf(topology(), q.id()), QueueEntity.GetCounts::new, timeout);
      } catch (BrokerException e) {
        counts = CompletableFuture.failedFuture(e);
      }
      listed.add(counts.handle((c, failure) -> {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof BrokerException e && e.kind() == BrokerException.Kind.NOT_FOUND) {
          return null;
        }
        return new QueueListing(q, c, cause);
      }).toCompletableFuture());
    }
    return CompletableFuture.allOf(listed.toArray(CompletableFuture[]::new))
        .thenApply(v -> listed.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
  }

  /** The result of a registry change, with the routing copies from before and after it. */
  private record Applied(long version, Topology after, Map<QueueRef, QueueCounts> deleted) {}

  private CompletionStage<Applied> change(TopologyChange change) {
    Topology before = topology();
    CompletionStage<MetadataRegistry.Changed> changed = AskPattern.askWithStatus(registry,
        (ActorRef<StatusReply<MetadataRegistry.Changed>> r) -> new MetadataRegistry.Change(change, r),
        settings.askTimeout(), system.scheduler());
    return fromAkka(changed)
        .thenCompose(c -> awaitVersion(c.version()).thenApply(v -> c))
        .thenCompose(c -> shutDownDeletedQueues(before, topology()).thenApply(deleted ->
            new Applied(c.version(), topology(), deleted)));
  }

  /** Stops the entities of queues that the change removed, collecting their final counts. */
  private CompletionStage<Map<QueueRef, QueueCounts>> shutDownDeletedQueues(Topology before, Topology after) {
    Map<QueueRef, CompletableFuture<QueueCounts>> stops = new LinkedHashMap<>();
    for (QueueDefinition q : before.queues()) {
      QueueRef ref = refOf(before, q.id());
      if (after.queue(q.id()).isEmpty() || after.queueIncarnation(q.id()) != ref.incarnation()) {
        stops.put(ref, askQueue(ref, (ActorRef<StatusReply<QueueCounts>> r) ->
            new QueueEntity.Shutdown("queue deleted", r)).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(stops.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<QueueRef, QueueCounts> out = new HashMap<>();
      stops.forEach((ref, f) -> out.put(ref, f.join()));
      return out;
    });
  }

  private CompletionStage<Long> awaitVersion(long version) {
    return awaitVersion(version, settings.askTimeout());
  }

  private CompletionStage<Long> awaitVersion(long version, Duration timeout) {
    return fromAkka(AskPattern.ask(replica, (ActorRef<Long> r) -> new RoutingTableReplica.AwaitVersion(version, r),
        timeout, system.scheduler()));
  }

  // ------------------------------------------------------------------ publishing

  /** Publishes one message; see {@link #publish(String, List)}. */
  public CompletionStage<PublishOutcome> publish(String vhost, Message message) {
    return publish(vhost, List.of(message)).thenApply(list -> list.get(0));
  }

  /**
   * Routes each message on this node and sends it to every target queue; completes, with one
   * publisher confirm per message, once every target queue has persisted or refused its messages.
   * All messages for one queue travel in one command, so a batch costs each queue one journal write.
   */
  public CompletionStage<List<PublishOutcome>> publish(String vhost, List<Message> messages) {
    return publish(vhost, messages, (message, queue) -> true, true);
  }

  /**
   * Publishes, sending each message only to the routed queues {@code accept} lets through. Client
   * publishes are {@code timed} for the confirm latency histogram; internal ones (dead letters) not.
   */
  private CompletionStage<List<PublishOutcome>> publish(String vhost, List<Message> messages,
      java.util.function.BiPredicate<Message, QueueId> accept, boolean timed) {
    long startNanos = System.nanoTime();
    Topology t = topology();
    Map<QueueRef, List<Integer>> byQueue = new LinkedHashMap<>();
    boolean[] routed = new boolean[messages.size()];
    try {
      for (int i = 0; i < messages.size(); i++) {
        Message m = messages.get(i);
        RouteResult route = t.route(vhost, m.exchange(), m.routingKey(), m.properties().headers());
        routed[i] = route.routed();
        for (QueueId q : route.queues()) {
          if (accept.test(m, q)) {
            byQueue.computeIfAbsent(refOf(t, q), k -> new ArrayList<>()).add(i);
          }
        }
      }
    } catch (BrokerException e) {
      return CompletableFuture.failedFuture(e);
    }
    boolean[] refused = new boolean[messages.size()];
    List<CompletableFuture<Void>> writes = new ArrayList<>(byQueue.size());
    byQueue.forEach((ref, indexes) -> {
      List<Message> batch = new ArrayList<>(indexes.size());
      indexes.forEach(i -> batch.add(messages.get(i)));
      EntityRef<QueueEntity.Command> queue = entity(ref);
      CompletableFuture<QueueEntity.Confirmation> reply = publishAnswers.request(
          (requestId, answers) -> new QueueEntity.Publish(batch, requestId, answers), queue::tell);
      publishesInFlight.track(ref.entityId(), reply);
      writes.add(reply
          .thenAccept(confirmation -> {
            publishesInFlight.answeredFrom(ref.entityId(), confirmation.node());
            synchronized (refused) {
              for (int j = 0; j < indexes.size(); j++) {
                if (!confirmation.accepted().get(j)) {
                  refused[indexes.get(j)] = true;
                }
              }
            }
          }).toCompletableFuture());
    });
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> {
      if (timed) {
        metrics.publishConfirmed(startNanos);
      }
      List<PublishOutcome> out = new ArrayList<>(messages.size());
      synchronized (refused) {
        for (int i = 0; i < messages.size(); i++) {
          out.add(new PublishOutcome(routed[i], !refused[i]));
        }
      }
      return out;
    });
  }

  // ------------------------------------------------------------------ channels

  /**
   * Opens a channel: the unit that consumes, gets and settles deliveries, as an AMQP channel.
   *
   * @param connectionId the owning connection, which owns the exclusive queues it declares
   */
  public BrokerChannel openChannel(String connectionId) {
    return BrokerChannel.open(this, connectionId, UUID.randomUUID().toString());
  }

  // ------------------------------------------------------------------ plumbing shared with channels

  /** The queue's current incarnation; NOT_FOUND when this node's copy has no such queue. */
  public QueueRef refOf(Topology t, QueueId queue) {
    if (t.queue(queue).isEmpty()) {
      throw BrokerException.notFound("queue", "no " + queue);
    }
    return new QueueRef(queue, t.queueIncarnation(queue));
  }

  public EntityRef<QueueEntity.Command> entity(QueueRef ref) {
    return sharding.entityRefFor(QueueEntity.ENTITY_KEY, ref.entityId());
  }

  public <T> CompletionStage<T> askQueue(QueueRef ref,
      java.util.function.Function<ActorRef<StatusReply<T>>, QueueEntity.Command> command) {
    return askQueue(ref, command, settings.askTimeout());
  }

  private <T> CompletionStage<T> askQueue(QueueRef ref,
      java.util.function.Function<ActorRef<StatusReply<T>>, QueueEntity.Command> command, java.time.Duration timeout) {
    return fromAkka(entity(ref).<T>askWithStatus(r -> command.apply(r), timeout));
  }

  /**
   * Moves the result of an Akka ask onto a plain {@link CompletableFuture}, completed on Akka's
   * dispatcher, with Akka's wrapped failures turned back into the {@link BrokerException} replied.
   *
   * <p>Why the hop: stages Akka returns run even non-async callbacks asynchronously on the JVM's
   * common pool, and on a 2-core machine that pool has one thread, so CompletableFuture falls back
   * to starting a new thread per callback (it cost ~250 us per publisher confirm).
   */
  private <T> CompletionStage<T> fromAkka(CompletionStage<T> stage) {
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenCompleteAsync((value, failure) -> {
      if (failure == null) {
        out.complete(value);
      } else {
        out.completeExceptionally(translate(failure));
      }
    }, system.executionContext());
    return out;
  }

  private static Throwable translate(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof StatusReply.ErrorMessage e) {
      return new BrokerException(BrokerException.Kind.UNAVAILABLE, null, e.getMessage());
    }
    if (cause instanceof java.util.concurrent.TimeoutException || cause instanceof akka.pattern.AskTimeoutException) {
      return new BrokerException(BrokerException.Kind.UNAVAILABLE, null, "the broker did not answer in time");
    }
    return cause;
  }

  /** What queue entities on this node call back into. */
  private final class Environment implements QueueEnvironment {

    @Override
    public CompletionStage<Done> publishDeadLetter(String vhost, Message message) {
      // Dead-letter cycles without a rejection are dropped, as in RabbitMQ (DeadLetters.isCycle).
      return publish(vhost, List.of(message), (m, q) -> !DeadLetters.isCycle(m, q), false).handle((outcome, failure) -> {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof BrokerException e && e.kind() != BrokerException.Kind.UNAVAILABLE) {
          // A dead-letter exchange that does not exist drops the message, as in RabbitMQ.
          log.debug("Dead letter dropped: {}", e.getMessage());
        } else if (cause != null) {
          throw new CompletionException(cause);
        }
        return Done.getInstance();
      });
    }

    @Override
    public QueueMeters meters(QueueRef queue) {
      return metrics.queue(queue);
    }

    @Override
    public void queueUnused(QueueRef queue, String reason) {
      Topology t = topology();
      if (t.queue(queue.id()).isEmpty() || t.queueIncarnation(queue.id()) != queue.incarnation()) {
        return;
      }
      QueueDefinition def = t.queue(queue.id()).get();
      if (reason.equals("auto-delete") && !def.autoDelete()) {
        return;
      }
      log.info("Deleting {} ({})", queue.id(), reason);
      change(new TopologyChange.DeleteQueue(queue.id())).whenComplete((c, failure) -> {
        if (failure != null) {
          log.debug("Could not delete {} ({}): {}", queue.id(), reason, failure.getMessage());
        }
      });
    }
  }
}
