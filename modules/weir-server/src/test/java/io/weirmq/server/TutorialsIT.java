package io.weirmq.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.client.BasicProperties;
import io.weirmq.client.Channel;
import io.weirmq.client.Connection;
import io.weirmq.client.ConnectionFactory;
import io.weirmq.client.Delivery;
import io.weirmq.client.Return;
import io.weirmq.client.RpcClient;
import io.weirmq.client.WeirClientException;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RabbitMQ's six tutorials (plus headers routing and redelivery after a consumer dies), run with the
 * Java client against the packaged jar started as a real process, asserting what a user of the
 * tutorials would see. One broker for the class; each test uses its own names.
 *
 * <p>Negative checks ("nothing else arrived") use a sentinel: one last message routed to every queue
 * under test, published after the others on the same channel. Queues are FIFO and a channel's publishes
 * are routed in order, so anything misrouted would have arrived before the sentinel.
 */
class TutorialsIT {

  private static final long WAIT_MS = 15_000;
  private static final String SENTINEL = "sentinel";

  @TempDir static Path dataDir;
  private static Process node;
  private static int port;
  private static int httpPort;
  private static Path logFile;
  private static ConnectionFactory factory;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBroker() throws Exception {
    port = freePort();
    httpPort = freePort();
    startNode();
    factory = new ConnectionFactory().setHost("127.0.0.1").setPort(httpPort);
  }

