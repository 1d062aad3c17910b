package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames the client sends while its socket is writing go out together, as batches (JSON arrays), to
 * a real server, which would close the connection over a malformed or oversized one.
 */
class WsBatchingTest {

  private static final long WAIT_MS = 30_000;

  @TempDir static Path dataDir;
  private static WeirTestServer server;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    server = WeirTestServer.start(dataDir);
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

  private Connection connect(ConnectionFactory factory) {
    Connection c = factory.setUri(server.uri()).newConnection();
    connections.add(c);
    return c;
  }

  /** Consumes {@code count} messages with manual acks (acked one by one, so the acks batch too). */
  private static List<String> consume(Channel ch, String queue, int count) throws InterruptedException {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    ch.basicQos(200);
    ch.basicConsume(queue, false, (t, d) -> {
      got.add(d.bodyAsString());
      ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
    }, t -> { });
    List<String> bodies = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (bodies.size() < count) {
      String body = got.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(body).as("delivery %d of %d within %d ms", bodies.size() + 1, count, WAIT_MS).isNotNull();
      bodies.add(body);
    }
    assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
    return bodies;
  }

  private static List<String> numbered(String prefix, int count) {
    List<String> bodies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      bodies.add(prefix + i);
    }
    return bodies;
  }

  @Test
  void publishesFromOneThreadGoOutInFewerMessagesThanFramesAndAreAllConfirmedAndConsumedInOrder() throws Exception {
    Connection c = connect(new ConnectionFactory());
    Channel ch = c.createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("one-thread"), true, false, false, null).queue();
    ch.confirmSelect();
    int n = 2_000;
    long frames0 = c.framesSentForTest();
    long messages0 = c.messagesSentForTest();

    for (String body : numbered("m", n)) {
      ch.basicPublish("", queue, BasicProperties.PERSISTENT, body.getBytes(UTF_8));
    }

    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    long frames = c.framesSentForTest() - frames0;
    long messages = c.messagesSentForTest() - messages0;
    assertThat(frames).isEqualTo(n);
    assertThat(messages).as("messages carrying the %d publishes", n).isLessThan(frames);
    assertThat(consume(ch, queue, n)).containsExactlyElementsOf(numbered("m", n));
  }

  @Test
  void framesFromSeveralThreadsInterleaveWithoutLossOrCorruption() throws Exception {
    Connection c = connect(new ConnectionFactory());
    Channel setup = c.createChannel();
    String queue = setup.queueDeclare(WeirTestServer.name("threads"), true, false, false, null).queue();
    String other = setup.queueDeclare(WeirTestServer.name("threads-rpc"), false, false, true, null).queue();
    int threads = 4;
    int n = 500;
    List<Channel> channels = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Channel ch = c.createChannel();
      ch.confirmSelect();
      channels.add(ch);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> publishers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Channel ch = channels.get(t);
        String prefix = "t" + t + "-";
        publishers.add(pool.submit(() -> {
          go.await();
          for (String body : numbered(prefix, n)) {
            ch.basicPublish("", queue, null, body.getBytes(UTF_8));
          }
          return ch.waitForConfirms(WAIT_MS);
        }));
      }
      // Requests and their replies among the publishes: each reply must find its caller.
      Future<Long> rpcs = pool.submit(() -> {
        go.await();
        long purged = 0;
        for (int i = 0; i < 50; i++) {
          purged += setup.queuePurge(other);
        }
        return purged;
      });
      go.countDown();
      for (Future<Boolean> p : publishers) {
        assertThat(p.get(WAIT_MS, TimeUnit.MILLISECONDS)).as("every publish acked").isTrue();
      }
      assertThat(rpcs.get(WAIT_MS, TimeUnit.MILLISECONDS)).isZero();
    } finally {
      pool.shutdownNow();
    }

    List<String> bodies = consume(setup, queue, threads * n);
    Map<String, List<String>> byThread = new HashMap<>();
    for (String body : bodies) {
      byThread.computeIfAbsent(body.substring(0, body.indexOf('-') + 1), k -> new ArrayList<>()).add(body);
    }
    assertThat(byThread).hasSize(threads);
    byThread.forEach((prefix, got) -> assertThat(got).as("publishes of %s, in their order", prefix)
        .containsExactlyElementsOf(numbered(prefix, n)));
    assertThat(c.isOpen()).isTrue();
    assertThat(c.messagesSentForTest()).isLessThan(c.framesSentForTest());
  }

  @Test
  void aBatchNeverHoldsMoreFramesThanTheSetting() throws Exception {
    Connection c = connect(new ConnectionFactory().setMaxBatchFrames(3));
    Channel ch = c.createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("cap-frames"), true, false, false, null).queue();
    ch.confirmSelect();
    int n = 600;
    long frames0 = c.framesSentForTest();
    long messages0 = c.messagesSentForTest();

    for (String body : numbered("m", n)) {
      ch.basicPublish("", queue, null, body.getBytes(UTF_8));
    }

    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    long messages = c.messagesSentForTest() - messages0;
    assertThat(c.framesSentForTest() - frames0).isEqualTo(n);
    assertThat(messages).isBetween((long) n / 3, (long) n - 1);
  }

  @Test
  void aBatchNeverExceedsTheBrokersMessageLimit() throws Exception {
    // The test broker takes messages of at most 64 KiB and closes the connection over a larger one.
    Connection c = connect(new ConnectionFactory());
    Channel ch = c.createChannel();
    String queue = ch.queueDeclare(WeirTestServer.name("cap-bytes"), false, false, true, null).queue();
    ch.confirmSelect();
    char[] pad = new char[10_000];
    Arrays.fill(pad, 'x');
    int n = 300;
    long frames0 = c.framesSentForTest();
    long messages0 = c.messagesSentForTest();

    for (int i = 0; i < n; i++) {
      ch.basicPublish("", queue, null, (i + " " + new String(pad)).getBytes(UTF_8));
    }

    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    assertThat(c.isOpen()).isTrue();
    long frames = c.framesSentForTest() - frames0;
    long messages = c.messagesSentForTest() - messages0;
    assertThat(frames).isEqualTo(n);
    assertThat(messages * 6).as("at most six 10 KB frames fit in 64 KiB").isGreaterThanOrEqualTo(frames);
  }

  @Test
  void aPublisherWhoseSocketDoesNotDrainWaitsAtTheQueueBoundThenFails() throws Exception {
    int bound = 8;
    Duration timeout = Duration.ofSeconds(2);
    Connection c = connect(new ConnectionFactory().setMaxQueuedFrames(bound).setChannelRpcTimeout(timeout));
    Channel ch = c.createChannel();
    String exchange = WeirTestServer.name("no-route");
    ch.exchangeDeclare(exchange, "direct");
    // The reader thread stops at the first return: the broker's returns pile up until its flow control
    // stops reading our socket (docs/protocol.md, "Flow control"), and then our socket does not drain.
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger returned = new AtomicInteger();
    ch.addReturnListener(r -> {
      returned.incrementAndGet();
      release.await();
    });
    byte[] body = new byte[8 * 1024];
    Arrays.fill(body, (byte) 'x');
    int published = 0;
    int mostQueued = 0;
    long refusedAfterNanos = 0;
    WeirConnectionException refused = null;
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS * 2);
      while (refused == null && System.nanoTime() < deadline) {
        long t0 = System.nanoTime();
        try {
          ch.basicPublish(exchange, "nowhere", true, null, body);
          published++;
        } catch (WeirConnectionException e) {
          refused = e;
          refusedAfterNanos = System.nanoTime() - t0;
        }
        mostQueued = Math.max(mostQueued, c.queuedFramesForTest());
      }

      assertThat(refused).as("a publish refused once the queue stayed full (after %d publishes)", published)
          .isNotNull();
      assertThat(refused).hasMessageContaining("basic.publish").hasMessageContaining("did not take");
      assertThat(refusedAfterNanos).as("it waited for room as long as the rpc timeout")
          .isGreaterThanOrEqualTo(timeout.toNanos() - TimeUnit.MILLISECONDS.toNanos(50));
      assertThat(mostQueued).isLessThanOrEqualTo(bound);
      assertThat(c.isOpen()).as("a full queue is not a lost connection").isTrue();
    } finally {
      release.countDown();
    }
    int expected = published;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (returned.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20); // polling a condition, with a deadline
    }
    assertThat(returned.get()).as("every queued publish went out and came back").isEqualTo(expected);
    assertThat(ch.queueDeclare().queue()).startsWith("weir.gen-");
  }
}
