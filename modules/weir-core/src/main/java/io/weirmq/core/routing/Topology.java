package io.weirmq.core.routing;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.TopologyEvent.BindingAdded;
import io.weirmq.core.routing.TopologyEvent.BindingRemoved;
import io.weirmq.core.routing.TopologyEvent.ExchangeDeclared;
import io.weirmq.core.routing.TopologyEvent.ExchangeDeleted;
import io.weirmq.core.routing.TopologyEvent.QueueDeclared;
import io.weirmq.core.routing.TopologyEvent.QueueDeleted;
import io.weirmq.core.routing.TopologyEvent.VhostAdded;
import io.weirmq.core.routing.TopologyEvent.VhostDeleted;
import io.weirmq.core.policy.EffectiveArguments;
import io.weirmq.core.policy.Policies;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.routing.TopologyEvent.PermissionCleared;
import io.weirmq.core.routing.TopologyEvent.PolicyCleared;
import io.weirmq.core.routing.TopologyEvent.PolicySet;
import io.weirmq.core.routing.TopologyEvent.PermissionSet;
import io.weirmq.core.routing.TopologyEvent.UserDeleted;
import io.weirmq.core.routing.TopologyEvent.UserPut;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.core.security.UserDirectory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The broker's topology (vhosts, exchanges, queues, bindings) and the routing of publishes through
 * it. The metadata registry and every node's routing copy hold one and apply the same events.
 *
 * <p>Decide methods ({@link #declareExchange}, {@link #bind}, ...) validate a request against the
 * current state and return the events to persist, without changing anything; {@link #apply} makes
 * an event part of the state. Mutation is for one thread; {@link #route} may run from many threads
 * at once provided nobody applies events meanwhile (nodes copy on write, see {@link #copy}).
 */
public final class Topology {

  /** The exchanges every vhost starts with, as in RabbitMQ. */
  static final List<Map.Entry<String, ExchangeType>> PREDECLARED = List.of(
      Map.entry("", ExchangeType.DIRECT),
      Map.entry("amq.direct", ExchangeType.DIRECT),
      Map.entry("amq.fanout", ExchangeType.FANOUT),
      Map.entry("amq.topic", ExchangeType.TOPIC),
      Map.entry("amq.headers", ExchangeType.HEADERS),
      Map.entry("amq.match", ExchangeType.HEADERS));

  private final LinkedHashMap<String, Vhost> vhosts = new LinkedHashMap<>();
  /**
   * Which declaration each queue is: the version its QueueDeclared event produced. A queue deleted
   * and declared again gets a new incarnation, so the node can give it a fresh, empty entity.
   */
  private final HashMap<QueueId, Long> queueIncarnations = new HashMap<>();
  private final ArrayDeque<Integer> freeSerials = new ArrayDeque<>();
  private int nextSerial;
  /**
   * Canonical targets by serial, and their queue ids (null for an exchange). Routers report
   * serials and route turns them into queues through this array, so a lookup reads a dense array
   * instead of one scattered target object per destination.
   */
  private Target[] targetBySerial = new Target[16];
  private QueueId[] queueBySerial = new QueueId[16];
  private long version;
  /** Users and permissions travel with the topology, so every node checks them from its own copy. */
  private UserDirectory users = new UserDirectory();
  /** Policies too: every node computes its queues' effective settings from its own copy. */
  private Policies policies = new Policies();

  public Topology() {}

  // ---------------------------------------------------------------- state

  private static final class Vhost {
    final LinkedHashMap<String, Exchange> exchanges = new LinkedHashMap<>();
    final LinkedHashMap<String, QueueDefinition> queues = new LinkedHashMap<>();
    /**
     * Bindings by destination, so deleting a queue or exchange finds its bindings at once. The
     * entry also holds the one {@link Target} instance every router uses for that destination,
     * which lets routing deduplicate destinations by identity.
     */
    final HashMap<Target, Destination> byDestination = new HashMap<>();

    Target canonical(Binding b, Topology owner) {
      Destination d = byDestination.get(Target.of(b));
      if (d == null) {
        Target t = Target.of(b);
        owner.assignSerial(t);
        d = new Destination(t);
        byDestination.put(t, d);
      }
      return d.target;
    }
  }

  private static final class Destination {
    final Target target;
    final LinkedHashSet<Binding> bindings = new LinkedHashSet<>();

    Destination(Target target) {
      this.target = target;
    }
  }

  private static final class Exchange {
    ExchangeDefinition definition;
    final LinkedHashSet<Binding> bindings = new LinkedHashSet<>();
    Router router;

    Exchange(ExchangeDefinition definition) {
      this.definition = definition;
      this.router = Router.of(definition.type());
    }
  }

  /** A binding's destination; the queue id is precomputed so routing allocates none. */
  static final class Target {
    final DestinationKind kind;
    final String name;
    final QueueId queue;
    /** Small dense number of the canonical instance, for deduplication without hashing. */
    int serial = -1;

    Target(String vhost, DestinationKind kind, String name) {
      this.kind = kind;
      this.name = name;
      this.queue = kind == DestinationKind.QUEUE ? new QueueId(vhost, name) : null;
    }

    static Target of(Binding b) {
      return new Target(b.vhost(), b.destinationKind(), b.destination());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Target t && kind == t.kind && name.equals(t.name);
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + kind.hashCode();
    }
  }

  /** The per-exchange index that finds a message's destinations, maintained incrementally. */
  private abstract static class Router {
    abstract void add(Binding b, Target t);

    abstract void remove(Binding b, Target t);

    /** Appends the serials of the targets a message reaches; a target may repeat. */
    abstract void matchInto(String routingKey, Map<String, Object> headers, IntList out);

    static Router of(ExchangeType type) {
      return switch (type) {
        case DIRECT -> new DirectRouter();
        case FANOUT -> new FanoutRouter();
        case TOPIC -> new TopicRouter();
        case HEADERS -> new HeadersRouter();
      };
    }
  }

  /** Counts per destination: two bindings may differ only in arguments yet reach the same target. */
  private static final class Counted {
    final LinkedHashMap<Target, int[]> counts = new LinkedHashMap<>();

    void add(Target t) {
      counts.computeIfAbsent(t, k -> new int[1])[0]++;
    }

    boolean remove(Target t) {
      int[] c = counts.get(t);
      if (c != null && --c[0] == 0) {
        counts.remove(t);
      }
      return counts.isEmpty();
    }
  }

  private static final class DirectRouter extends Router {
    final HashMap<String, Counted> byKey = new HashMap<>();

    @Override
    void add(Binding b, Target t) {
      byKey.computeIfAbsent(b.routingKey(), k -> new Counted()).add(t);
    }

    @Override
    void remove(Binding b, Target t) {
      Counted c = byKey.get(b.routingKey());
      if (c != null && c.remove(t)) {
        byKey.remove(b.routingKey());
      }
    }

    @Override
    void matchInto(String routingKey, Map<String, Object> headers, IntList out) {
      Counted c = byKey.get(routingKey);
      if (c != null) {
        c.counts.keySet().forEach(t -> out.add(t.serial));
      }
    }
  }

  private static final class FanoutRouter extends Router {
    final Counted all = new Counted();

    @Override
    void add(Binding b, Target t) {
      all.add(t);
    }

    @Override
    void remove(Binding b, Target t) {
      all.remove(t);
    }

    @Override
    void matchInto(String routingKey, Map<String, Object> headers, IntList out) {
      all.counts.keySet().forEach(t -> out.add(t.serial));
    }
  }

  private static final class TopicRouter extends Router {
    // A target keeps its serial while bound, so the trie can hold serials and route by them.
    final TopicMatcher<Target> matcher = new TopicMatcher<>(t -> t.serial);

    @Override
    void add(Binding b, Target t) {
      matcher.add(b.routingKey(), t);
    }

    @Override
    void remove(Binding b, Target t) {
      matcher.remove(b.routingKey(), t);
    }

    @Override
    void matchInto(String routingKey, Map<String, Object> headers, IntList out) {
      matcher.matchIdsInto(routingKey, out);
    }
  }

  private static final class HeadersRouter extends Router {
    record Entry(HeadersMatcher matcher, Target target) {}

    final LinkedHashMap<Binding, Entry> entries = new LinkedHashMap<>();

    @Override
    void add(Binding b, Target t) {
      entries.put(b, new Entry(HeadersMatcher.compile(b.arguments()), t));
    }

    @Override
    void remove(Binding b, Target t) {
      entries.remove(b);
    }

    @Override
    void matchInto(String routingKey, Map<String, Object> headers, IntList out) {
      for (Entry e : entries.values()) {
        if (e.matcher.matches(headers)) {
          out.add(e.target.serial);
        }
      }
    }
  }

  private void assignSerial(Target t) {
    Integer free = freeSerials.poll();
    t.serial = free != null ? free : nextSerial++;
    if (t.serial >= targetBySerial.length) {
      targetBySerial = java.util.Arrays.copyOf(targetBySerial, Math.max(16, t.serial * 2));
      queueBySerial = java.util.Arrays.copyOf(queueBySerial, targetBySerial.length);
    }
    targetBySerial[t.serial] = t;
    queueBySerial[t.serial] = t.queue;
  }

  private void freeSerial(Target t) {
    if (t.serial >= 0) {
      freeSerials.push(t.serial);
      targetBySerial[t.serial] = null;
      queueBySerial[t.serial] = null;
      t.serial = -1;
    }
  }

  /** Per-thread marks for deduplicating destinations by serial in {@link #route}. */
  private static final class RouteScratch {
    int[] stamp = new int[256];
    int generation;
    /**
     * Serials a lookup collects before deduplication, reused so a lookup neither allocates nor
     * grows a list; route never re-enters itself on one thread, and clears it when it starts.
     */
    final IntList serials = new IntList();
    /** The distinct queue serials reached so far, so the result array is allocated once at its size. */
    final IntList queueSerials = new IntList();
  }

  private static final ThreadLocal<RouteScratch> ROUTE_SCRATCH = ThreadLocal.withInitial(RouteScratch::new);

  // ---------------------------------------------------------------- lookups

  /** How many events this topology has applied (restored with a snapshot). */
  public long version() {
    return version;
  }

  /** The users and their permissions; read-only for callers (change them through events). */
  public UserDirectory users() {
    return users;
  }

  public Policies policies() {
    return policies;
  }

  /** The policy that applies to a queue, or null. */
  public Policy policyFor(QueueId queue) {
    return policies.forQueue(queue);
  }

  /**
   * The settings a queue runs with: its arguments combined with its policy's definition
   * ({@link EffectiveArguments}).
   */
  public QueueSettings effectiveSettings(QueueDefinition queue) {
    Policy p = policies.forQueue(queue.id());
    return QueueSettings.fromArguments(EffectiveArguments.combine(queue.arguments(), p == null ? null : p.definition()));
  }

  public boolean hasVhost(String vhost) {
    return vhosts.containsKey(vhost);
  }

  public List<String> vhosts() {
    return List.copyOf(vhosts.keySet());
  }

  public Optional<ExchangeDefinition> exchange(ExchangeId id) {
    Exchange x = exchangeState(id.vhost(), id.name());
    return x == null ? Optional.empty() : Optional.of(x.definition);
  }

  public Optional<QueueDefinition> queue(QueueId id) {
    Vhost v = vhosts.get(id.vhost());
    return v == null ? Optional.empty() : Optional.ofNullable(v.queues.get(id.name()));
  }

  /** The exchanges of a vhost in declaration order (empty for an unknown vhost). */
  public List<ExchangeDefinition> exchanges(String vhost) {
    Vhost v = vhosts.get(vhost);
    List<ExchangeDefinition> out = new ArrayList<>();
    if (v != null) {
      v.exchanges.values().forEach(x -> out.add(x.definition));
    }
    return List.copyOf(out);
  }

  public List<ExchangeDefinition> exchanges() {
    List<ExchangeDefinition> out = new ArrayList<>();
    vhosts.keySet().forEach(v -> out.addAll(exchanges(v)));
    return List.copyOf(out);
  }

  /** The queues of a vhost in declaration order (empty for an unknown vhost). */
  public List<QueueDefinition> queues(String vhost) {
    Vhost v = vhosts.get(vhost);
    return v == null ? List.of() : List.copyOf(v.queues.values());
  }

  public List<QueueDefinition> queues() {
    List<QueueDefinition> out = new ArrayList<>();
    vhosts.values().forEach(v -> out.addAll(v.queues.values()));
    return List.copyOf(out);
  }

  /** The bindings of a vhost, grouped by source exchange, each group in binding order. */
  public List<Binding> bindings(String vhost) {
    Vhost v = vhosts.get(vhost);
    List<Binding> out = new ArrayList<>();
    if (v != null) {
      v.exchanges.values().forEach(x -> out.addAll(x.bindings));
    }
    return List.copyOf(out);
  }

  public List<Binding> bindings() {
    List<Binding> out = new ArrayList<>();
    vhosts.keySet().forEach(v -> out.addAll(bindings(v)));
    return List.copyOf(out);
  }

  /** The bindings whose source is this exchange, in binding order. */
  public List<Binding> bindingsFrom(ExchangeId source) {
    Exchange x = exchangeState(source.vhost(), source.name());
    return x == null ? List.of() : List.copyOf(x.bindings);
  }

  /** The bindings to this queue. */
  public List<Binding> bindingsTo(QueueId queue) {
    return bindingsTo(queue.vhost(), DestinationKind.QUEUE, queue.name());
  }

  /** The bindings whose destination is this exchange. */
  public List<Binding> bindingsTo(ExchangeId exchange) {
    return bindingsTo(exchange.vhost(), DestinationKind.EXCHANGE, exchange.name());
  }

  private List<Binding> bindingsTo(String vhost, DestinationKind kind, String name) {
    Vhost v = vhosts.get(vhost);
    if (v == null) {
      return List.of();
    }
    Destination d = v.byDestination.get(new Target(vhost, kind, name));
    return d == null ? List.of() : List.copyOf(d.bindings);
  }

  private Exchange exchangeState(String vhost, String name) {
    Vhost v = vhosts.get(vhost);
    return v == null ? null : v.exchanges.get(name);
  }

  private Vhost requireVhost(String vhost) {
    Vhost v = vhosts.get(vhost);
    if (v == null) {
      throw BrokerException.notFound("vhost", "no vhost '" + vhost + "'");
    }
    return v;
  }

  // ---------------------------------------------------------------- decide

  /** Adding an existing vhost changes nothing. */
  public List<TopologyEvent> addVhost(String vhost) {
    Names.vhost("vhost", vhost);
    return vhosts.containsKey(vhost) ? List.of() : List.of(new VhostAdded(vhost));
  }

  /** Deletes a vhost and, when the event is applied, everything in it. */
  public List<TopologyEvent> deleteVhost(String vhost) {
    requireVhost(vhost);
    return List.of(new VhostDeleted(vhost));
  }

  /** Adds a user or replaces its password and tags. */
  public List<TopologyEvent> putUser(User user) {
    return List.of(new UserPut(user));
  }

  public List<TopologyEvent> deleteUser(String name) {
    users.requireUser(name);
    return List.of(new UserDeleted(name));
  }

  /** Sets a user's permissions on a vhost; both must exist. Setting the same ones again changes nothing. */
  public List<TopologyEvent> setPermission(Permission permission) {
    users.requireUser(permission.user());
    requireVhost(permission.vhost());
    var existing = users.access(permission.user(), permission.vhost());
    return existing != null && existing.permission().equals(permission) ? List.of() : List.of(new PermissionSet(permission));
  }

  /**
   * Replaces a user's password hash, provided it is still {@code expected}: a fast hash imported from
   * RabbitMQ becomes a PBKDF2 one after a login proved the password. A user deleted or given another
   * password meanwhile is left alone.
   */
  public List<TopologyEvent> upgradePassword(String name, PasswordHash expected, PasswordHash replacement) {
    return users.user(name).filter(u -> u.password().equals(expected))
        .<List<TopologyEvent>>map(u -> List.of(new UserPut(new User(u.name(), replacement, u.tags()))))
        .orElse(List.of());
  }

  /** Adds or replaces a policy in an existing vhost; setting the same one again changes nothing. */
  public List<TopologyEvent> setPolicy(Policy policy) {
    requireVhost(policy.vhost());
    return policies.get(policy.vhost(), policy.name()).filter(policy::equals).isPresent()
        ? List.of() : List.of(new PolicySet(policy));
  }

  public List<TopologyEvent> clearPolicy(String vhost, String name) {
    requireVhost(vhost);
    policies.require(vhost, name);
    return List.of(new PolicyCleared(vhost, name));
  }

  public List<TopologyEvent> clearPermission(String user, String vhost) {
    users.requireUser(user);
    if (users.access(user, vhost) == null) {
      throw BrokerException.notFound("permission", "user '" + user + "' has no permissions on vhost '" + vhost + "'");
    }
    return List.of(new PermissionCleared(user, vhost));
  }

  /** Declares an exchange; an equivalent redeclaration returns no events. */
  public List<TopologyEvent> declareExchange(ExchangeDefinition exchange) {
    ExchangeId id = exchange.id();
    if (id.isDefault()) {
      throw BrokerException.refused("name", "the default exchange cannot be declared");
    }
    Names.clientDeclarable("name", id.name());
    Vhost v = requireVhost(id.vhost());
    Exchange existing = v.exchanges.get(id.name());
    if (existing != null) {
      existing.definition.requireEquivalent(exchange);
      return List.of();
    }
    return List.of(new ExchangeDeclared(exchange));
  }

  /**
   * Deletes an exchange, its bindings, and any auto-delete exchange that thereby loses its last
   * binding.
   *
   * @param ifUnused refuse (PRECONDITION_FAILED) if the exchange is the source of any binding
   */
  public List<TopologyEvent> deleteExchange(ExchangeId id, boolean ifUnused) {
    if (id.isDefault()) {
      throw BrokerException.refused("exchange", "the default exchange cannot be deleted");
    }
    Names.clientDeclarable("exchange", id.name());
    Vhost v = requireVhost(id.vhost());
    Exchange x = v.exchanges.get(id.name());
    if (x == null) {
      throw BrokerException.notFound("exchange", "no " + id);
    }
    if (ifUnused && !x.bindings.isEmpty()) {
      throw BrokerException.precondition("ifUnused", id + " is in use: it is the source of "
          + x.bindings.size() + " binding(s)");
    }
    List<TopologyEvent> events = new ArrayList<>();
    events.add(new ExchangeDeleted(id));
    Set<String> deleted = new HashSet<>(Set.of(id.name()));
    autoDeleteCascade(v, id.vhost(), deleted, Set.of(), Set.of(), events);
    return List.copyOf(events);
  }

  /** Declares a queue; an equivalent redeclaration returns no events. */
  public List<TopologyEvent> declareQueue(QueueDefinition queue) {
    QueueId id = queue.id();
    Names.clientDeclarable("name", id.name());
    Vhost v = requireVhost(id.vhost());
    QueueDefinition existing = v.queues.get(id.name());
    if (existing != null) {
      existing.requireEquivalent(queue);
      return List.of();
    }
    return List.of(new QueueDeclared(queue));
  }

  /** Deletes a queue, its bindings, and any auto-delete exchange that thereby loses its last binding. */
  public List<TopologyEvent> deleteQueue(QueueId id) {
    Vhost v = requireVhost(id.vhost());
    if (!v.queues.containsKey(id.name())) {
      throw BrokerException.notFound("queue", "no " + id);
    }
    List<TopologyEvent> events = new ArrayList<>();
    events.add(new QueueDeleted(id));
    autoDeleteCascade(v, id.vhost(), new HashSet<>(), Set.of(id.name()), Set.of(), events);
    return List.copyOf(events);
  }

  /** Adds a binding; an identical existing binding returns no events. */
  public List<TopologyEvent> bind(Binding binding) {
    Vhost v = requireVhost(binding.vhost());
    if (binding.source().isEmpty()) {
      throw BrokerException.refused("source", "the default exchange cannot be bound: it routes to the queue named by the routing key");
    }
    if (binding.destinationKind() == DestinationKind.EXCHANGE && binding.destination().isEmpty()) {
      throw BrokerException.refused("destination", "the default exchange cannot be bound");
    }
    Exchange source = v.exchanges.get(binding.source());
    if (source == null) {
      throw BrokerException.notFound("source", "no " + binding.sourceId());
    }
    requireDestination(v, binding);
    Names.routingKey("routingKey", binding.routingKey());
    if (source.definition.type() == ExchangeType.HEADERS) {
      HeadersMatcher.mode(binding.arguments());
    }
    return source.bindings.contains(binding) ? List.of() : List.of(new BindingAdded(binding));
  }

  /** Removes a binding, and its source if that is an auto-delete exchange left without bindings. */
  public List<TopologyEvent> unbind(Binding binding) {
    Vhost v = requireVhost(binding.vhost());
    Exchange source = v.exchanges.get(binding.source());
    if (source == null) {
      throw BrokerException.notFound("source", "no " + binding.sourceId());
    }
    requireDestination(v, binding);
    if (!source.bindings.contains(binding)) {
      throw BrokerException.notFound("binding", "no binding from " + binding.sourceId() + " to "
          + describeDestination(binding) + " with routing key '" + binding.routingKey() + "' and these arguments");
    }
    List<TopologyEvent> events = new ArrayList<>();
    events.add(new BindingRemoved(binding));
    autoDeleteCascade(v, binding.vhost(), new HashSet<>(), Set.of(), Set.of(binding), events);
    return List.copyOf(events);
  }

  private static void requireDestination(Vhost v, Binding binding) {
    boolean exists = binding.destinationKind() == DestinationKind.QUEUE
        ? v.queues.containsKey(binding.destination())
        : v.exchanges.containsKey(binding.destination());
    if (!exists) {
      throw BrokerException.notFound("destination", "no " + describeDestination(binding));
    }
  }

  private static String describeDestination(Binding b) {
    return b.destinationKind() == DestinationKind.QUEUE ? b.destinationQueue().toString() : b.destinationExchange().toString();
  }

  /**
   * Adds ExchangeDeleted for every auto-delete exchange whose bindings as source all go away with
   * the given deletions, repeating because each such deletion removes more bindings.
   */
  private static void autoDeleteCascade(Vhost v, String vhost, Set<String> deletedExchanges, Set<String> deletedQueues,
      Set<Binding> removedBindings, List<TopologyEvent> events) {
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Map.Entry<String, Exchange> e : v.exchanges.entrySet()) {
        Exchange x = e.getValue();
        if (!x.definition.autoDelete() || x.bindings.isEmpty() || deletedExchanges.contains(e.getKey())) {
          continue;
        }
        boolean allGone = true;
        for (Binding b : x.bindings) {
          boolean gone = removedBindings.contains(b)
              || (b.destinationKind() == DestinationKind.QUEUE ? deletedQueues.contains(b.destination())
                  : deletedExchanges.contains(b.destination()));
          if (!gone) {
            allGone = false;
            break;
          }
        }
        if (allGone) {
          deletedExchanges.add(e.getKey());
          events.add(new ExchangeDeleted(new ExchangeId(vhost, e.getKey())));
          changed = true;
        }
      }
    }
  }

  // ---------------------------------------------------------------- apply

  /**
   * Makes an event part of the state and counts it in {@link #version()}. Deterministic and total:
   * an event whose subject is already gone (or already there) changes nothing but the version.
   */
  public void apply(TopologyEvent event) {
    // Java 17 has no pattern switch; the sealed interface keeps this list complete.
    if (event instanceof VhostAdded e) {
      applyVhostAdded(e.vhost());
    } else if (event instanceof VhostDeleted e) {
      Vhost gone = vhosts.remove(e.vhost());
      if (gone != null) {
        gone.byDestination.values().forEach(d -> freeSerial(d.target));
      }
      queueIncarnations.keySet().removeIf(q -> q.vhost().equals(e.vhost()));
      users.vhostDeleted(e.vhost());
      policies.vhostDeleted(e.vhost());
    } else if (event instanceof ExchangeDeclared e) {
      applyExchangeDeclared(e.exchange());
    } else if (event instanceof ExchangeDeleted e) {
      applyExchangeDeleted(e.exchange());
    } else if (event instanceof QueueDeclared e) {
      applyQueueDeclared(e.queue(), version + 1);
    } else if (event instanceof QueueDeleted e) {
      applyQueueDeleted(e.queue());
    } else if (event instanceof BindingAdded e) {
      applyBindingAdded(e.binding());
    } else if (event instanceof BindingRemoved e) {
      applyBindingRemoved(e.binding());
    } else if (event instanceof UserPut e) {
      users.putUser(e.user());
    } else if (event instanceof UserDeleted e) {
      users.deleteUser(e.name());
    } else if (event instanceof PermissionSet e) {
      if (vhosts.containsKey(e.permission().vhost())) {
        users.setPermission(e.permission());
      }
    } else if (event instanceof PermissionCleared e) {
      users.clearPermission(e.user(), e.vhost());
    } else if (event instanceof PolicySet e) {
      if (vhosts.containsKey(e.policy().vhost())) {
        policies.put(e.policy());
      }
    } else if (event instanceof PolicyCleared e) {
      policies.remove(e.vhost(), e.name());
    } else {
      throw new IllegalArgumentException("unknown topology event " + event);
    }
    version++;
  }

  /** Applies events in order. */
  public void applyAll(List<? extends TopologyEvent> events) {
    events.forEach(this::apply);
  }

  private void applyVhostAdded(String vhost) {
    if (vhosts.containsKey(vhost)) {
      return;
    }
    Vhost v = new Vhost();
    vhosts.put(vhost, v);
    for (Map.Entry<String, ExchangeType> p : PREDECLARED) {
      ExchangeDefinition d = ExchangeDefinition.of(vhost, p.getKey(), p.getValue());
      v.exchanges.put(d.id().name(), new Exchange(d));
    }
  }

  private void applyExchangeDeclared(ExchangeDefinition d) {
    Vhost v = vhosts.get(d.id().vhost());
    if (v == null) {
      return;
    }
    Exchange existing = v.exchanges.get(d.id().name());
    if (existing == null) {
      v.exchanges.put(d.id().name(), new Exchange(d));
      return;
    }
    ExchangeType oldType = existing.definition.type();
    existing.definition = d;
    if (oldType != d.type()) {
      existing.router = Router.of(d.type());
      for (Binding b : existing.bindings) {
        existing.router.add(b, v.canonical(b, this));
      }
    }
  }

  private void applyExchangeDeleted(ExchangeId id) {
    Vhost v = vhosts.get(id.vhost());
    if (v == null) {
      return;
    }
    Exchange x = v.exchanges.remove(id.name());
    if (x == null) {
      return;
    }
    for (Binding b : x.bindings) {
      removeFromDestinationIndex(v, b);
    }
    removeBindingsTo(v, new Target(id.vhost(), DestinationKind.EXCHANGE, id.name()));
  }

  private void applyQueueDeclared(QueueDefinition q, long incarnation) {
    Vhost v = vhosts.get(q.id().vhost());
    if (v != null) {
      if (v.queues.put(q.id().name(), q) == null) {
        queueIncarnations.put(q.id(), incarnation);
      }
    }
  }

  private void applyQueueDeleted(QueueId id) {
    Vhost v = vhosts.get(id.vhost());
    if (v != null && v.queues.remove(id.name()) != null) {
      queueIncarnations.remove(id);
      removeBindingsTo(v, new Target(id.vhost(), DestinationKind.QUEUE, id.name()));
    }
  }

  /** The incarnation of a declared queue (see {@link #queueIncarnations}); 0 when there is no such queue. */
  public long queueIncarnation(QueueId id) {
    return queueIncarnations.getOrDefault(id, 0L);
  }

  private void applyBindingAdded(Binding b) {
    Vhost v = vhosts.get(b.vhost());
    if (v == null) {
      return;
    }
    Exchange source = v.exchanges.get(b.source());
    boolean destinationExists = b.destinationKind() == DestinationKind.QUEUE
        ? v.queues.containsKey(b.destination()) : v.exchanges.containsKey(b.destination());
    if (source == null || !destinationExists || !source.bindings.add(b)) {
      return;
    }
    Target t = v.canonical(b, this);
    source.router.add(b, t);
    v.byDestination.get(t).bindings.add(b);
  }

  private void applyBindingRemoved(Binding b) {
    Vhost v = vhosts.get(b.vhost());
    if (v == null) {
      return;
    }
    Exchange source = v.exchanges.get(b.source());
    if (source == null || !source.bindings.remove(b)) {
      return;
    }
    source.router.remove(b, Target.of(b));
    removeFromDestinationIndex(v, b);
  }

  private void removeFromDestinationIndex(Vhost v, Binding b) {
    Target t = Target.of(b);
    Destination d = v.byDestination.get(t);
    if (d != null) {
      d.bindings.remove(b);
      if (d.bindings.isEmpty()) {
        v.byDestination.remove(t);
        freeSerial(d.target);
      }
    }
  }

  private void removeBindingsTo(Vhost v, Target t) {
    Destination d = v.byDestination.remove(t);
    if (d == null) {
      return;
    }
    for (Binding b : d.bindings) {
      Exchange source = v.exchanges.get(b.source());
      if (source != null && source.bindings.remove(b)) {
        source.router.remove(b, t);
      }
    }
    // Only now: routers read the serial while they still hold the target.
    freeSerial(d.target);
  }

  // ---------------------------------------------------------------- route

  /**
   * The queues a message published to {@code exchange} reaches: through the exchange's bindings,
   * exchange-to-exchange bindings (each exchange visited at most once, so cycles end) and alternate
   * exchanges of exchanges that route it nowhere. Each queue appears once.
   *
   * @param headers the message's headers (normalized), for headers exchanges; may be null
   * @throws BrokerException NOT_FOUND (field "exchange") for a missing vhost or exchange;
   *     ACCESS_REFUSED for an internal exchange
   */
  public RouteResult route(String vhost, String exchange, String routingKey, Map<String, Object> headers) {
    Vhost v = vhosts.get(vhost);
    if (v == null) {
      throw BrokerException.notFound("exchange", "no " + new ExchangeId(vhost, exchange) + ": the vhost does not exist");
    }
    Exchange first = v.exchanges.get(exchange);
    if (first == null) {
      throw BrokerException.notFound("exchange", "no " + new ExchangeId(vhost, exchange));
    }
    if (first.definition.internal()) {
      throw BrokerException.refused("exchange", "cannot publish to internal " + first.definition.id());
    }
    if (exchange.isEmpty()) {
      QueueDefinition q = v.queues.get(routingKey);
      return q == null ? RouteResult.UNROUTED : new RouteResult(Set.of(q.id()));
    }
    Map<String, Object> h = headers == null ? Map.of() : headers;
    // Targets may repeat (several patterns, one destination). Routers report each by the dense
    // serial of its canonical Target, so a per-thread mark array deduplicates them without
    // hashing or allocating, and the result is one array of exactly the queues reached.
    RouteScratch reached = ROUTE_SCRATCH.get();
    IntList targets = reached.serials;
    targets.clear();
    if (reached.stamp.length < nextSerial) {
      reached.stamp = new int[Math.max(nextSerial, reached.stamp.length * 2)];
      reached.generation = 0;
    }
    if (++reached.generation == 0) {
      java.util.Arrays.fill(reached.stamp, 0);
      reached.generation = 1;
    }
    int generation = reached.generation;
    int[] stamp = reached.stamp;
    IntList queues = reached.queueSerials;
    queues.clear();
    ArrayDeque<Exchange> work = null;
    Set<String> seen = null;
    Exchange x = first;
    while (x != null) {
      int from = targets.size;
      x.router.matchInto(routingKey, h, targets);
      int to = targets.size;
      String alternate;
      if (from == to && (alternate = x.definition.alternateExchange()) != null) {
        Exchange ae = v.exchanges.get(alternate);
        if (ae != null) {
          if (seen == null) {
            seen = new HashSet<>();
            seen.add(exchange);
          }
          if (seen.add(alternate)) {
            (work == null ? work = new ArrayDeque<>() : work).add(ae);
          }
        }
      }
      int[] serials = targets.items;
      for (int i = from; i < to; i++) {
        int serial = serials[i];
        if (stamp[serial] == generation) {
          continue;
        }
        stamp[serial] = generation;
        if (queueBySerial[serial] != null) {
          queues.add(serial);
        } else {
          Target t = targetBySerial[serial];
          if (seen == null) {
            seen = new HashSet<>();
            seen.add(exchange);
          }
          Exchange next = v.exchanges.get(t.name);
          if (next != null && seen.add(t.name)) {
            (work == null ? work = new ArrayDeque<>() : work).add(next);
          }
        }
      }
      x = work == null ? null : work.poll();
    }
    if (queues.size == 0) {
      return RouteResult.UNROUTED;
    }
    QueueId[] result = new QueueId[queues.size];
    for (int i = 0; i < result.length; i++) {
      result[i] = queueBySerial[queues.items[i]];
    }
    return RouteResult.adoptDistinct(result);
  }

  // ---------------------------------------------------------------- snapshots

  /** The whole state at this version. */
  public TopologySnapshot snapshot() {
    List<QueueDefinition> queues = queues();
    List<Long> incarnations = new java.util.ArrayList<>(queues.size());
    queues.forEach(q -> incarnations.add(queueIncarnation(q.id())));
    return new TopologySnapshot(version, vhosts(), exchanges(), queues, incarnations, bindings(), users.users(),
        users.permissions(), policies.all());
  }

  /** A topology equal to the one that took the snapshot: same contents, version and routing. */
  public static Topology fromSnapshot(TopologySnapshot snapshot) {
    Topology t = new Topology();
    for (String vhost : snapshot.vhosts()) {
      t.vhosts.put(vhost, new Vhost());
    }
    for (ExchangeDefinition d : snapshot.exchanges()) {
      t.applyExchangeDeclared(d);
    }
    for (int i = 0; i < snapshot.queues().size(); i++) {
      t.applyQueueDeclared(snapshot.queues().get(i), snapshot.queueIncarnations().get(i));
    }
    for (Binding b : snapshot.bindings()) {
      t.applyBindingAdded(b);
    }
    t.users = UserDirectory.of(snapshot.users(), snapshot.permissions());
    t.policies = Policies.of(snapshot.policies());
    t.version = snapshot.version();
    return t;
  }

  /** An independent copy, for nodes that route from one copy while applying events to another. */
  public Topology copy() {
    Topology t = fromSnapshot(snapshot());
    t.users = users.copy();
    t.policies = policies.copy();
    return t;
  }
}
