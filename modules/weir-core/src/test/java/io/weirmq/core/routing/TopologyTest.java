package io.weirmq.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.BrokerException.Kind;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.TopologyEvent.BindingRemoved;
import io.weirmq.core.routing.TopologyEvent.ExchangeDeleted;
import io.weirmq.core.routing.TopologyEvent.QueueDeleted;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TopologyTest {

  static final String V = "/";
  Topology t;

  @BeforeEach
  void freshVhost() {
    t = new Topology();
    t.applyAll(t.addVhost(V));
  }

  void exchange(String name, ExchangeType type) {
    t.applyAll(t.declareExchange(ExchangeDefinition.of(V, name, type)));
  }

  void exchange(String name, ExchangeType type, boolean autoDelete, boolean internal, Map<String, Object> args) {
    t.applyAll(t.declareExchange(new ExchangeDefinition(new ExchangeId(V, name), type, true, autoDelete, internal, args)));
  }

  void queue(String... names) {
    for (String n : names) {
      t.applyAll(t.declareQueue(QueueDefinition.of(V, n)));
    }
  }

  void bindQ(String source, String queue, String key) {
    t.applyAll(t.bind(Binding.toQueue(V, source, queue, key)));
  }

  void bindQ(String source, String queue, Map<String, Object> args) {
    t.applyAll(t.bind(new Binding(V, source, DestinationKind.QUEUE, queue, "", args)));
  }

  void bindX(String source, String destination, String key) {
    t.applyAll(t.bind(Binding.toExchange(V, source, destination, key)));
  }

  List<String> route(String exchange, String key) {
    return route(exchange, key, Map.of());
  }

  List<String> route(String exchange, String key, Map<String, Object> headers) {
    return t.route(V, exchange, key, headers).queues().stream().map(QueueId::name).toList();
  }

  static void fails(ThrowingCallable call, Kind kind, String field) {
    assertThatThrownBy(call).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.kind()).isEqualTo(kind);
      assertThat(e.field()).isEqualTo(field);
    });
  }

  static Map<String, Object> args(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  // ---------------------------------------------------------------- vhosts and predeclared exchanges

  @Test
  void addingAVhostCreatesThePredeclaredExchanges() {
    assertThat(t.exchanges(V)).extracting(x -> x.id().name() + ":" + x.type().wireName())
        .containsExactly(":direct", "amq.direct:direct", "amq.fanout:fanout", "amq.topic:topic",
            "amq.headers:headers", "amq.match:headers");
    assertThat(t.exchanges(V)).allMatch(ExchangeDefinition::durable);
    assertThat(t.addVhost(V)).isEmpty();
    assertThat(t.version()).isEqualTo(1);
  }

  @Test
  void deletingAVhostRemovesEverythingInIt() {
    queue("q");
    bindQ("amq.direct", "q", "k");
    t.applyAll(t.deleteVhost(V));
    assertThat(t.vhosts()).isEmpty();
    assertThat(t.exchanges()).isEmpty();
    assertThat(t.queues()).isEmpty();
    assertThat(t.bindings()).isEmpty();
    fails(() -> t.deleteVhost(V), Kind.NOT_FOUND, "vhost");
    fails(() -> t.route(V, "amq.direct", "k", null), Kind.NOT_FOUND, "exchange");
  }

  @Test
  void declaringInAMissingVhostNamesTheVhost() {
    fails(() -> t.declareExchange(ExchangeDefinition.of("nope", "x", ExchangeType.DIRECT)), Kind.NOT_FOUND, "vhost");
    fails(() -> t.declareQueue(QueueDefinition.of("nope", "q")), Kind.NOT_FOUND, "vhost");
  }

  // ---------------------------------------------------------------- exchange types

  @Test
  void defaultExchangeRoutesToTheQueueNamedByTheRoutingKey() {
    queue("orders");
    assertThat(route("", "orders")).containsExactly("orders");
    assertThat(t.route(V, "", "missing", null).routed()).isFalse();
  }

  @Test
  void directExchangeRoutesByExactKey() {
    exchange("d", ExchangeType.DIRECT);
    queue("q1", "q2");
    bindQ("d", "q1", "a");
    bindQ("d", "q2", "a");
    bindQ("d", "q2", "b");
    assertThat(route("d", "a")).containsExactly("q1", "q2");
    assertThat(route("d", "b")).containsExactly("q2");
    assertThat(route("d", "c")).isEmpty();
  }

  @Test
  void fanoutExchangeIgnoresTheRoutingKey() {
    exchange("f", ExchangeType.FANOUT);
    queue("q1", "q2");
    bindQ("f", "q1", "x");
    bindQ("f", "q2", "");
    assertThat(route("f", "anything")).containsExactly("q1", "q2");
  }

  @Test
  void topicExchangeMatchesWildcards() {
    queue("all", "eu", "created");
    bindQ("amq.topic", "all", "#");
    bindQ("amq.topic", "eu", "eu.*.orders.#");
    bindQ("amq.topic", "created", "*.*.*.created");
    assertThat(route("amq.topic", "eu.paris.orders.created")).containsExactlyInAnyOrder("all", "eu", "created");
    assertThat(route("amq.topic", "us.nyc.orders.created")).containsExactlyInAnyOrder("all", "created");
    assertThat(route("amq.topic", "")).containsExactly("all");
  }

  @Test
  void aDeletedDestinationsNumberGoesToTheNextOneAndRoutesOnlyThere() {
    // Routers report destinations by a reused serial; a stale one would misroute.
    exchange("t", ExchangeType.TOPIC);
    exchange("x", ExchangeType.FANOUT);
    queue("old", "behind");
    t.applyAll(t.bind(Binding.toQueue(V, "t", "old", "a.*").withArguments(Map.of("n", 1))));
    t.applyAll(t.bind(Binding.toQueue(V, "t", "old", "a.*").withArguments(Map.of("n", 2))));
    bindX("t", "x", "a.#");
    bindQ("x", "behind", "");
    assertThat(route("t", "a.b")).containsExactly("old", "behind");
    t.applyAll(t.deleteExchange(new ExchangeId(V, "x"), false));
    t.applyAll(t.deleteQueue(new QueueId(V, "old")));
    queue("new");
    bindQ("t", "new", "#.b");
    bindQ("amq.fanout", "behind", "");
    assertThat(route("t", "a.b")).containsExactly("new");
    assertThat(route("t", "a.c")).isEmpty();
    assertThat(route("amq.fanout", "z")).containsExactly("behind");
  }

  @Test
  void headersExchangeMatchesAllByDefaultAndAnyOnRequest() {
    queue("all", "any");
    bindQ("amq.headers", "all", args("format", "pdf", "type", "report"));
    bindQ("amq.headers", "any", args("x-match", "any", "format", "pdf", "type", "report"));
    assertThat(route("amq.headers", "", args("format", "pdf", "type", "report"))).containsExactly("all", "any");
    assertThat(route("amq.headers", "", args("format", "pdf"))).containsExactly("any");
    assertThat(route("amq.headers", "", args("format", "zip"))).isEmpty();
  }

  @Test
  void headersExchangeComparesNumbersByValue() {
    queue("q");
    bindQ("amq.match", "q", args("n", 1));
    assertThat(route("amq.match", "", args("n", 1L))).containsExactly("q");
    assertThat(route("amq.match", "", args("n", 2L))).isEmpty();
  }

  @Test
  void invalidXMatchIsRefusedAtBindTime() {
    queue("q");
    fails(() -> t.bind(new Binding(V, "amq.headers", DestinationKind.QUEUE, "q", "", args("x-match", "some"))),
        Kind.INVALID_ARGUMENT, "arguments.x-match");
    // Other exchange types do not read x-match, as in RabbitMQ.
    assertThat(t.bind(new Binding(V, "amq.direct", DestinationKind.QUEUE, "q", "", args("x-match", "some")))).hasSize(1);
  }

  // ---------------------------------------------------------------- exchange-to-exchange and alternates

  @Test
  void exchangeToExchangeBindingsChain() {
    exchange("front", ExchangeType.FANOUT);
    exchange("back", ExchangeType.DIRECT);
    queue("q");
    bindX("front", "back", "");
    bindQ("back", "q", "k");
    assertThat(route("front", "k")).containsExactly("q");
    assertThat(route("front", "other")).isEmpty();
  }

  @Test
  void exchangeCyclesTerminateAndReachEachQueueOnce() {
    exchange("a", ExchangeType.FANOUT);
    exchange("b", ExchangeType.FANOUT);
    exchange("c", ExchangeType.FANOUT);
    queue("q", "r");
    bindX("a", "b", "");
    bindX("b", "c", "");
    bindX("c", "a", "");
    bindX("a", "a", "");
    bindQ("a", "q", "");
    bindQ("c", "q", "");
    bindQ("b", "r", "");
    assertThat(route("a", "")).containsExactly("q", "r");
    assertThat(route("c", "")).containsExactly("q", "r");
  }

  @Test
  void internalExchangeIsRefusedForDirectPublishButReachableThroughBindings() {
    exchange("inner", ExchangeType.FANOUT, false, true, Map.of());
    exchange("outer", ExchangeType.FANOUT);
    queue("q");
    bindQ("inner", "q", "");
    bindX("outer", "inner", "");
    fails(() -> t.route(V, "inner", "", null), Kind.ACCESS_REFUSED, "exchange");
    assertThat(route("outer", "")).containsExactly("q");
  }

  @Test
  void alternateExchangeGetsWhatTheExchangeRoutesNowhere() {
    exchange("ae", ExchangeType.FANOUT);
    exchange("main", ExchangeType.DIRECT, false, false, args("alternate-exchange", "ae"));
    queue("q", "unrouted");
    bindQ("main", "q", "k");
    bindQ("ae", "unrouted", "");
    assertThat(route("main", "k")).containsExactly("q");
    assertThat(route("main", "other")).containsExactly("unrouted");
  }

  @Test
  void alternateExchangesChainAndLoopsTerminate() {
    exchange("ae2", ExchangeType.FANOUT);
    exchange("ae1", ExchangeType.DIRECT, false, false, args("alternate-exchange", "ae2"));
    exchange("main", ExchangeType.DIRECT, false, false, args("alternate-exchange", "ae1"));
    queue("last");
    bindQ("ae2", "last", "");
    assertThat(route("main", "x")).containsExactly("last");

    exchange("p", ExchangeType.DIRECT, false, false, args("alternate-exchange", "r"));
    exchange("r", ExchangeType.DIRECT, false, false, args("alternate-exchange", "p"));
    assertThat(route("p", "x")).isEmpty();
    exchange("s", ExchangeType.DIRECT, false, false, args("alternate-exchange", "s"));
    assertThat(route("s", "x")).isEmpty();
  }

  @Test
  void missingAlternateExchangeIsIgnored() {
    exchange("main", ExchangeType.DIRECT, false, false, args("alternate-exchange", "not-there"));
    assertThat(t.route(V, "main", "k", null).routed()).isFalse();
  }

  @Test
  void alternateExchangeMustBeAString() {
    assertThatThrownBy(() -> new ExchangeDefinition(new ExchangeId(V, "x"), ExchangeType.DIRECT, true, false, false,
        args("alternate-exchange", 5))).isInstanceOfSatisfying(BrokerException.class,
            e -> assertThat(e.field()).isEqualTo("arguments.alternate-exchange"));
  }

  @Test
  void publishingToAMissingExchangeIsNotFound() {
    fails(() -> t.route(V, "nope", "", null), Kind.NOT_FOUND, "exchange");
  }

  // ---------------------------------------------------------------- redeclare and reserved names

  @Test
  void equivalentExchangeRedeclareIsANoOp() {
    exchange("x", ExchangeType.TOPIC, false, false, args("alternate-exchange", "ae"));
    assertThat(t.declareExchange(new ExchangeDefinition(new ExchangeId(V, "x"), ExchangeType.TOPIC, true, false,
        false, args("alternate-exchange", "ae")))).isEmpty();
  }

  @Test
  void exchangeRedeclareWithDifferentPropertiesNamesTheField() {
    exchange("x", ExchangeType.TOPIC);
    ExchangeId id = new ExchangeId(V, "x");
    fails(() -> t.declareExchange(ExchangeDefinition.of(V, "x", ExchangeType.DIRECT)), Kind.PRECONDITION_FAILED, "type");
    fails(() -> t.declareExchange(new ExchangeDefinition(id, ExchangeType.TOPIC, false, false, false, Map.of())),
        Kind.PRECONDITION_FAILED, "durable");
    fails(() -> t.declareExchange(new ExchangeDefinition(id, ExchangeType.TOPIC, true, true, false, Map.of())),
        Kind.PRECONDITION_FAILED, "auto_delete");
    fails(() -> t.declareExchange(new ExchangeDefinition(id, ExchangeType.TOPIC, true, false, true, Map.of())),
        Kind.PRECONDITION_FAILED, "internal");
    fails(() -> t.declareExchange(new ExchangeDefinition(id, ExchangeType.TOPIC, true, false, false, args("alternate-exchange", "y"))),
        Kind.PRECONDITION_FAILED, "arguments.alternate-exchange");
    assertThatThrownBy(() -> t.declareExchange(new ExchangeDefinition(id, ExchangeType.TOPIC, false, false, false, Map.of())))
        .hasMessageContaining("exchange 'x' in vhost '/' exists with durable=true; redeclared with durable=false");
  }

  @Test
  void queueRedeclareWithDifferentPropertiesNamesTheField() {
    queue("q");
    QueueId id = new QueueId(V, "q");
    assertThat(t.declareQueue(QueueDefinition.of(V, "q"))).isEmpty();
    fails(() -> t.declareQueue(new QueueDefinition(id, false, false, false, Map.of(), null)), Kind.PRECONDITION_FAILED, "durable");
    fails(() -> t.declareQueue(new QueueDefinition(id, true, true, false, Map.of(), "c1")), Kind.PRECONDITION_FAILED, "exclusive");
    fails(() -> t.declareQueue(new QueueDefinition(id, true, false, true, Map.of(), null)), Kind.PRECONDITION_FAILED, "auto_delete");
    fails(() -> t.declareQueue(new QueueDefinition(id, true, false, false, args("x-max-length", 10), null)),
        Kind.PRECONDITION_FAILED, "arguments.x-max-length");
  }

  @Test
  void queueArgumentsAreNormalizedSoIntAndLongAreEquivalent() {
    t.applyAll(t.declareQueue(new QueueDefinition(new QueueId(V, "q"), true, false, false, args("x-max-length", 10), null)));
    assertThat(t.declareQueue(new QueueDefinition(new QueueId(V, "q"), true, false, false, args("x-max-length", 10L), null))).isEmpty();
    assertThat(t.queue(new QueueId(V, "q")).orElseThrow().settings().maxLength()).isEqualTo(10L);
  }

  @Test
  void invalidQueueArgumentsAreRefusedAtConstruction() {
    assertThatThrownBy(() -> new QueueDefinition(new QueueId(V, "q"), true, false, false, args("x-max-length", "ten"), null))
        .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.field()).isEqualTo("arguments.x-max-length"));
  }

  @Test
  void exclusiveQueueRedeclaredByAnotherConnectionIsLocked() {
    QueueId id = new QueueId(V, "mine");
    t.applyAll(t.declareQueue(new QueueDefinition(id, false, true, true, Map.of(), "conn-1")));
    assertThat(t.declareQueue(new QueueDefinition(id, false, true, true, Map.of(), "conn-1"))).isEmpty();
    fails(() -> t.declareQueue(new QueueDefinition(id, false, true, true, Map.of(), "conn-2")), Kind.RESOURCE_LOCKED, "exclusive");
  }

  @Test
  void deadLetterExchangeNeedNotExist() {
    assertThat(t.declareQueue(new QueueDefinition(new QueueId(V, "q"), true, false, false,
        args("x-dead-letter-exchange", "later"), null))).hasSize(1);
  }

  @Test
  void reservedAndDefaultNamesAreRefused() {
    fails(() -> t.declareExchange(ExchangeDefinition.of(V, "amq.mine", ExchangeType.DIRECT)), Kind.ACCESS_REFUSED, "name");
    fails(() -> t.declareExchange(ExchangeDefinition.of(V, "", ExchangeType.DIRECT)), Kind.ACCESS_REFUSED, "name");
    fails(() -> t.declareQueue(QueueDefinition.of(V, "amq.q")), Kind.ACCESS_REFUSED, "name");
    fails(() -> t.deleteExchange(new ExchangeId(V, ""), false), Kind.ACCESS_REFUSED, "exchange");
    fails(() -> t.deleteExchange(new ExchangeId(V, "amq.direct"), false), Kind.ACCESS_REFUSED, "exchange");
    queue("q");
    fails(() -> t.bind(Binding.toQueue(V, "", "q", "q")), Kind.ACCESS_REFUSED, "source");
    fails(() -> t.bind(Binding.toExchange(V, "amq.direct", "", "q")), Kind.ACCESS_REFUSED, "destination");
  }

  // ---------------------------------------------------------------- bindings

  @Test
  void bindingNeedsAnExistingSourceAndDestination() {
    queue("q");
    fails(() -> t.bind(Binding.toQueue(V, "nope", "q", "k")), Kind.NOT_FOUND, "source");
    fails(() -> t.bind(Binding.toQueue(V, "amq.direct", "nope", "k")), Kind.NOT_FOUND, "destination");
    fails(() -> t.bind(Binding.toExchange(V, "amq.direct", "nope", "k")), Kind.NOT_FOUND, "destination");
  }

  @Test
  void identicalBindingIsANoOpAndUnbindingAMissingOneIsNotFound() {
    queue("q");
    bindQ("amq.direct", "q", "k");
    assertThat(t.bind(Binding.toQueue(V, "amq.direct", "q", "k"))).isEmpty();
    fails(() -> t.unbind(Binding.toQueue(V, "amq.direct", "q", "other")), Kind.NOT_FOUND, "binding");
    t.applyAll(t.unbind(Binding.toQueue(V, "amq.direct", "q", "k")));
    assertThat(route("amq.direct", "k")).isEmpty();
  }

  @Test
  void bindingsDifferingOnlyInArgumentsAreDistinctAndRemovedIndependently() {
    queue("q");
    t.applyAll(t.bind(Binding.toQueue(V, "amq.direct", "q", "k")));
    Binding withArgs = Binding.toQueue(V, "amq.direct", "q", "k").withArguments(args("a", 1));
    t.applyAll(t.bind(withArgs));
    assertThat(t.bindingsTo(new QueueId(V, "q"))).hasSize(2);
    t.applyAll(t.unbind(withArgs));
    assertThat(route("amq.direct", "k")).containsExactly("q");
  }

  @Test
  void propertiesKeyFollowsTheManagementApi() {
    assertThat(Binding.toQueue(V, "x", "q", "a.b").propertiesKey()).isEqualTo("a.b");
    assertThat(Binding.toQueue(V, "x", "q", "").propertiesKey()).isEqualTo("~");
    Binding a = Binding.toQueue(V, "x", "q", "k").withArguments(args("a", 1, "b", "two"));
    Binding b = Binding.toQueue(V, "x", "q", "k").withArguments(args("b", "two", "a", 1L));
    assertThat(a.propertiesKey()).startsWith("k~").matches("k~[A-Za-z0-9_-]{8}").isEqualTo(b.propertiesKey());
    assertThat(a.propertiesKey()).isNotEqualTo(Binding.toQueue(V, "x", "q", "k").withArguments(args("a", 2)).propertiesKey());
  }

  // ---------------------------------------------------------------- deletes and auto-delete

  @Test
  void deletingAQueueRemovesItsBindings() {
    queue("q");
    bindQ("amq.direct", "q", "k");
    bindQ("amq.fanout", "q", "");
    t.applyAll(t.deleteQueue(new QueueId(V, "q")));
    assertThat(t.bindings(V)).isEmpty();
    fails(() -> t.deleteQueue(new QueueId(V, "q")), Kind.NOT_FOUND, "queue");
  }

  @Test
  void deletingAnExchangeRemovesBindingsFromAndToIt() {
    exchange("x", ExchangeType.FANOUT);
    queue("q");
    bindQ("x", "q", "");
    bindX("amq.fanout", "x", "");
    t.applyAll(t.deleteExchange(new ExchangeId(V, "x"), false));
    assertThat(t.bindings()).isEmpty();
    assertThat(t.exchange(new ExchangeId(V, "x"))).isEmpty();
    assertThat(route("amq.fanout", "")).isEmpty();
  }

  @Test
  void deleteIfUnusedRefusesAnExchangeWithBindings() {
    exchange("x", ExchangeType.FANOUT);
    queue("q");
    bindQ("x", "q", "");
    fails(() -> t.deleteExchange(new ExchangeId(V, "x"), true), Kind.PRECONDITION_FAILED, "ifUnused");
    fails(() -> t.deleteExchange(new ExchangeId(V, "nope"), false), Kind.NOT_FOUND, "exchange");
  }

  @Test
  void autoDeleteExchangeGoesWithItsLastBindingOnUnbind() {
    exchange("ad", ExchangeType.DIRECT, true, false, Map.of());
    queue("q");
    bindQ("ad", "q", "a");
    bindQ("ad", "q", "b");
    List<TopologyEvent> first = t.unbind(Binding.toQueue(V, "ad", "q", "a"));
    assertThat(first).containsExactly(new BindingRemoved(Binding.toQueue(V, "ad", "q", "a")));
    t.applyAll(first);
    List<TopologyEvent> last = t.unbind(Binding.toQueue(V, "ad", "q", "b"));
    assertThat(last).containsExactly(new BindingRemoved(Binding.toQueue(V, "ad", "q", "b")),
        new ExchangeDeleted(new ExchangeId(V, "ad")));
    t.applyAll(last);
    assertThat(t.exchange(new ExchangeId(V, "ad"))).isEmpty();
  }

  @Test
  void autoDeleteExchangeGoesWhenItsLastDestinationQueueIsDeletedAndCascades() {
    exchange("ad1", ExchangeType.FANOUT, true, false, Map.of());
    exchange("ad2", ExchangeType.FANOUT, true, false, Map.of());
    queue("q");
    bindQ("ad1", "q", "");
    bindX("ad2", "ad1", "");
    List<TopologyEvent> events = t.deleteQueue(new QueueId(V, "q"));
    assertThat(events).containsExactly(new QueueDeleted(new QueueId(V, "q")),
        new ExchangeDeleted(new ExchangeId(V, "ad1")), new ExchangeDeleted(new ExchangeId(V, "ad2")));
    t.applyAll(events);
    assertThat(t.exchanges(V)).hasSize(6);
  }

  @Test
  void autoDeleteExchangeWithoutBindingsStays() {
    exchange("ad", ExchangeType.FANOUT, true, false, Map.of());
    queue("q");
    assertThat(t.deleteQueue(new QueueId(V, "q"))).containsExactly(new QueueDeleted(new QueueId(V, "q")));
  }

  @Test
  void autoDeleteExchangeGoesWhenItsDestinationExchangeIsDeleted() {
    exchange("ad", ExchangeType.FANOUT, true, false, Map.of());
    exchange("x", ExchangeType.FANOUT);
    bindX("ad", "x", "");
    assertThat(t.deleteExchange(new ExchangeId(V, "x"), false)).containsExactly(
        new ExchangeDeleted(new ExchangeId(V, "x")), new ExchangeDeleted(new ExchangeId(V, "ad")));
  }

  // ---------------------------------------------------------------- snapshots and versions

  @Test
  void snapshotRoundTripKeepsVersionContentsAndRouting() {
    exchange("t", ExchangeType.TOPIC, false, false, args("alternate-exchange", "ae"));
    exchange("ae", ExchangeType.FANOUT);
    queue("q1", "q2", "dead");
    bindQ("t", "q1", "a.#");
    bindQ("t", "q2", "*.b");
    bindQ("ae", "dead", "");
    bindQ("amq.headers", "q1", args("x-match", "any", "h", 1));
    Topology copy = Topology.fromSnapshot(t.snapshot());
    assertThat(copy.version()).isEqualTo(t.version());
    assertThat(copy.snapshot()).isEqualTo(t.snapshot());
    for (String key : List.of("a.b", "x.b", "zz", "a")) {
      assertThat(copy.route(V, "t", key, null)).isEqualTo(t.route(V, "t", key, null));
    }
    assertThat(copy.route(V, "amq.headers", "", args("h", 1L)).queues()).containsExactly(new QueueId(V, "q1"));
  }

  @Test
  void everyAppliedEventCountsInTheVersion() {
    long before = t.version();
    queue("q");
    bindQ("amq.direct", "q", "k");
    assertThat(t.version()).isEqualTo(before + 2);
  }

  @Test
  void applyingAnEventWhoseSubjectIsGoneChangesOnlyTheVersion() {
    t.apply(new QueueDeleted(new QueueId(V, "never")));
    t.apply(new TopologyEvent.BindingAdded(Binding.toQueue(V, "amq.direct", "never", "k")));
    assertThat(t.bindings()).isEmpty();
    assertThat(t.version()).isEqualTo(3);
  }

  @Test
  void routeResultIsUnmodifiableAndOrdered() {
    queue("b", "a");
    bindQ("amq.fanout", "b", "");
    bindQ("amq.fanout", "a", "");
    RouteResult r = t.route(V, "amq.fanout", "", new HashMap<>());
    assertThat(r.queues()).containsExactly(new QueueId(V, "b"), new QueueId(V, "a"));
    assertThatThrownBy(() -> r.queues().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(new RouteResult(r.queues())).isEqualTo(r);
  }

  @Test
  void exchangeTypeParsesWireNamesAndNamesTheField() {
    assertThat(ExchangeType.parse("type", "topic")).isEqualTo(ExchangeType.TOPIC);
    assertThatThrownBy(() -> ExchangeType.parse("type", "fan-out")).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.field()).isEqualTo("type");
      assertThat(e.reason()).contains("direct, fanout, topic, headers");
    });
  }
}