  /** Starts the jar on the class's data dir and ports; its log is appended to, across restarts. */
  private static void startNode() throws Exception {
    Path jar = Path.of(System.getProperty("weir.server.jar"));
    assertThat(jar).exists();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString());
    pb.environment().put("WEIR_DATA_DIR", dataDir.resolve("data").toString());
    pb.environment().put("WEIR_REMOTING_PORT", Integer.toString(port));
    pb.environment().put("WEIR_HTTP_PORT", Integer.toString(httpPort));
    pb.redirectErrorStream(true);
    logFile = dataDir.resolve("node.log"); // a file, not a pipe: nothing to drain, nothing lost at exit
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    int readyBefore = count(log(), "WeirMQ node ready");
    node = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (count(log(), "WeirMQ node ready") == readyBefore && node.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100); // polling the log for readiness, with a deadline
    }
    // The HTTP API is bound before the node reports ready.
    assertThat(count(log(), "WeirMQ node ready")).as("startup log:%n%s", log()).isGreaterThan(readyBefore);
    assertThat(log()).contains("HTTP API on http://127.0.0.1:" + httpPort);
  }

  /** SIGTERM, as an operator stops it; waits for the process to end. */
  private static void stopNode() throws Exception {
    try {
      node.destroy();
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
    } finally {
      node.destroyForcibly();
    }
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (node == null) {
      return;
    }
    stopNode();
    assertThat(log()).as("no errors in the broker log").doesNotContain(" ERROR ");
  }

  @AfterEach
  void closeConnections() {
    for (Connection c : connections) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // already gone (aborted by the test)
      }
    }
  }

  // ---------------------------------------------------------------- 1. "Hello World!"

  @Test
  void helloWorldProducerToQueueToConsumer() throws Exception {
    Channel consumer = connect().createChannel();
    consumer.queueDeclare("hello", false, false, false, null);
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    consumer.basicConsume("hello", true, (tag, d) -> got.add(d), tag -> { });

    Channel producer = connect().createChannel();
    producer.queueDeclare("hello", false, false, false, null); // idempotent, as both tutorial programs do
    producer.basicPublish("", "hello", null, "Hello World!".getBytes(UTF_8));

    Delivery d = next(got);
    assertThat(d.bodyAsString()).isEqualTo("Hello World!");
    assertThat(d.getEnvelope().getExchange()).isEmpty();
    assertThat(d.getEnvelope().getRoutingKey()).isEqualTo("hello");
    assertThat(d.getEnvelope().isRedeliver()).isFalse();
    assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("one publish, one delivery").isNull();
  }

  // ---------------------------------------------------------------- 2. Work queues

  @Test
  void workQueuesDispatchFairlyWithPrefetchOneAndEveryTaskIsDoneOnce() throws Exception {
    String queue = "task_queue";
    int tasks = 20;
    Channel setup = connect().createChannel();
    setup.queueDeclare(queue, true, false, false, null);

    // Each worker on its own connection: deliveries of one connection run on one thread, so a slow
    // worker sharing it would hold up the fast one too.
    Map<String, List<String>> doneBy = new ConcurrentHashMap<>();
    BlockingQueue<Delivery> done = new LinkedBlockingQueue<>();
    startWorker("fast", queue, 0, doneBy, done);
    startWorker("slow", queue, 300, doneBy, done);

    Channel producer = connect().createChannel();
    producer.confirmSelect();
    for (int i = 0; i < tasks; i++) {
      producer.basicPublish("", queue, BasicProperties.PERSISTENT, ("task-" + i).getBytes(UTF_8));
    }
    producer.waitForConfirmsOrDie(WAIT_MS);

    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      Delivery d = next(done);
      assertThat(d.getProperties().deliveryMode()).as("persistent").isEqualTo(2);
      assertThat(d.getEnvelope().isRedeliver()).isFalse();
      bodies.add(d.bodyAsString());
    }
    assertThat(bodies).as("every task done exactly once").doesNotHaveDuplicates().hasSize(tasks);
    List<String> fast = doneBy.getOrDefault("fast", List.of());
    List<String> slow = doneBy.getOrDefault("slow", List.of());
    assertThat(slow).as("the slow worker (fast did %s)", fast).isNotEmpty();
    assertThat(slow.size()).as("fair dispatch: slow %s, fast %s", slow, fast).isLessThan(fast.size());
    assertThat(fast.size() + slow.size()).isEqualTo(tasks);

    // Every ack reached the broker: the queue is empty and nothing more comes.
    producer.basicPublish("", queue, BasicProperties.PERSISTENT, SENTINEL.getBytes(UTF_8));
    assertThat(next(done).bodyAsString()).isEqualTo(SENTINEL);
    assertThat(setup.queueDeclare(queue, true, false, false, null).messageCount()).isZero();
  }

  private void startWorker(String name, String queue, long workMs, Map<String, List<String>> doneBy,
      BlockingQueue<Delivery> done) {
    Channel ch = connect().createChannel();
    ch.queueDeclare(queue, true, false, false, null);
    ch.basicQos(1);
    ch.basicConsume(queue, false, (tag, d) -> {
      if (workMs > 0) {
        Thread.sleep(workMs); // the work itself: this worker is slow on purpose
      }
      doneBy.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(d.bodyAsString());
      ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
      done.add(d);
    }, tag -> { });
  }

  /** Tutorial 2's point about durability: a durable queue's persistent messages outlive the broker. */
  @Test
  void durableQueueAndPersistentMessagesSurviveABrokerRestart() throws Exception {
    Connection before = connect();
    Channel ch = before.createChannel();
    ch.queueDeclare("durable_tasks", true, false, false, null);
    ch.queueDeclare("transient_tasks", false, false, false, null);
    ch.confirmSelect();
    for (int i = 0; i < 3; i++) {
      ch.basicPublish("", "durable_tasks", BasicProperties.PERSISTENT, ("kept-" + i).getBytes(UTF_8));
    }
    ch.basicPublish("", "transient_tasks", null, "lost".getBytes(UTF_8));
    ch.waitForConfirmsOrDie(WAIT_MS);
    before.close();

    stopNode();
    startNode();

    Channel after = connect().createChannel();
    assertThat(after.queueDeclare("transient_tasks", false, false, false, null).messageCount())
        .as("a non-durable queue does not outlive the broker; declaring it makes a new, empty one").isZero();
    assertThat(after.queueDeclare("durable_tasks", true, false, false, null).messageCount()).isEqualTo(3);
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    after.basicConsume("durable_tasks", false, (tag, d) -> {
      got.add(d);
      after.basicAck(d.getEnvelope().getDeliveryTag(), false);
    }, tag -> { });
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Delivery d = next(got);
      assertThat(d.getProperties().deliveryMode()).isEqualTo(2);
      bodies.add(d.bodyAsString());
    }
    assertThat(bodies).containsExactly("kept-0", "kept-1", "kept-2");
  }

  // ---------------------------------------------------------------- 3. Publish/Subscribe

  @Test
  void fanoutDeliversEveryMessageToEveryServerNamedQueue() throws Exception {
    String exchange = "logs";
    Channel ch = connect().createChannel();
    ch.exchangeDeclare(exchange, "fanout");

    Connection sub1 = connect();
    Connection sub2 = connect();
    String q1 = subscribe(sub1, exchange, "");
    String q2 = subscribe(sub2, exchange, "");
    assertThat(q1).isNotBlank().isNotEqualTo(q2);
    BlockingQueue<Delivery> got1 = consume(sub1.createChannel(), q1);
    BlockingQueue<Delivery> got2 = consume(sub2.createChannel(), q2);

    List<String> sent = List.of("log-1", "log-2", "log-3", "log-4", "log-5");
    for (String m : sent) {
      ch.basicPublish(exchange, "", null, m.getBytes(UTF_8));
    }
    ch.basicPublish(exchange, "ignored-by-fanout", null, SENTINEL.getBytes(UTF_8));
    List<String> expected = new ArrayList<>(sent);
    expected.add(SENTINEL);
    assertThat(bodiesUntilSentinel(got1)).isEqualTo(expected);
    assertThat(bodiesUntilSentinel(got2)).isEqualTo(expected);

    // Exclusive: another connection may not consume from a subscriber's queue.
    Channel other = connect().createChannel();
    assertThatThrownBy(() -> other.basicConsume(q1, true, (t, d) -> { }, t -> { }))
        .isInstanceOf(WeirClientException.class)
        .satisfies(e -> assertThat(((WeirClientException) e).code()).isEqualTo(405));
  }

  private static String subscribe(Connection c, String exchange, String... keys) {
    Channel ch = c.createChannel();
    String q = ch.queueDeclare().getQueue();
    for (String key : keys) {
      ch.queueBind(q, exchange, key);
    }
    return q;
  }

  // ---------------------------------------------------------------- 4. Routing

  @Test
  void directExchangeRoutesBySeverity() throws Exception {
    String exchange = "direct_logs";
    Channel ch = connect().createChannel();
    ch.exchangeDeclare(exchange, "direct");

    Connection errorsOnly = connect();
    Connection everything = connect();
    String qErrors = subscribe(errorsOnly, exchange, "error");
    String qAll = subscribe(everything, exchange, "info", "warning", "error");
    BlockingQueue<Delivery> gotErrors = consume(errorsOnly.createChannel(), qErrors);
    BlockingQueue<Delivery> gotAll = consume(everything.createChannel(), qAll);

    for (String severity : List.of("info", "warning", "error", "debug", "info")) {
      ch.basicPublish(exchange, severity, null, (severity + ": something happened").getBytes(UTF_8));
    }
    ch.basicPublish(exchange, "error", null, SENTINEL.getBytes(UTF_8));

    assertThat(routingKeysUntilSentinel(gotErrors)).containsExactly("error", "error");
    assertThat(routingKeysUntilSentinel(gotAll)).containsExactly("info", "warning", "error", "info", "error");
  }

  // ---------------------------------------------------------------- 5. Topics

  @Test
  void topicExchangeMatchesTheTutorialsExamples() throws Exception {
    String exchange = "topic_logs";
    Channel ch = connect().createChannel();
    ch.exchangeDeclare(exchange, "topic");

    Connection c1 = connect();
    Connection c2 = connect();
    String q1 = subscribe(c1, exchange, "*.orange.*");
    String q2 = subscribe(c2, exchange, "*.*.rabbit", "lazy.#");
    BlockingQueue<Delivery> got1 = consume(c1.createChannel(), q1);
    BlockingQueue<Delivery> got2 = consume(c2.createChannel(), q2);

    // Unroutable publishes come back when mandatory, before their confirm.
    List<String> returned = new CopyOnWriteArrayList<>();
    ch.addReturnListener((Return r) -> returned.add(r.routingKey()));
    ch.confirmSelect();
    List<String> keys = List.of("quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "lazy.brown.fox",
        "lazy.pink.rabbit", "quick.brown.fox", "orange", "quick.orange.new.rabbit", "lazy.orange.new.rabbit",
        "quick.orange.male.rabbit", "lazy.orange.male.rabbit", "lazy");
    for (String key : keys) {
      ch.basicPublish(exchange, key, true, null, key.getBytes(UTF_8));
    }
    ch.basicPublish(exchange, "end.orange.rabbit", true, null, SENTINEL.getBytes(UTF_8));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();

    assertThat(routingKeysUntilSentinel(got1))
        .containsExactly("quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "end.orange.rabbit");
    assertThat(routingKeysUntilSentinel(got2))
        .as("lazy.pink.rabbit matches both of Q2's bindings and arrives once")
        .containsExactly("quick.orange.rabbit", "lazy.orange.elephant", "lazy.brown.fox", "lazy.pink.rabbit",
            "lazy.orange.new.rabbit", "lazy.orange.male.rabbit", "lazy", "end.orange.rabbit");
    assertThat(returned).as("returned as unroutable")
        .containsExactly("quick.brown.fox", "orange", "quick.orange.new.rabbit", "quick.orange.male.rabbit");
  }

  // ---------------------------------------------------------------- 6. RPC

  @Test
  void rpcServerAnswersFibonacciToReplyToWithTheCorrelationId() throws Exception {
    Channel server = connect().createChannel();
    server.queueDeclare("rpc_queue", false, false, false, null);
    server.queuePurge("rpc_queue");
    server.basicQos(1);
    List<BasicProperties> requests = new CopyOnWriteArrayList<>();
    server.basicConsume("rpc_queue", false, (tag, d) -> {
      requests.add(d.getProperties());
      int n = Integer.parseInt(d.bodyAsString());
      BasicProperties reply = BasicProperties.builder().correlationId(d.getProperties().correlationId()).build();
      server.basicPublish("", d.getProperties().replyTo(), reply, Long.toString(fib(n)).getBytes(UTF_8));
      server.basicAck(d.getEnvelope().getDeliveryTag(), false);
    }, tag -> { });

    Channel client = connect().createChannel();
    try (RpcClient rpc = new RpcClient(client, "", "rpc_queue")) {
      Map<Integer, String> answers = new LinkedHashMap<>();
      for (int n : new int[] {0, 1, 2, 3, 10, 20, 30}) {
        answers.put(n, new String(rpc.primitiveCall(Integer.toString(n).getBytes(UTF_8), WAIT_MS), UTF_8));
      }
      assertThat(answers).containsExactly(Map.entry(0, "0"), Map.entry(1, "1"), Map.entry(2, "1"), Map.entry(3, "2"),
          Map.entry(10, "55"), Map.entry(20, "6765"), Map.entry(30, "832040"));
      assertThat(requests).hasSize(7).allSatisfy(p -> assertThat(p.replyTo()).isEqualTo(rpc.getReplyQueue()));
      assertThat(requests.stream().map(BasicProperties::correlationId).toList())
          .doesNotContainNull().doesNotHaveDuplicates();
    }
  }

  private static long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }

  // ---------------------------------------------------------------- headers routing

  @Test
  void headersExchangeRoutesByXMatchAllAndAny() throws Exception {
    String exchange = "header_logs";
    Channel ch = connect().createChannel();
    ch.exchangeDeclare(exchange, "headers");

    Connection cAll = connect();
    Connection cAny = connect();
    // Exclusive queues: bound by the connection that owns them.
    Channel chAll = cAll.createChannel();
    Channel chAny = cAny.createChannel();
    String qAll = chAll.queueDeclare().getQueue();
    String qAny = chAny.queueDeclare().getQueue();
    chAll.queueBind(qAll, exchange, "", Map.of("x-match", "all", "format", "pdf", "type", "report"));
    chAny.queueBind(qAny, exchange, "", Map.of("x-match", "any", "format", "pdf", "type", "log"));
    BlockingQueue<Delivery> gotAll = consume(cAll.createChannel(), qAll);
    BlockingQueue<Delivery> gotAny = consume(cAny.createChannel(), qAny);

    List<String> returned = new CopyOnWriteArrayList<>();
    ch.addReturnListener((Return r) -> returned.add(new String(r.body(), UTF_8)));
    ch.confirmSelect();
    Map<String, Map<String, Object>> messages = new LinkedHashMap<>();
    messages.put("pdf-report", Map.of("format", "pdf", "type", "report"));
    messages.put("pdf", Map.of("format", "pdf"));
    messages.put("log", Map.of("type", "log"));
    messages.put("zip-report", Map.of("format", "zip", "type", "report"));
    messages.put("pdf-report-extra", Map.of("format", "pdf", "type", "report", "extra", "yes"));
    messages.put("no-headers", Map.of());
    messages.put("report", Map.of("type", "report"));
    messages.put(SENTINEL, Map.of("format", "pdf", "type", "report"));
    messages.forEach((body, headers) -> ch.basicPublish(exchange, "any-key-is-ignored", true,
        BasicProperties.builder().headers(headers).build(), body.getBytes(UTF_8)));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();

    assertThat(bodiesUntilSentinel(gotAll)).containsExactly("pdf-report", "pdf-report-extra", SENTINEL);
    assertThat(bodiesUntilSentinel(gotAny)).containsExactly("pdf-report", "pdf", "log", "pdf-report-extra", SENTINEL);
    assertThat(returned).containsExactly("zip-report", "no-headers", "report");
  }

  // ---------------------------------------------------------------- a consumer dies with unacked messages

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"close", "abort"})
  void unackedMessagesOfAClosedConsumerAreRedeliveredFlaggedToAnother(String how) throws Exception {
    String queue = "redelivery-" + how;
    int total = 10;
    int prefetch = 4;
    Channel producer = connect().createChannel();
    producer.queueDeclare(queue, true, false, false, null);
    producer.confirmSelect();
    for (int i = 0; i < total; i++) {
      producer.basicPublish("", queue, BasicProperties.PERSISTENT, ("m" + i).getBytes(UTF_8));
    }
    producer.waitForConfirmsOrDie(WAIT_MS);

    Connection doomed = connect();
    Channel first = doomed.createChannel();
    first.basicQos(prefetch);
    BlockingQueue<Delivery> firstGot = new LinkedBlockingQueue<>();
    first.basicConsume(queue, false, (tag, d) -> firstGot.add(d), tag -> { });
    Set<String> heldUnacked = new HashSet<>();
    for (int i = 0; i < prefetch; i++) {
      Delivery d = next(firstGot);
      assertThat(d.getEnvelope().isRedeliver()).isFalse();
      heldUnacked.add(d.bodyAsString());
    }
    if (how.equals("abort")) {
      abortSocket(doomed); // the socket drops without a connection.close
    } else {
      doomed.close(); // a clean close, still without acking
    }

    Channel second = connect().createChannel();
    BlockingQueue<Delivery> secondGot = new LinkedBlockingQueue<>();
    second.basicConsume(queue, false, (tag, d) -> {
      secondGot.add(d);
      second.basicAck(d.getEnvelope().getDeliveryTag(), false);
    }, tag -> { });
    Map<String, List<Boolean>> redeliveredFlags = new HashMap<>();
    for (int i = 0; i < total; i++) {
      Delivery d = next(secondGot);
      redeliveredFlags.computeIfAbsent(d.bodyAsString(), k -> new ArrayList<>()).add(d.getEnvelope().isRedeliver());
    }
    producer.basicPublish("", queue, BasicProperties.PERSISTENT, SENTINEL.getBytes(UTF_8));
    assertThat(next(secondGot).bodyAsString()).as("nothing delivered twice").isEqualTo(SENTINEL);

    assertThat(redeliveredFlags).as("nothing lost").hasSize(total);
    redeliveredFlags.forEach((body, flags) -> assertThat(flags).as("%s delivered to the second consumer", body)
        .containsExactly(heldUnacked.contains(body)));
    assertThat(firstGot).as("the closed consumer got nothing more").isEmpty();
  }

  /** The client's test hook (package-private) that drops the socket as a network failure would. */
  private static void abortSocket(Connection c) throws Exception {
    Method m = Connection.class.getDeclaredMethod("abortSocketForTest");
    m.setAccessible(true);
    m.invoke(c);
  }

  // ---------------------------------------------------------------- helpers

  private Connection connect() {
    Connection c = factory.newConnection();
    connections.add(c);
    return c;
  }

  private static BlockingQueue<Delivery> consume(Channel ch, String queue) {
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    ch.basicConsume(queue, true, (tag, d) -> got.add(d), tag -> { });
    return got;
  }

  private static Delivery next(BlockingQueue<Delivery> q) throws InterruptedException {
    Delivery d = q.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(d).as("a delivery within %d ms", WAIT_MS).isNotNull();
    return d;
  }

  private static List<Delivery> deliveriesUntilSentinel(BlockingQueue<Delivery> q) throws InterruptedException {
    List<Delivery> out = new ArrayList<>();
    Delivery d;
    do {
      d = next(q);
      out.add(d);
    } while (!d.bodyAsString().equals(SENTINEL));
    return out;
  }

  private static List<String> bodiesUntilSentinel(BlockingQueue<Delivery> q) throws InterruptedException {
    return deliveriesUntilSentinel(q).stream().map(Delivery::bodyAsString).toList();
  }

  private static List<String> routingKeysUntilSentinel(BlockingQueue<Delivery> q) throws InterruptedException {
    return deliveriesUntilSentinel(q).stream().map(d -> d.getEnvelope().getRoutingKey()).toList();
  }

  private static String log() throws IOException {
    return Files.exists(logFile) ? Files.readString(logFile, UTF_8) : "";
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
