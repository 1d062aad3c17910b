package io.weirmq.node;

import static org.assertj.core.api.Assertions.assertThat;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.pattern.StatusReply;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.DeadLetterReason;
import io.weirmq.core.queue.Delivery;
import io.weirmq.core.queue.MessageIds;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.queue.QueueSnapshot;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.TopologyEvent;
import io.weirmq.core.routing.TopologySnapshot;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.node.queue.ChannelMessage;
import io.weirmq.node.queue.QueueEntity;
import io.weirmq.node.queue.MirrorHost;
import io.weirmq.node.queue.QueueRef;
import io.weirmq.node.registry.MetadataRegistry;
import io.weirmq.node.registry.RoutingTableReplica;
import io.weirmq.node.registry.TopologyChange;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Everything that goes to the journal, the snapshot store or across the network survives a round
 * trip through the serializer our configuration binds it to (jackson-cbor), equal to what went in.
 */
class SerializationTest {

  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EntityTestKits.config());
    serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Serializer serializerFor(Object o) {
    return serialization.findSerializerFor(o);
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    Serializer serializer = serializerFor(value);
    byte[] bytes = serialization.serialize(value).get();
    String manifest = Serializers.manifestFor(serializer, value);
    return (T) serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  /** Round-trips through jackson-cbor and checks the copy equals the original. */
  private static <T> T assertRoundTrips(T value) {
    assertThat(serializerFor(value).getClass().getSimpleName()).as("serializer of %s", value.getClass())
        .isEqualTo("JacksonCborSerializer");
    T back = roundTrip(value);
    assertThat(back).as("%s", value.getClass().getName()).isEqualTo(value);
    return back;
  }

  // ------------------------------------------------------------------ sample values

  private static final QueueId QUEUE = new QueueId("/", "orders");
  private static final QueueRef QUEUE_REF = new QueueRef(QUEUE, 7);

  /** Headers as clients send them: ints, longs, decimals, nested lists and tables, nulls. */
  private static Map<String, Object> headers() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("count", 3);
    inner.put("nothing", null);
    inner.put("ratio", 0.25f);
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("int", 1);
    h.put("long", 5_000_000_000L);
    h.put("short", (short) 2);
    h.put("double", 1.5);
    h.put("bool", true);
    h.put("string", "text");
    h.put("list", List.of(1, "two", List.of(3L, 4.5), Map.of("k", 5)));
    h.put("table", inner);
    h.put("x-death", List.of(Map.of("count", 1, "reason", "rejected", "routing-keys", List.of("a", "b"))));
    return h;
  }

  private static MessageProperties properties() {
    return MessageProperties.builder().contentType("application/json").contentEncoding("utf-8").headers(headers())
        .persistent().priority(5).correlationId("corr").replyTo("amq.rabbitmq.reply-to").expiration("60000")
        .messageId("m-1").timestamp(1_700_000_000L).type("order").userId("guest").appId("shop").build();
  }

  private static byte[] body(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Message message() {
    return new Message("orders", "order.created", properties(), body("{\"id\":1}"));
  }

  private static QueueSettings fullSettings() {
    return new QueueSettings(60_000L, 3_600_000L, 100L, 1_000_000L, QueueSettings.Overflow.REJECT_PUBLISH_DLX,
        "dlx", "dead", 5L, 10, true, 1, QueueSettings.MirrorSync.ALL);
  }

  private static Delivery delivery() {
    return new Delivery("consumer-1", "akka://weir/user/channel#1", 42, "orders", "order.created", properties(),
        body("payload"), true, 2);
  }

  // ------------------------------------------------------------------ tests

  @Test
  void headersComeBackNormalizedWithIntegersAsLongs() {
    MessageProperties back = assertRoundTrips(new QueueEntity.Publish(List.of(message()), 7,
        testKit.<QueueEntity.PublishAnswer>createTestProbe().ref())).messages().get(0).properties();

    Map<String, Object> h = back.headers();
    assertThat(h.get("int")).isEqualTo(1L);
    assertThat(h.get("short")).isEqualTo(2L);
    assertThat(h.get("long")).isEqualTo(5_000_000_000L);
    assertThat(h.get("double")).isEqualTo(1.5);
    assertThat(h.get("list")).isEqualTo(List.of(1L, "two", List.of(3L, 4.5), Map.of("k", 5L)));
    @SuppressWarnings("unchecked")
    Map<String, Object> table = (Map<String, Object>) h.get("table");
    assertThat(table).containsEntry("count", 3L).containsEntry("ratio", 0.25).containsEntry("nothing", null);
    assertThat(h.keySet()).containsExactlyElementsOf(headers().keySet());
    assertThat(back.timestamp()).isEqualTo(1_700_000_000L);
  }

  @Test
  void everyQueueEventRoundTrips() {
    List<QueueEvent> events = allQueueEvents();
    events.forEach(SerializationTest::assertRoundTrips);
    assertCoversEverySubtype(QueueEvent.class, events);
  }

  @Test
  void mirrorMessagesRoundTripWithEveryQueueEventInsideAReplicate() {
    ActorRef<QueueEntity.Command> leader = testKit.<QueueEntity.Command>createTestProbe().ref();
    List<Object> values = List.of(
        new MirrorHost.Replicate(QUEUE_REF.entityId(), leader, 12, allQueueEvents()),
        new MirrorHost.Placement(QUEUE_REF.entityId(), leader, 11, List.of("akka://weir@127.0.0.1:1", "akka://weir@h:2")),
        new MirrorHost.ListMirrors(testKit.<MirrorHost.Mirrors>createTestProbe().ref()),
        new MirrorHost.GetHeld(QUEUE_REF.entityId(), testKit.<MirrorHost.Held>createTestProbe().ref()),
        new MirrorHost.Held(42),
        new MirrorHost.Mirrors("akka://weir@127.0.0.1:1",
            List.of(new MirrorHost.MirrorStatus(QUEUE_REF.entityId(), 11, false, new QueueCounts(1, 0, 5, 0, 0)))),
        new MirrorHost.Describe(testKit.<MirrorHost.NodeDescription>createTestProbe().ref()),
        new MirrorHost.NodeDescription("akka://weir@127.0.0.1:1", 81_000, 61_000_000, 402_653_184, 2,
            List.of(new MirrorHost.MirrorStatus(QUEUE_REF.entityId(), 11, true, new QueueCounts(1, 0, 5, 0, 0)))));
    values.forEach(SerializationTest::assertRoundTrips);
    Set<Class<?>> publicCommands = Arrays.stream(MirrorHost.Command.class.getPermittedSubclasses())
        .filter(c -> java.lang.reflect.Modifier.isPublic(c.getModifiers())).collect(Collectors.toSet());
    assertThat(values.stream().map(Object::getClass).collect(Collectors.toSet())).containsAll(publicCommands);
  }

  private static List<QueueEvent> allQueueEvents() {
    return List.of(
        new QueueEvent.QueueConfigured(fullSettings()),
        new QueueEvent.QueueConfigured(QueueSettings.DEFAULT),
        new QueueEvent.MessagesEnqueued(List.of(
            new QueueEvent.EnqueuedMessage(1, "orders", "order.created", properties(), body("a"), 1000, Long.MAX_VALUE),
            new QueueEvent.EnqueuedMessage(2, "", "orders", MessageProperties.EMPTY, new byte[0], 1001, 61_001))),
        new QueueEvent.DeliveriesMarked(10_002),
        new QueueEvent.MessagesAcked(MessageIds.of(1, 2)),
        new QueueEvent.MessagesRequeued(MessageIds.of(3)),
        new QueueEvent.MessagesDeadLettered(MessageIds.of(4, 5), DeadLetterReason.DELIVERY_LIMIT, 1234),
        new QueueEvent.DeadLettersSettled(MessageIds.of(4)),
        new QueueEvent.MessagesDiscarded(MessageIds.of(6), DeadLetterReason.MAXLEN),
        new QueueEvent.MessagesPurged(MessageIds.of()));
  }

  @Test
  void everyTopologyEventRoundTrips() {
    ExchangeDefinition exchange = new ExchangeDefinition(new ExchangeId("/", "orders"), ExchangeType.TOPIC, true, true,
        false, Map.of("alternate-exchange", "unrouted", "weight", 3));
    QueueDefinition queue = new QueueDefinition(QUEUE, true, true, false,
        Map.of("x-message-ttl", 60_000, "x-dead-letter-exchange", "dlx"), "connection-1");
    Binding binding = new Binding("/", "amq.headers", io.weirmq.core.routing.DestinationKind.QUEUE, "orders", "",
        Map.of("x-match", "all", "n", 1, "tags", List.of("a", 2)));
    List<TopologyEvent> events = List.of(
        new TopologyEvent.VhostAdded("/"),
        new TopologyEvent.VhostDeleted("staging"),
        new TopologyEvent.ExchangeDeclared(exchange),
        new TopologyEvent.ExchangeDeleted(exchange.id()),
        new TopologyEvent.QueueDeclared(queue),
        new TopologyEvent.QueueDeleted(QUEUE),
        new TopologyEvent.BindingAdded(binding),
        new TopologyEvent.BindingRemoved(Binding.toExchange("/", "orders", "audit", "#")),
        new TopologyEvent.UserPut(USER),
        new TopologyEvent.UserDeleted("ops"),
        new TopologyEvent.PermissionSet(new Permission("ops", "/", "^x$", ".*", "")),
        new TopologyEvent.PermissionCleared("ops", "/"),
        new TopologyEvent.PolicySet(POLICY),
        new TopologyEvent.PolicyCleared("staging", "cap"));

    events.forEach(SerializationTest::assertRoundTrips);
    assertCoversEverySubtype(TopologyEvent.class, events);
    TopologyEvent.QueueDeclared back = (TopologyEvent.QueueDeclared) roundTrip(events.get(4));
    assertThat(back.queue().arguments().get("x-message-ttl")).isEqualTo(60_000L);
  }

  @Test
  void queueSnapshotRoundTripsWithBodiesAndPendingDeadLetters() {
    QueueSnapshot snapshot = new QueueSnapshot(fullSettings(), 4, 10_003, List.of(
        new QueueSnapshot.Entry(1, "orders", "order.created", properties(), body("one"), 1000, Long.MAX_VALUE, 0, false,
            null, 0),
        new QueueSnapshot.Entry(3, "", "orders", MessageProperties.EMPTY, body("three"), 1002, 5000, 2, true,
            DeadLetterReason.EXPIRED, 5001)));

    QueueSnapshot back = assertRoundTrips(snapshot);
    assertThat(back.messages().get(1).body()).isEqualTo(body("three"));
    assertThat(assertRoundTrips(new QueueSnapshot(QueueSettings.DEFAULT, 1, 0, List.of())).messages()).isEmpty();
  }

  private static final Policy POLICY = new Policy("staging", "cap", "^orders\\.", Policy.ApplyTo.QUEUES, 3,
      Map.of("max-length", 10, "overflow", "reject-publish", "mirror-sync", "all"));

  private static final User USER = new User("ops", PasswordHash.create("s3cret", 1000), List.of("monitoring"));

  @Test
  void topologySnapshotRoundTrips() {
    TopologySnapshot snapshot = new TopologySnapshot(12, List.of("/", "staging"),
        List.of(ExchangeDefinition.of("/", "amq.direct", ExchangeType.DIRECT),
            new ExchangeDefinition(new ExchangeId("staging", "events"), ExchangeType.HEADERS, false, false, true,
                Map.of("alternate-exchange", "ae"))),
        List.of(QueueDefinition.of("/", "a"), new QueueDefinition(new QueueId("staging", "b"), false, false, true,
            Map.of("x-max-length", 10, "x-overflow", "reject-publish"), null)),
        List.of(3L, 9L),
        List.of(Binding.toQueue("/", "amq.direct", "a", "a"),
            Binding.toQueue("staging", "events", "b", "").withArguments(Map.of("x-match", "any", "level", 3))),
        List.of(USER),
        List.of(new Permission("ops", "staging", "^ops\\.", ".*", "")),
        List.of(POLICY));

    assertRoundTrips(snapshot);
    assertRoundTrips(new MetadataRegistry.Changed(13, List.of(new TopologyEvent.UserPut(USER),
        new TopologyEvent.PermissionSet(new Permission("ops", "/", ".*", ".*", ".*")),
        new TopologyEvent.PermissionCleared("ops", "/"), new TopologyEvent.UserDeleted("ops"),
        new TopologyEvent.PolicySet(POLICY), new TopologyEvent.PolicyCleared("staging", "cap"))));
  }

  @Test
  void queueEntityCommandsAndRepliesRoundTrip() {
    ActorRef<ChannelMessage> channel = testKit.<ChannelMessage>createTestProbe().ref();
    ActorRef<StatusReply<QueueCounts>> counts = testKit.<StatusReply<QueueCounts>>createTestProbe().ref();
    ActorRef<StatusReply<Done>> done = testKit.<StatusReply<Done>>createTestProbe().ref();

    List<Object> values = List.of(
        new QueueEntity.Configure(fullSettings(), counts),
        new QueueEntity.Publish(List.of(message(), new Message("", "q", null, null)), 8,
            testKit.<QueueEntity.PublishAnswer>createTestProbe().ref()),
        new QueueEntity.Confirmation(List.of(true, false), "akka://weir@127.0.0.1:25520"),
        QueueEntity.PublishAnswer.confirmed(8, new QueueEntity.Confirmation(List.of(true), "")),
        QueueEntity.PublishAnswer.failed(9, "queue stopped"),
        new QueueEntity.Subscribe("c1", channel, 10, false, true, done),
        new QueueEntity.Unsubscribe("c1", channel, done),
        new QueueEntity.Settle(channel, MessageIds.of(1, 2, 3), QueueEntity.Outcome.REQUEUE, 42),
        io.weirmq.node.queue.ChannelMessage.Settled.done(42),
        io.weirmq.node.queue.ChannelMessage.Settled.refused(43, BrokerException.precondition("delivery_tag", "not awaiting")),
        new QueueEntity.Release(channel, done),
        new QueueEntity.Get(channel, true, testKit.<StatusReply<QueueEntity.GetResult>>createTestProbe().ref()),
        new QueueEntity.GetResult(Optional.empty(), 0),
        new QueueEntity.Purge(testKit.<StatusReply<Long>>createTestProbe().ref()),
        new QueueEntity.GetCounts(counts),
        new QueueEntity.Shutdown("queue deleted", counts),
        new QueueEntity.MirrorAck("akka://weir@127.0.0.1:25520", 42),
        new QueueEntity.GetReplication(testKit.<StatusReply<QueueEntity.Replication>>createTestProbe().ref()),
        new QueueEntity.Replication("akka://weir@127.0.0.1:25520", 42, List.of(
            new QueueEntity.MirrorInfo("akka://weir@127.0.0.1:25521", 40, 2, false),
            new QueueEntity.MirrorInfo("akka://weir@127.0.0.1:25522", -1, 42, false)), 3, true),
        new QueueCounts(1, 2, 3, 4, 5),
        new QueueCounts(1, 2, 3, 4, 5, "amq.ctag-1"),
        QUEUE_REF,
        new ChannelMessage.ConsumerCancelled(QUEUE_REF, "c1", "queue deleted"));

    values.forEach(SerializationTest::assertRoundTrips);
    Set<Class<?>> publicCommands = Arrays.stream(QueueEntity.Command.class.getPermittedSubclasses())
        .filter(c -> java.lang.reflect.Modifier.isPublic(c.getModifiers())).collect(Collectors.toSet());
    assertThat(values.stream().map(Object::getClass).collect(Collectors.toSet())).containsAll(publicCommands);
  }

  @Test
  void deliveryRoundTripsAloneAndInsideRepliesAndChannelMessages() {
    // Delivery keeps array identity equality (no equals of its own), so compare it field by field.
    Delivery back = roundTrip(delivery());
    assertThat(serializerFor(delivery()).getClass().getSimpleName()).isEqualTo("JacksonCborSerializer");
    assertThat(back).usingRecursiveComparison().isEqualTo(delivery());

    QueueEntity.GetResult result = roundTrip(new QueueEntity.GetResult(Optional.of(delivery()), 3));
    assertThat(result.messageCount()).isEqualTo(3);
    assertThat(result.delivery()).get().usingRecursiveComparison().isEqualTo(delivery());

    Delivery basicGet = new Delivery(null, "owner", 1, "", "q", MessageProperties.EMPTY, new byte[0], false, 0);
    assertThat(roundTrip(basicGet)).usingRecursiveComparison().isEqualTo(basicGet);

    ChannelMessage.Delivered delivered = roundTrip(new ChannelMessage.Delivered(QUEUE_REF, List.of(delivery(), basicGet)));
    assertThat(delivered.queue()).isEqualTo(QUEUE_REF);
    assertThat(delivered.deliveries()).usingRecursiveFieldByFieldElementComparator()
        .containsExactly(delivery(), basicGet);
  }

  @Test
  void registryCommandsRepliesAndReplicaMessagesRoundTrip() {
    ActorRef<RoutingTableReplica.Command> replica = testKit.<RoutingTableReplica.Command>createTestProbe().ref();
    ActorRef<StatusReply<MetadataRegistry.Changed>> replyTo =
        testKit.<StatusReply<MetadataRegistry.Changed>>createTestProbe().ref();
    List<TopologyChange> changes = List.of(
        new TopologyChange.AddVhost("staging"),
        new TopologyChange.DeleteVhost("staging"),
        new TopologyChange.DeclareExchange(ExchangeDefinition.of("/", "orders", ExchangeType.FANOUT)),
        new TopologyChange.DeleteExchange(new ExchangeId("/", "orders"), true),
        new TopologyChange.DeclareQueue(QueueDefinition.of("/", "q")),
        new TopologyChange.DeleteQueue(new QueueId("/", "q")),
        new TopologyChange.Bind(Binding.toQueue("/", "orders", "q", "k")),
        new TopologyChange.Unbind(Binding.toQueue("/", "orders", "q", "k")),
        new TopologyChange.PutUser(USER),
        new TopologyChange.DeleteUser("ops"),
        new TopologyChange.SetPermission(new Permission("ops", "/", ".*", ".*", ".*")),
        new TopologyChange.ClearPermission("ops", "/"),
        new TopologyChange.SetPolicy(POLICY),
        new TopologyChange.ClearPolicy("staging", "cap"),
        new TopologyChange.UpgradePassword("ops", PasswordHash.fromExport(PasswordHash.RABBIT_SHA256,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), USER.password()));

    for (TopologyChange change : changes) {
      assertRoundTrips(new MetadataRegistry.Change(change, replyTo));
    }
    assertCoversEverySubtype(TopologyChange.class, changes);
    assertRoundTrips(new MetadataRegistry.Changed(3, List.of(new TopologyEvent.VhostAdded("/"))));
    assertRoundTrips(new MetadataRegistry.Subscribe(replica, 7));
    assertRoundTrips(new RoutingTableReplica.Changes(2, List.of(new TopologyEvent.QueueDeleted(QUEUE))));
    assertRoundTrips(new RoutingTableReplica.Reset(new TopologySnapshot(1, List.of("/"), List.of(), List.of(),
        List.of(), List.of(), List.of(), List.of(), List.of())));
    assertRoundTrips(new RoutingTableReplica.AwaitVersion(4, testKit.<Long>createTestProbe().ref()));
    // The readiness check asks the registry wherever the singleton runs.
    assertRoundTrips(new MetadataRegistry.GetVersion(testKit.<Long>createTestProbe().ref()));
  }

  @Test
  void journalProbeEventAndSnapshotRoundTrip() {
    assertRoundTrips(new io.weirmq.node.health.JournalProbe.Probed(1_700_000_000_000L));
    assertRoundTrips(new io.weirmq.node.health.JournalProbe.State(42));
  }

  @Test
  void persistedTopologyEventsCarryNoTypeIdWhileEventListsOnTheWireDo() throws Exception {
    // Top-level events are typed by the serializer's manifest: the registry's journal format stays
    // as it was. Inside Changed and Changes each event names its type.
    com.fasterxml.jackson.databind.ObjectMapper cbor =
        new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.cbor.CBORFactory());
    byte[] event = serialization.serialize(new TopologyEvent.VhostAdded("/")).get();
    assertThat(cbor.readTree(event).fieldNames()).toIterable().containsExactly("vhost");

    byte[] changes = serialization.serialize(new RoutingTableReplica.Changes(0, List.of(new TopologyEvent.VhostAdded("/")))).get();
    assertThat(cbor.readTree(changes).get("events").get(0).get("@type").asText()).isEqualTo("VhostAdded");
  }

  @Test
  void listHeadersSurviveWhateverTheOrderOfJacksonModules() {
    // reference.conf merge order follows the classpath: our module may be registered before
    // jackson-module-scala, whose Object deserializer would otherwise yield Scala lists.
    com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.parseString("""
            akka.serialization.jackson.jackson-modules = [
              "io.weirmq.node.serialization.WeirJacksonModule",
              "akka.serialization.jackson.AkkaJacksonModule",
              "akka.serialization.jackson.AkkaTypedJacksonModule",
              "com.fasterxml.jackson.module.paramnames.ParameterNamesModule",
              "com.fasterxml.jackson.datatype.jdk8.Jdk8Module",
              "com.fasterxml.jackson.module.scala.DefaultScalaModule"
            ]
            """).withFallback(EntityTestKits.config());
    ActorTestKit other = ActorTestKit.create("ModulesFirst", config);
    try {
      Serialization s = SerializationExtension.get(Adapter.toClassic(other.system()));
      QueueEvent.DeliveriesMarked probe = new QueueEvent.DeliveriesMarked(1);
      assertThat(s.findSerializerFor(probe).getClass().getSimpleName()).isEqualTo("JacksonCborSerializer");
      QueueEvent.MessagesEnqueued event = new QueueEvent.MessagesEnqueued(List.of(
          new QueueEvent.EnqueuedMessage(1, "orders", "k", properties(), body("a"), 1, Long.MAX_VALUE)));
      Serializer serializer = s.findSerializerFor(event);
      Object back = s.deserialize(s.serialize(event).get(), serializer.identifier(),
          Serializers.manifestFor(serializer, event)).get();
      assertThat(back).isEqualTo(event);
    } finally {
      other.shutdownTestKit();
    }
  }

  @Test
  void statusReplyErrorsKeepTheBrokerExceptionKindAndField() {
    // Replies cross the network when the registry singleton or a queue runs on another node.
    StatusReply<MetadataRegistry.Changed> error =
        StatusReply.error(BrokerException.precondition("durable", "queue 'q' exists with durable=true"));

    assertThat(testKit.system().settings().config().getBoolean("akka.actor.allow-java-serialization")).isFalse();
    assertThat(serializerFor(error.getError()).getClass().getSimpleName()).isEqualTo("JacksonCborSerializer");
    StatusReply<MetadataRegistry.Changed> back = roundTrip(error);

    assertThat(back.isError()).isTrue();
    assertThat(back.getError()).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.kind()).isEqualTo(BrokerException.Kind.PRECONDITION_FAILED);
      assertThat(e.field()).isEqualTo("durable");
      assertThat(e.reason()).isEqualTo("queue 'q' exists with durable=true");
    });
    StatusReply<QueueCounts> success = roundTrip(StatusReply.success(new QueueCounts(1, 0, 5, 0, 0)));
    assertThat(success.getValue()).isEqualTo(new QueueCounts(1, 0, 5, 0, 0));
  }

  private static void assertCoversEverySubtype(Class<?> sealed, List<?> values) {
    Set<Class<?>> covered = values.stream().map(Object::getClass).collect(Collectors.toSet());
    assertThat(covered).as("samples of every %s", sealed.getSimpleName())
        .containsExactlyInAnyOrder(sealed.getPermittedSubclasses());
  }
}
