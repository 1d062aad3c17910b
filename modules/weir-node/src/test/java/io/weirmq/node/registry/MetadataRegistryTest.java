package io.weirmq.node.registry;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import akka.persistence.testkit.javadsl.SnapshotTestKit;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.routing.TopologyEvent;
import io.weirmq.core.routing.TopologySnapshot;
import io.weirmq.node.EntityTestKits;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.registry.MetadataRegistry.Changed;
import io.weirmq.node.registry.MetadataRegistry.Command;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetadataRegistryTest {

  private static final String PERSISTENCE_ID = MetadataRegistry.NAME;

  private static ActorTestKit testKit;
  private static NodeSettings settings;

  private EventSourcedBehaviorTestKit<Command, TopologyEvent, Topology> registry;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EntityTestKits.config());
    settings = NodeSettings.from(testKit.system().settings().config());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** The registry has one fixed persistence id: each test starts it on an empty journal. */
  @BeforeEach
  void freshRegistry() {
    PersistenceTestKit.create(testKit.system()).clearAll();
    SnapshotTestKit.create(testKit.system()).clearAll();
    registry = EventSourcedBehaviorTestKit.create(testKit.system(), MetadataRegistry.create(settings),
        EntityTestKits.serialization());
  }

  private List<Object> journal() {
    return registry.persistenceTestKit().persistedInStorage(PERSISTENCE_ID);
  }

  /** Waits until the journal passes the check (the registry writes some events on its own at start). */
  private List<Object> awaitJournal(java.util.function.Predicate<List<Object>> check) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    List<Object> events = journal();
    while (!check.test(events) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      events = journal();
    }
    assertThat(check).as("journal %s", events).accepts(events);
    return events;
  }

  /** Gives the registry time to write on its own, then checks it wrote nothing. */
  private void assertNothingMorePersisted(int journalSize) {
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    assertThat(journal()).hasSize(journalSize);
  }

  /** A fresh registry adds the default vhost right after its recovery. */
  private void awaitStarted() {
    awaitJournal(events -> events.contains(new TopologyEvent.VhostAdded("/")));
  }

  private CommandResultWithReply<Command, TopologyEvent, Topology, StatusReply<Changed>> change(TopologyChange change) {
    return registry.runCommand(replyTo -> new MetadataRegistry.Change(change, replyTo));
  }

  private Changed changed(TopologyChange change) {
    StatusReply<Changed> reply = change(change).reply();
    assertThat(reply.isSuccess()).as("%s: %s", change, reply).isTrue();
    return reply.getValue();
  }

  private BrokerException refused(TopologyChange change) {
    CommandResultWithReply<Command, TopologyEvent, Topology, StatusReply<Changed>> result = change(change);
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().isError()).as("%s", change).isTrue();
    // Locally the error is the very BrokerException the core threw, kind and field intact.
    assertThat(result.reply().getError()).isInstanceOf(BrokerException.class);
    return (BrokerException) result.reply().getError();
  }

  private static QueueDefinition transientQueue(String name) {
    return new QueueDefinition(new QueueId("/", name), false, false, false, Map.of(), null);
  }

  private static QueueDefinition exclusiveQueue(String name, String owner) {
    return new QueueDefinition(new QueueId("/", name), true, true, false, Map.of(), owner);
  }

  // ------------------------------------------------------------------ tests

  /** Events of a first start: the default vhost, the default user and its permissions on it. */
  private static final int START = 3;

  @Test
  void firstStartAddsTheDefaultVhostWithItsPredeclaredExchanges() {
    awaitStarted();

    assertThat(journal()).extracting(e -> e.getClass().getSimpleName())
        .containsExactly("VhostAdded", "UserPut", "PermissionSet");
    Topology topology = registry.getState();
    assertThat(topology.version()).isEqualTo(START);
    assertThat(topology.users().user("guest").orElseThrow().tags()).containsExactly("administrator");
    assertThat(topology.users().access("guest", "/").permission().configure()).isEqualTo(".*");
    assertThat(topology.vhosts()).containsExactly("/");
    assertThat(topology.exchanges("/")).extracting(x -> x.id().name())
        .containsExactlyInAnyOrder("", "amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match");
    assertThat(topology.exchange(new ExchangeId("/", "amq.topic")).orElseThrow().type()).isEqualTo(ExchangeType.TOPIC);
  }

  @Test
  void changesPersistTheirEventsAndAnswerTheVersionThatHoldsThem() {
    awaitStarted();
    ExchangeDefinition orders = ExchangeDefinition.of("/", "orders", ExchangeType.TOPIC);
    QueueDefinition queue = QueueDefinition.of("/", "q1");
    Binding binding = Binding.toQueue("/", "orders", "q1", "order.*");

    var declared = change(new TopologyChange.DeclareExchange(orders));
    assertThat(declared.events()).containsExactly(new TopologyEvent.ExchangeDeclared(orders));
    assertThat(declared.reply().getValue())
        .isEqualTo(new Changed(START + 1, List.of(new TopologyEvent.ExchangeDeclared(orders))));

    assertThat(changed(new TopologyChange.DeclareQueue(queue)))
        .isEqualTo(new Changed(START + 2, List.of(new TopologyEvent.QueueDeclared(queue))));
    assertThat(changed(new TopologyChange.Bind(binding)))
        .isEqualTo(new Changed(START + 3, List.of(new TopologyEvent.BindingAdded(binding))));
    assertThat(registry.getState().route("/", "orders", "order.created", Map.of()).queues())
        .containsExactly(queue.id());
    assertThat(changed(new TopologyChange.Unbind(binding)))
        .isEqualTo(new Changed(START + 4, List.of(new TopologyEvent.BindingRemoved(binding))));
    assertThat(changed(new TopologyChange.DeleteQueue(queue.id())))
        .isEqualTo(new Changed(START + 5, List.of(new TopologyEvent.QueueDeleted(queue.id()))));

    // Redeclaring what exists changes nothing and answers the current version.
    assertThat(changed(new TopologyChange.DeclareExchange(orders))).isEqualTo(new Changed(START + 5, List.of()));

    assertThat(journal().subList(START, journal().size())).containsExactly(
        new TopologyEvent.ExchangeDeclared(orders),
        new TopologyEvent.QueueDeclared(queue),
        new TopologyEvent.BindingAdded(binding),
        new TopologyEvent.BindingRemoved(binding),
        new TopologyEvent.QueueDeleted(queue.id()));
  }

  @Test
  void invalidChangesAreRefusedWithTheKindAndFieldOfTheProblem() {
    awaitStarted();
    changed(new TopologyChange.DeclareQueue(QueueDefinition.of("/", "q1")));

    BrokerException noVhost = refused(new TopologyChange.DeclareQueue(QueueDefinition.of("elsewhere", "q1")));
    assertThat(noVhost.kind()).isEqualTo(BrokerException.Kind.NOT_FOUND);
    assertThat(noVhost.field()).isEqualTo("vhost");

    BrokerException redeclared = refused(new TopologyChange.DeclareQueue(transientQueue("q1")));
    assertThat(redeclared.kind()).isEqualTo(BrokerException.Kind.PRECONDITION_FAILED);
    assertThat(redeclared.field()).isEqualTo("durable");

    BrokerException noSource = refused(new TopologyChange.Bind(Binding.toQueue("/", "missing", "q1", "k")));
    assertThat(noSource.kind()).isEqualTo(BrokerException.Kind.NOT_FOUND);
    assertThat(noSource.field()).isEqualTo("source");

    BrokerException reserved = refused(new TopologyChange.DeclareExchange(
        ExchangeDefinition.of("/", "amq.mine", ExchangeType.DIRECT)));
    assertThat(reserved.kind()).isEqualTo(BrokerException.Kind.ACCESS_REFUSED);
    assertThat(reserved.field()).isEqualTo("name");

    BrokerException noQueue = refused(new TopologyChange.DeleteQueue(new QueueId("/", "nope")));
    assertThat(noQueue.kind()).isEqualTo(BrokerException.Kind.NOT_FOUND);
    assertThat(noQueue.field()).isEqualTo("queue");

    assertThat(registry.getState().version()).isEqualTo(START + 1);
  }

  @Test
  void replicaBehindGetsAResetReplicaCurrentGetsNothingAndBothGetLaterChanges() {
    awaitStarted();
    TestProbe<RoutingTableReplica.Command> behind = testKit.createTestProbe();
    TestProbe<RoutingTableReplica.Command> current = testKit.createTestProbe();

    registry.runCommand(new MetadataRegistry.Subscribe(behind.ref(), 0));
    RoutingTableReplica.Reset reset = behind.expectMessageClass(RoutingTableReplica.Reset.class);
    assertThat(reset.snapshot()).isEqualTo(registry.getState().snapshot());
    assertThat(reset.snapshot().version()).isEqualTo(START);

    registry.runCommand(new MetadataRegistry.Subscribe(current.ref(), START));
    current.expectNoMessage(Duration.ofMillis(200));

    QueueDefinition queue = QueueDefinition.of("/", "q1");
    changed(new TopologyChange.DeclareQueue(queue));

    RoutingTableReplica.Changes expected = new RoutingTableReplica.Changes(START, List.of(new TopologyEvent.QueueDeclared(queue)));
    assertThat(behind.expectMessageClass(RoutingTableReplica.Changes.class)).isEqualTo(expected);
    assertThat(current.expectMessageClass(RoutingTableReplica.Changes.class)).isEqualTo(expected);
  }

  @Test
  void restartRebuildsTheSameTopology() {
    awaitStarted();
    changed(new TopologyChange.AddVhost("staging"));
    changed(new TopologyChange.DeclareExchange(ExchangeDefinition.of("/", "orders", ExchangeType.TOPIC)));
    changed(new TopologyChange.DeclareQueue(QueueDefinition.of("/", "q1")));
    changed(new TopologyChange.DeclareQueue(QueueDefinition.of("staging", "q2")));
    changed(new TopologyChange.Bind(Binding.toQueue("/", "orders", "q1", "order.#")));
    changed(new TopologyChange.Bind(Binding.toQueue("/", "amq.headers", "q1", "")
        .withArguments(Map.of("x-match", "any", "n", 1, "tags", List.of("a", 2)))));
    changed(new TopologyChange.SetPolicy(new Policy("staging", "cap", "^q", Policy.ApplyTo.QUEUES, 1,
        Map.of("max-length", 5, "overflow", "reject-publish"))));
    TopologySnapshot before = registry.getState().snapshot();

    Topology recovered = registry.restart().state();

    // Only durable resources: the restart drops nothing, so the state stays exactly as it was.
    assertNothingMorePersisted(START + 7);
    assertThat(recovered.policies().all()).hasSize(1);
    assertThat(recovered.effectiveSettings(recovered.queue(new QueueId("staging", "q2")).orElseThrow()).maxLength())
        .isEqualTo(5L);
    assertThat(recovered.snapshot()).isEqualTo(before);
    assertThat(recovered.queueIncarnation(new QueueId("/", "q1")))
        .isEqualTo(before.queueIncarnations().get(before.queues().indexOf(QueueDefinition.of("/", "q1"))));
  }

  /**
   * A failed journal write restarts the registry, which recovers its topology from the journal:
   * persistence restarts it on the same empty-state object, so recovering into that object (which
   * the failed run had filled) applied every event twice and doubled the version.
   */
  @Test
  void aFailedJournalWriteRecoversTheTopologyOnceNotOnTopOfTheFailedRun() {
    awaitStarted();
    changed(new TopologyChange.DeclareQueue(QueueDefinition.of("/", "q1")));
    TopologySnapshot before = registry.getState().snapshot();

    registry.persistenceTestKit().failNextPersisted(PERSISTENCE_ID);
    try {
      change(new TopologyChange.DeclareQueue(QueueDefinition.of("/", "q2")));
    } catch (AssertionError noReply) {
      // The write failed and the registry restarted: no answer, the caller's ask times out.
    }

    assertThat(registry.getState().snapshot()).isEqualTo(before);
    assertThat(registry.getState().version()).isEqualTo(START + 1);
  }

  @Test
  void restartRemovesNonDurableAndExclusiveResourcesAndKeepsDurableOnes() {
    awaitStarted();
    ExchangeDefinition durableExchange = ExchangeDefinition.of("/", "dx", ExchangeType.DIRECT);
    ExchangeDefinition transientExchange =
        new ExchangeDefinition(new ExchangeId("/", "tx"), ExchangeType.DIRECT, false, false, false, Map.of());
    QueueDefinition durable = QueueDefinition.of("/", "keep");
    changed(new TopologyChange.DeclareExchange(durableExchange));
    changed(new TopologyChange.DeclareExchange(transientExchange));
    changed(new TopologyChange.DeclareQueue(durable));
    changed(new TopologyChange.DeclareQueue(transientQueue("temp")));
    changed(new TopologyChange.DeclareQueue(exclusiveQueue("mine", "connection-1")));
    Binding kept = Binding.toQueue("/", "dx", "keep", "k");
    changed(new TopologyChange.Bind(kept));
    changed(new TopologyChange.Bind(Binding.toQueue("/", "tx", "keep", "k")));
    changed(new TopologyChange.Bind(Binding.toQueue("/", "dx", "temp", "k")));
    changed(new TopologyChange.Bind(Binding.toQueue("/", "dx", "mine", "k")));
    long versionBefore = registry.getState().version();

    registry.restart();

    List<Object> events = awaitJournal(j -> j.contains(new TopologyEvent.ExchangeDeleted(transientExchange.id())));
    assertThat(events.subList(events.size() - 3, events.size())).containsExactlyInAnyOrder(
        new TopologyEvent.QueueDeleted(new QueueId("/", "temp")),
        new TopologyEvent.QueueDeleted(new QueueId("/", "mine")),
        new TopologyEvent.ExchangeDeleted(transientExchange.id()));
    Topology after = registry.getState();
    assertThat(after.version()).isEqualTo(versionBefore + 3);
    assertThat(after.queues()).containsExactly(durable);
    assertThat(after.exchange(durableExchange.id())).contains(durableExchange);
    assertThat(after.exchange(transientExchange.id())).isEmpty();
    assertThat(after.bindings()).containsExactly(kept);

    // A second restart finds nothing left to drop.
    TopologySnapshot settled = after.snapshot();
    int written = journal().size();
    assertThat(registry.restart().state().snapshot()).isEqualTo(settled);
    assertNothingMorePersisted(written);
  }

  /** A cluster that ran on: the first start begins its lifetime, every later start is a hand-over. */
  private static ClusterLifetime startedOnce() {
    return new ClusterLifetime() {
      private volatile boolean started;

      @Override
      public java.util.concurrent.CompletionStage<Boolean> isNew() {
        return java.util.concurrent.CompletableFuture.completedFuture(!started);
      }

      @Override
      public void registryStarted() {
        started = true;
      }
    };
  }

  @Test
  void aHandOverInARunningClusterKeepsNonDurableAndExclusiveResources() {
    // The registry of freshRegistry writes its start (after hashing the default user's password off
    // the actor) on the same persistence id: let it finish before clearing, or it writes into this test.
    awaitStarted();
    PersistenceTestKit.create(testKit.system()).clearAll();
    registry = EventSourcedBehaviorTestKit.create(testKit.system(), MetadataRegistry.create(settings, startedOnce()),
        EntityTestKits.serialization());
    awaitStarted();
    ExchangeDefinition transientExchange =
        new ExchangeDefinition(new ExchangeId("/", "tx"), ExchangeType.DIRECT, false, false, false, Map.of());
    changed(new TopologyChange.DeclareExchange(transientExchange));
    changed(new TopologyChange.DeclareQueue(transientQueue("temp")));
    changed(new TopologyChange.DeclareQueue(exclusiveQueue("mine", "connection-1")));
    TopologySnapshot before = registry.getState().snapshot();
    int written = journal().size();

    // The singleton starting on another node recovers the same journal, as a restart does here.
    Topology after = registry.restart().state();

    assertNothingMorePersisted(written);
    assertThat(after.snapshot()).isEqualTo(before);
    // And it answers: changes wait only for the start check.
    changed(new TopologyChange.DeclareQueue(QueueDefinition.of("/", "after-hand-over")));
  }
}
