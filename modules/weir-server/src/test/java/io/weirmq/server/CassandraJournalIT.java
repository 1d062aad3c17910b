package io.weirmq.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.weirmq.client.BasicProperties;
import io.weirmq.client.Channel;
import io.weirmq.client.Connection;
import io.weirmq.client.ConnectionFactory;
import io.weirmq.client.Delivery;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged node on a real Cassandra 5, as a cluster node runs it: {@link LocalCassandra} starts
 * Cassandra with {@code cassandra-local} on free loopback ports with a temporary data directory and applies
 * the schema file (the cluster profile does not let the plugin create tables), and the
 * node, with the cluster profile pointed at that Cassandra, publishes confirmed persistent messages.
 * After a kill -9 and after a clean restart of the node every confirmed message is consumed, and after
 * the acks and one more restart none comes back. Cassandra is stopped whatever happens.
 */
class CassandraJournalIT {

  private static final String QUEUE = "cassandra-orders";
  private static final int PER_ROUND = 300;
  private static final long CONFIRM_TIMEOUT_MS = 60_000;

  @TempDir static Path dir;
  private static LocalCassandra cassandra;
  private static int cqlPort;

  private static int remotingPort;
  private static int httpPort;
  private static Path nodeLog;
  private static Process node;

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "CassandraJournalIT");
    cqlPort = cassandra.cqlPort();
    List<Integer> p = LocalCassandra.freePorts(2);
    remotingPort = p.get(0);
    httpPort = p.get(1);
    nodeLog = dir.resolve("node.log");
  }

  @AfterAll
  static void stopCassandra() throws Exception {
    try {
      if (node != null) {
        node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } finally {
      if (cassandra != null) {
        cassandra.close();
      }
    }
  }

  @Test
  void confirmedMessagesOnCassandraSurviveAKillNineAndARestartAndAckedOnesStayGone() throws Exception {
    Set<String> confirmed = new TreeSet<>();

    startNode();
    publishConfirmed(1, confirmed);
    node.destroyForcibly(); // kill -9: only what Cassandra holds is left
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();

    startNode();
    publishConfirmed(PER_ROUND + 1, confirmed);
    stopNode();

    startNode();
    Map<String, Integer> received = consumeAndAckAll(confirmed.size());
    Set<String> lost = new TreeSet<>(confirmed);
    lost.removeAll(received.keySet());
    assertThat(lost).as("confirmed but not consumed after the restarts").isEmpty();
    assertThat(received.keySet()).as("nothing that was not published").isEqualTo(confirmed);
    assertThat(received.values()).as("each message delivered once").containsOnly(1);
    stopNode();

    startNode();
    try (Connection c = connect()) {
      assertThat(c.createChannel().queueDeclare(QUEUE, true, false, false, null).messageCount())
          .as("acked messages are gone after a restart").isZero();
    }
    stopNode();
    assertThat(Files.readString(nodeLog, UTF_8)).as("no errors in the node log").doesNotContain(" ERROR ")
        .contains("journal plugin akka.persistence.cassandra.journal");
    assertTheJournalAndSnapshotsAreInCassandra();
  }

  /** The node wrote to this Cassandra's tables, not to some other journal. */
  private static void assertTheJournalAndSnapshotsAreInCassandra() {
    try (CqlSession cql = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", cqlPort))
        .withLocalDatacenter("datacenter1").build()) {
      long events = cql.execute("SELECT count(*) FROM weirmq.messages").one().getLong(0);
      long snapshots = cql.execute("SELECT count(*) FROM weirmq_snapshot.snapshots").one().getLong(0);
      System.out.printf("CassandraJournalIT: %d events and %d snapshots in Cassandra%n", events, snapshots);
      assertThat(events).as("events in weirmq.messages").isPositive();
      assertThat(snapshots).as("snapshots in weirmq_snapshot.snapshots").isPositive();
    }
  }

  /** Publishes PER_ROUND persistent messages numbered from {@code first}, waiting for their confirms. */
  private static void publishConfirmed(int first, Set<String> confirmed) throws Exception {
    try (Connection c = connect()) {
      Channel ch = c.createChannel();
      ch.queueDeclare(QUEUE, true, false, false, null);
      ch.confirmSelect();
      List<String> batch = new ArrayList<>();
      for (int i = first; i < first + PER_ROUND; i++) {
        String body = "m" + i;
        ch.basicPublish("", QUEUE, BasicProperties.PERSISTENT, body.getBytes(UTF_8));
        batch.add(body);
        if (batch.size() == 50) {
          ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
          confirmed.addAll(batch);
          batch.clear();
        }
      }
      ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
      confirmed.addAll(batch);
    }
  }

  private static Map<String, Integer> consumeAndAckAll(int expected) throws Exception {
    Map<String, Integer> received = new TreeMap<>();
    try (Connection c = connect()) {
      Channel ch = c.createChannel();
      assertThat(ch.queueDeclare(QUEUE, true, false, false, null).messageCount())
          .as("messages in the queue after the restarts").isEqualTo(expected);
      ch.basicQos(100);
      BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
      ch.basicConsume(QUEUE, false, (tag, d) -> got.add(d), tag -> { });
      Delivery d;
      while ((d = got.poll(received.size() < expected ? 30 : 2, TimeUnit.SECONDS)) != null) {
        received.merge(d.bodyAsString(), 1, Integer::sum);
        ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
      }
      // Acks are asynchronous: wait until the queue has settled them before the node is stopped.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      long left;
      while ((left = ch.queueDeclare(QUEUE, true, false, false, null).messageCount()) > 0
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(left).as("messages left after acking all").isZero();
    }
    return received;
  }

  private static Connection connect() {
    return new ConnectionFactory().setHost("127.0.0.1").setPort(httpPort).setAutomaticRecoveryEnabled(false)
        .newConnection();
  }

  /** The packaged node with the cluster profile, seeded by itself, journaling to the test's Cassandra. */
  private static void startNode() throws Exception {
    Path jar = Path.of(System.getProperty("weir.server.jar"));
    ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx256m",
        "-Dconfig.resource=cassandra-cluster.conf",
        "-Dakka.cluster.seed-nodes.0=akka://weir@127.0.0.1:" + remotingPort,
        // Snapshots every few writes, so that recovery reads one from Cassandra's snapshot table.
        "-Dweir.queue.snapshot-every=5",
        "-jar", jar.toString());
    pb.environment().put("WEIR_DATA_DIR", dir.resolve("node-data").toString());
    pb.environment().put("WEIR_REMOTING_PORT", Integer.toString(remotingPort));
    pb.environment().put("WEIR_HTTP_PORT", Integer.toString(httpPort));
    pb.environment().put("WEIR_CASSANDRA_CONTACT_POINT", "127.0.0.1:" + cqlPort);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(nodeLog.toFile()));
    int readyBefore = count(log(), "WeirMQ node ready");
    long started = System.nanoTime();
    node = pb.start();
    long deadline = started + TimeUnit.SECONDS.toNanos(120);
    while (count(log(), "WeirMQ node ready") == readyBefore && node.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100); // polling the log for readiness, with a deadline
    }
    assertThat(count(log(), "WeirMQ node ready")).as("node startup log:%n%s", log()).isGreaterThan(readyBefore);
    System.out.printf("CassandraJournalIT: node ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
  }

  /** SIGTERM, as an operator stops it. */
  private static void stopNode() throws Exception {
    node.destroy();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node stopped within 60 s").isTrue();
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String log() throws IOException {
    return Files.exists(nodeLog) ? Files.readString(nodeLog, UTF_8) : "";
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
