package io.weirmq.server;

import static io.weirmq.node.TestNodes.await;
import static io.weirmq.server.InJvmNodes.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import akka.cluster.typed.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.client.Channel;
import io.weirmq.client.Connection;
import io.weirmq.client.ConnectionFactory;
import io.weirmq.client.ShutdownSignalException;
import io.weirmq.client.WeirAdmin;
import io.weirmq.http.HttpSettings;
import io.weirmq.http.WeirHttpServer;
import io.weirmq.server.InJvmNodes.Node;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one cluster, each with its HTTP API: a client connected to node B is listed, with its
 * consumer, by node A's {@code /api/connections} and {@code /api/consumers}, and closed through node A
 * with a reason, while node A's own client carries on (as RabbitMQ's management API serves every
 * node's connections from any node).
 */
class ConnectionsClusterIT {

  private static final long WAIT_MS = 20_000;

  @TempDir static Path dir;
  private static LocalCassandra cassandra;
  private final InJvmNodes inJvm = new InJvmNodes("ConnectionsClusterIT", cassandra, dir);

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "ConnectionsClusterIT");
  }

  @AfterAll
  static void stopCassandra() throws Exception {
    if (cassandra != null) {
      cassandra.close();
    }
  }

  @AfterEach
  void stopNodes() {
    inJvm.stopAll();
  }

  private static String http(Node node) {
    HttpSettings settings = HttpSettings.from(node.system().settings().config()).withPort(0);
    var binding = await(WeirHttpServer.start(node.broker(), settings), Duration.ofSeconds(30));
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @Test
  void aConnectionOnNodeBIsListedAndClosedThroughNodeA() throws Exception {
    List<Integer> ports = LocalCassandra.freePorts(2);
    Node a = inJvm.start("A", ports, 0, "");
    Node b = inJvm.start("B", ports, 1, "");
    awaitCondition(Duration.ofSeconds(30), () -> Cluster.get(b.system()).state().members().size() == 2
        && Cluster.get(a.system()).state().members().size() == 2);
    String uriA = http(a);
    String uriB = http(b);
    WeirAdmin adminA = WeirAdmin.builder().uri(uriA).build();

    Connection onB = new ConnectionFactory().setUri(uriB.replace("http", "ws")).newConnection("worker-on-b");
    Connection onA = new ConnectionFactory().setUri(uriA.replace("http", "ws")).newConnection("worker-on-a");
    try {
      Channel ch = onB.createChannel();
      String queue = ch.queueDeclare("cluster-conn-" + System.nanoTime(), true, false, false, null).queue();
      ch.basicQos(3);
      String tag = ch.basicConsume(queue, false, (t, d) -> { }, t -> { });

      JsonNode listed = awaitListed(adminA, "worker-on-b");
      assertThat(listed.path("node").asText()).isEqualTo(b.address());
      assertThat(listed.path("port").asInt()).isEqualTo(java.net.URI.create(uriB).getPort());
      assertThat(listed.path("channels").asInt()).isEqualTo(1);
      assertThat(awaitListed(adminA, "worker-on-a").path("node").asText()).isEqualTo(a.address());

      JsonNode consumer = null;
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (consumer == null && System.currentTimeMillis() < deadline) {
        for (JsonNode c : adminA.listConsumers()) {
          consumer = c.path("consumer_tag").asText().equals(tag) ? c : consumer;
        }
        Thread.sleep(100);
      }
      assertThat(consumer).as("B's consumer listed by A").isNotNull();
      assertThat(consumer.path("queue").path("name").asText()).isEqualTo(queue);
      assertThat(consumer.path("prefetch_count").asInt()).isEqualTo(3);
      assertThat(consumer.path("channel_details").path("node").asText()).isEqualTo(b.address());
      assertThat(consumer.path("channel_details").path("connection_name").asText())
          .isEqualTo(listed.path("name").asText());

      BlockingQueue<ShutdownSignalException> shutdown = new LinkedBlockingQueue<>();
      onB.addShutdownListener(shutdown::add);
      adminA.closeConnection(listed.path("name").asText(), "closed from node A");
      ShutdownSignalException signal = shutdown.poll(WAIT_MS, TimeUnit.MILLISECONDS);
      assertThat(signal).as("B's client told why").isNotNull();
      assertThat(signal.code()).isEqualTo(320);
      assertThat(signal.reason()).isEqualTo("closed from node A");

      assertThat(onA.isOpen()).isTrue();
      onA.createChannel().queueDeclare("cluster-conn-a-" + System.nanoTime(), false, false, true, null);
      awaitCondition(Duration.ofSeconds(15), () -> {
        for (JsonNode c : adminA.listConnections()) {
          if ("worker-on-b".equals(c.path("client_properties").path("connection_name").asText())) {
            return false;
          }
        }
        return true;
      });
    } finally {
      onB.close();
      onA.close();
    }
  }

  /** The Receptionist spreads each node's directory by gossip: a new node's shows up shortly. */
  private static JsonNode awaitListed(WeirAdmin admin, String connectionName) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      last = admin.listConnections();
      for (JsonNode c : last) {
        if (connectionName.equals(c.path("client_properties").path("connection_name").asText())) {
          return c;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no connection " + connectionName + " in " + last);
  }
}
