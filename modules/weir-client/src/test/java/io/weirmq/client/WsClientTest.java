package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WebSocket client against a real node and HTTP/WebSocket server. */
class WsClientTest {

  private static final long WAIT_MS = 15_000;

  @TempDir static Path dataDir;
  private static WeirTestServer server;
  private static WeirAdmin admin;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    server = WeirTestServer.start(dataDir);
    admin = WeirAdmin.builder().uri(server.uri()).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeConnections() {
    connections.forEach(Connection::close);
  }

  private Connection connect() {
    return connect(new ConnectionFactory());
  }

  private Connection connect(ConnectionFactory factory) {
    Connection c = factory.setUri(server.uri()).newConnection();
    connections.add(c);
    return c;
  }

  private static Delivery next(BlockingQueue<Delivery> q) throws InterruptedException {
    Delivery d = q.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(d).as("a delivery within %d ms", WAIT_MS).isNotNull();
    return d;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within %d ms", what, WAIT_MS).isLessThan(deadline);
      Thread.sleep(20); // polling a condition, with a deadline
    }
  }

  @Test
  void publishWithConfirmsWaitsForAcksAndTellsTheListener() throws Exception {
    Channel ch = connect().createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("confirms"), true, false, false, null).queue();
    ch.confirmSelect();
    assertThat(ch.getNextPublishSeqNo()).isEqualTo(1);
    // Several at once may be confirmed by one ack with multiple (every tag up to it).
    java.util.Set<Long> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    ch.addConfirmListener((tag, multiple) -> {
      for (long t = multiple ? 1 : tag; t <= tag; t++) {
        acked.add(t);
      }
    }, (tag, multiple) -> { });
    for (int i = 0; i < 5; i++) {
      ch.basicPublish("", queue, BasicProperties.PERSISTENT, ("m" + i).getBytes(UTF_8));
    }
    assertThat(ch.getNextPublishSeqNo()).isEqualTo(6);
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    ch.waitForConfirmsOrDie(WAIT_MS);
    assertThat(acked).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    assertThat(admin.getQueue("/", queue).messages()).isEqualTo(5);
  }

  @Test
  void consumeWithManualAcksRespectsPrefetchAndAcksRemoveMessages() throws Exception {
    Channel ch = connect().createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("prefetch"), true, false, false, null).queue();
    for (int i = 0; i < 5; i++) {
      ch.basicPublish("", queue, null, ("m" + i).getBytes(UTF_8));
    }
    ch.basicQos(2);
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    String tag = ch.basicConsume(queue, false, (t, d) -> got.add(d), t -> { });
    Delivery first = next(got);
    Delivery second = next(got);
    assertThat(List.of(first.bodyAsString(), second.bodyAsString())).containsExactly("m0", "m1");
    assertThat(got.poll(300, TimeUnit.MILLISECONDS)).as("prefetch 2 holds the third back").isNull();
    ch.basicAck(second.getEnvelope().getDeliveryTag(), true);
    assertThat(List.of(next(got).bodyAsString(), next(got).bodyAsString())).containsExactly("m2", "m3");
    ch.basicCancel(tag);
    await("the two acked messages gone", () -> admin.getQueue("/", queue).messages() == 3);
  }

  /** Publishes are rendered straight from the body's bytes: every kind of body comes back byte for byte. */
  @Test
  void everyKindOfBodyAndItsPropertiesComeBackByteForByte() throws Exception {
    Channel ch = connect().createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("bodies"), true, false, false, null).queue();
    List<byte[]> bodies = List.of(
        "quote \" backslash \\ slash / tab \t newline \n".getBytes(UTF_8),
        "grüße ✓ 東京 😀".getBytes(UTF_8),
        "bell \u0007 nul \u0000".getBytes(UTF_8),
        new byte[] {(byte) 0xff, 0, 'a', (byte) 0xc3},
        new byte[0]);
    BasicProperties props = BasicProperties.builder().contentType("text/plain").deliveryMode(2)
        .headers(Map.of("k", "v \" ü")).correlationId("c-1").build();
    for (byte[] body : bodies) {
      ch.basicPublish("", queue, props, body);
    }
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    ch.basicConsume(queue, true, (t, d) -> got.add(d), t -> { });
    for (byte[] body : bodies) {
      Delivery d = next(got);
      assertThat(d.getBody()).isEqualTo(body);
      assertThat(d.getProperties().contentType()).isEqualTo("text/plain");
      assertThat(d.getProperties().deliveryMode()).isEqualTo(2);
      assertThat(d.getProperties().headers()).containsEntry("k", "v \" ü");
      assertThat(d.getProperties().correlationId()).isEqualTo("c-1");
    }
  }

  @Test
  void nackWithRequeueRedeliversFlaggedRedelivered() throws Exception {
    Channel ch = connect().createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("nack"), true, false, false, null).queue();
    ch.basicPublish("", queue, BasicProperties.builder().contentType("text/plain").headers(Map.of("k", "v")).build(),
        "again".getBytes(UTF_8));
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    ch.basicConsume(queue, false, (t, d) -> got.add(d), t -> { });
    Delivery d = next(got);
    assertThat(d.getEnvelope().isRedeliver()).isFalse();
    assertThat(d.getEnvelope().getRoutingKey()).isEqualTo(queue);
    assertThat(d.getProperties().contentType()).isEqualTo("text/plain");
    assertThat(d.getProperties().headers()).containsEntry("k", "v");
    ch.basicNack(d.getEnvelope().getDeliveryTag(), false, true);
    Delivery again = next(got);
    assertThat(again.bodyAsString()).isEqualTo("again");
    assertThat(again.getEnvelope().isRedeliver()).isTrue();
    ch.basicReject(again.getEnvelope().getDeliveryTag(), false);
    await("the rejected message dropped", () -> admin.getQueue("/", queue).messages() == 0);
  }

  @Test
  void basicGetTakesOneMessageOrAnswersNull() {
    Channel ch = connect().createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("get"), true, false, false, null).queue();
    assertThat(ch.basicGet(queue, true)).isNull();
    byte[] binary = {0, 1, 2, (byte) 0xff};
    ch.basicPublish("", queue, null, binary);
    ch.basicPublish("", queue, null, "two".getBytes(UTF_8));
    GetResponse r = ch.basicGet(queue, false);
    assertThat(r.body()).isEqualTo(binary);
    assertThat(r.messageCount()).isEqualTo(1);
    assertThat(r.deliveryTag()).isPositive();
    ch.basicAck(r.deliveryTag(), false);
    assertThat(ch.basicGet(queue, true).bodyAsString()).isEqualTo("two");
    assertThat(ch.basicGet(queue, true)).isNull();
  }

  @Test
  void mandatoryUnroutablePublishComesBackBeforeItsConfirm() throws Exception {
    Channel ch = connect().createChannel();
    String exchange = WeirTestServer.name("lonely");
    ch.exchangeDeclare(exchange, "direct");
    ch.confirmSelect();
    List<String> events = new CopyOnWriteArrayList<>();
    ch.addReturnListener(r -> events.add("return " + r.replyCode() + " " + r.replyText() + " " + r.routingKey() + " "
        + new String(r.body(), UTF_8)));
    ch.addConfirmListener((tag, m) -> events.add("ack " + tag), (tag, m) -> events.add("nack " + tag));
    ch.basicPublish(exchange, "nowhere", true, null, "lost".getBytes(UTF_8));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    assertThat(events).containsExactly("return 312 NO_ROUTE nowhere lost", "ack 1");
  }

  @Test
  void serverNamedExclusiveQueueIsDeletedWhenItsConnectionCloses() throws Exception {
    Connection c = connect();
    DeclareOk ok = c.createChannel().queueDeclare();
    assertThat(ok.getQueue()).startsWith("weir.gen-");
    Channel other = connect().createChannel();
    assertThatThrownBy(() -> other.basicGet(ok.queue(), true)).isInstanceOfSatisfying(WeirClientException.class,
        e -> assertThat(e.code()).isEqualTo(405));
    c.close();
    assertThat(c.isOpen()).isFalse();
    assertThat(c.getCloseReason().isInitiatedByApplication()).isTrue();
    await("the exclusive queue deleted", () -> {
      try {
        admin.getQueue("/", ok.queue());
        return false;
      } catch (WeirClientException e) {
        return e.status() == 404;
      }
    });
  }

  @Test
  void refusedRequestsThrowWithTheAmqpCodeAndAReasonNamingTheField() {
    Channel ch = connect().createChannel();
    String queue = WeirTestServer.name("strict");
    ch.queueDeclare(queue, true, false, false, null);
    assertThatThrownBy(() -> ch.queueDeclare(queue, false, false, false, null))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.code()).isEqualTo(406);
          assertThat(e.reason()).startsWith("durable");
        });
    assertThatThrownBy(() -> ch.queueBind(queue, "no-such-exchange", "k"))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.code()).isEqualTo(404);
          assertThat(e.error()).isEqualTo("not_found");
        });
    assertThat(ch.isOpen()).as("errors leave the channel open").isTrue();
    assertThat(ch.queuePurge(queue)).isZero();
  }

  @Test
  void unackedMessagesOfAKilledConnectionAreRedeliveredToAnotherConsumer() throws Exception {
    Channel setup = connect().createChannel();
    String queue = setup.queueDeclare(WeirTestServer.name("orphans"), true, false, false, null).queue();
    setup.basicPublish("", queue, null, "work".getBytes(UTF_8));

    Connection doomed = connect();
    Channel dc = doomed.createChannel();
    BlockingQueue<Delivery> first = new LinkedBlockingQueue<>();
    dc.basicConsume(queue, false, (t, d) -> first.add(d), t -> { });
    assertThat(next(first).getEnvelope().isRedeliver()).isFalse();
    doomed.abortSocketForTest();
    assertThat(doomed.isOpen()).isFalse();

    BlockingQueue<Delivery> second = new LinkedBlockingQueue<>();
    setup.basicConsume(queue, false, (t, d) -> second.add(d), t -> { });
    Delivery d = next(second);
    assertThat(d.bodyAsString()).isEqualTo("work");
    assertThat(d.getEnvelope().isRedeliver()).isTrue();
  }

  @Test
  void rpcClientGetsTheServersReply() throws Exception {
    Channel serverCh = connect().createChannel();
    String queue = serverCh.queueDeclare(WeirTestServer.name("rpc"), false, false, true, null).queue();
    serverCh.basicConsume(queue, true, (t, d) -> serverCh.basicPublish("", d.getProperties().replyTo(),
        BasicProperties.builder().correlationId(d.getProperties().correlationId()).build(),
        ("re: " + d.bodyAsString()).getBytes(UTF_8)), t -> { });

    try (RpcClient rpc = new RpcClient(connect().createChannel(), "", queue)) {
      assertThat(new String(rpc.primitiveCall("ping".getBytes(UTF_8), WAIT_MS), UTF_8)).isEqualTo("re: ping");
      assertThat(new String(rpc.primitiveCall("again".getBytes(UTF_8), WAIT_MS), UTF_8)).isEqualTo("re: again");
    }
  }

  @Test
  void automaticRecoveryRestoresTopologyAndConsumers() throws Exception {
    Connection c = connect(new ConnectionFactory().setAutomaticRecoveryEnabled(true)
        .setNetworkRecoveryInterval(java.time.Duration.ofMillis(100)));
    BlockingQueue<String> recoveries = new LinkedBlockingQueue<>();
    c.addRecoveryListener(() -> recoveries.add("recovered"));
    Channel ch = c.createChannel();
    String exchange = WeirTestServer.name("recover-x");
    String queue = WeirTestServer.name("recover-q");
    ch.exchangeDeclare(exchange, "topic", true);
    ch.queueDeclare(queue, false, true, false, null); // exclusive: gone with the socket, so recovery must redeclare it
    ch.queueBind(queue, exchange, "a.*");
    ch.basicQos(10);
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    ch.basicConsume(queue, false, (t, d) -> {
      got.add(d);
      ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
    }, t -> { });
    admin.basicPublish("/", exchange, "a.one", null, "before".getBytes(UTF_8));
    assertThat(next(got).bodyAsString()).isEqualTo("before");

    c.abortSocketForTest();
    assertThat(recoveries.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("recovered");
    assertThat(c.isOpen()).isTrue();
    admin.basicPublish("/", exchange, "a.two", null, "after".getBytes(UTF_8));
    Delivery after = next(got);
    assertThat(after.bodyAsString()).isEqualTo("after");
    assertThat(after.getEnvelope().getDeliveryTag()).as("tags keep growing across recovery").isEqualTo(2);
  }

  private static String frame(String method, int channel, String fields) {
    return "{\"method\":\"" + method + "\",\"channel\":" + channel + (fields.isEmpty() ? "" : "," + fields) + "}";
  }

  private static String deliver(int channel, String consumerTag, String payload) {
    return frame("basic.deliver", channel, "\"consumer_tag\":\"" + consumerTag + "\",\"delivery_tag\":0,"
        + "\"redelivered\":false,\"exchange\":\"\",\"routing_key\":\"q\",\"properties\":{},\"payload\":\""
        + payload + "\",\"payload_encoding\":\"string\"");
  }

  private static String confirm(String method, int channel, long tag, boolean multiple) {
    return frame(method, channel, "\"delivery_tag\":" + tag + ",\"multiple\":" + multiple);
  }

  @Test
  void anIncomingBatchIsHandledFrameByFrameInOrder() throws Exception {
    Connection c = connect();
    Channel ch = c.createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("batch-in"), false, false, true, null).queue();
    List<String> events = new CopyOnWriteArrayList<>();
    BlockingQueue<String> cancelled = new LinkedBlockingQueue<>();
    String tag = ch.basicConsume(queue, true, (t, d) -> events.add(d.bodyAsString()), t -> {
      events.add("cancelled");
      cancelled.add(t);
    });
    int n = ch.getChannelNumber();

    // The queue is empty: all this consumer hears comes from the batch, as the broker will send them.
    c.receiveForTest("[" + deliver(n, tag, "one") + "," + deliver(n, "nobody", "stray") + "," + deliver(n, tag, "two")
        + "," + deliver(n, tag, "three") + "," + frame("basic.cancel", n, "\"consumer_tag\":\"" + tag + "\"") + "]");

    assertThat(cancelled.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo(tag);
    assertThat(events).as("in order; a frame that cannot be handled does not stop the rest")
        .containsExactly("one", "two", "three", "cancelled");
  }

  @Test
  void aCumulativeAckInABatchLeavesPublishesNackedOrAckedBeforeAlone() throws Exception {
    Connection c = connect();
    Channel ch = c.createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("batch-confirms"), false, false, true, null).queue();
    // Numbered by the client only (no confirm.select): the broker sends no confirms, the batch plays them.
    ch.confirms.enable();
    List<String> heard = new CopyOnWriteArrayList<>();
    ch.addConfirmListener((tag, multiple) -> heard.add("ack " + tag + (multiple ? "+" : "")),
        (tag, multiple) -> heard.add("nack " + tag + (multiple ? "+" : "")));
    for (int i = 1; i <= 5; i++) {
      ch.basicPublish("", queue, null, ("m" + i).getBytes(UTF_8));
    }
    int n = ch.getChannelNumber();

    c.receiveForTest("[" + confirm("basic.nack", n, 2, false) + "," + confirm("basic.ack", n, 4, false) + ","
        + confirm("basic.ack", n, 5, true) + "]");

    assertThat(ch.waitForConfirms(WAIT_MS)).as("publish 2 stays nacked under the cumulative ack").isFalse();
    assertThat(heard).containsExactly("nack 2", "ack 4", "ack 5+");
    ch.basicPublish("", queue, null, "m6".getBytes(UTF_8));
    c.receiveForTest(confirm("basic.ack", n, 6, true));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    await("the six publishes in the queue", () -> admin.getQueue("/", queue).messages() == 6);
  }

  @Test
  void aWriteThatFailsIsALostConnectionWhichRecovers() throws Exception {
    Connection c = connect(new ConnectionFactory().setAutomaticRecoveryEnabled(true)
        .setNetworkRecoveryInterval(java.time.Duration.ofMillis(100)));
    BlockingQueue<String> recoveries = new LinkedBlockingQueue<>();
    c.addRecoveryListener(() -> recoveries.add("recovered"));
    Channel ch = c.createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("write-fails"), true, false, false, null).queue();
    ch.confirmSelect();
    List<String> heard = new CopyOnWriteArrayList<>();
    ch.addConfirmListener((tag, multiple) -> heard.add("ack " + tag), (tag, multiple) -> heard.add("nack " + tag));

    c.abortSocketSilentlyForTest();
    ch.basicPublish("", queue, null, "lost".getBytes(UTF_8)); // queued; the writer finds the socket gone

    assertThat(recoveries.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("recovered");
    assertThat(ch.waitForConfirms(WAIT_MS)).as("the publish that never went out").isFalse();
    ch.basicPublish("", queue, null, "after".getBytes(UTF_8));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    assertThat(heard).containsExactly("nack 1", "ack 2");
    assertThat(admin.getQueue("/", queue).messages()).isEqualTo(1);
  }

  @Test
  void heartbeatsKeepAnIdleConnectionOpenPastTwoIntervals() throws Exception {
    Connection c = connect(new ConnectionFactory().setRequestedHeartbeat(1));
    assertThat(c.getHeartbeat()).isEqualTo(1);
    Channel ch = c.createChannel();
    Thread.sleep(3_000); // the behaviour under test is idleness itself: three granted intervals without a request
    assertThat(c.isOpen()).isTrue();
    assertThat(ch.queueDeclare().queue()).startsWith("weir.gen-");
  }

  @Test
  void blockedListenersHearTheBrokersResourceAlarmsAndHeldPublishesAreConfirmedAfter() throws Exception {
    Connection c = connect();
    BlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
    c.addBlockedListener(new BlockedListener() {
      @Override
      public void handleBlocked(String reason) {
        heard.add("blocked: " + reason);
      }

      @Override
      public void handleUnblocked() {
        heard.add("unblocked");
      }
    });
    Channel ch = c.createChannel();
    ch.confirmSelect();
    String queue = ch.queueDeclare(WeirTestServer.name("alarm"), true, false, false, null).queue();
    ch.basicPublish("", queue, null, "first".getBytes());
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();

    server.alarms().setDiskFreeLimit(Long.MAX_VALUE);
    server.alarms().check();
    try {
      assertThat(heard.poll(WAIT_MS, TimeUnit.MILLISECONDS)).startsWith("blocked: disk");
      ch.basicPublish("", queue, null, "second".getBytes());
      ch.basicPublish("", queue, null, "third".getBytes());
    } finally {
      server.alarms().setDiskFreeLimit(0);
      server.alarms().check();
    }
    assertThat(heard.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("unblocked");
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    assertThat(admin.getQueue("/", queue).messages()).isEqualTo(3);
  }
}
