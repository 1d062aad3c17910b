package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An administrator closes a client's connection through the admin API: the client names itself in
 * {@code client_properties}, hears 320 CONNECTION_FORCED with the reason, and, as the RabbitMQ Java
 * client does for a broker-initiated close, recovers when recovery is on; other connections are untouched.
 */
class AdminCloseTest {

  private static final long WAIT_MS = 15_000;

  @TempDir static Path dataDir;
  private static WeirTestServer server;
  private static WeirAdmin admin;

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

  private static ConnectionFactory factory() {
    return new ConnectionFactory().setUri(server.uri().replace("http", "ws"));
  }

  private static JsonNode listed(String connectionName) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (System.currentTimeMillis() < deadline) {
      for (JsonNode c : admin.listConnections()) {
        if (connectionName.equals(c.path("client_properties").path("connection_name").asText())) {
          return c;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no connection named " + connectionName + " in " + admin.listConnections());
  }

  @Test
  void theClientNamesItselfAndHearsTheAdminsReasonThenRecovers() throws Exception {
    Connection closed = factory().setAutomaticRecoveryEnabled(true)
        .setNetworkRecoveryInterval(Duration.ofMillis(100)).newConnection("billing-worker");
    Connection other = factory().newConnection("reporting");
    try {
      BlockingQueue<String> events = new LinkedBlockingQueue<>();
      closed.addRecoveryStartedListener(cause -> events.add(cause.code() + " " + cause.reason()));
      closed.addRecoveryListener(() -> events.add("recovered"));
      JsonNode c = listed("billing-worker");
      assertThat(c.path("client_properties").path("product").asText()).isEqualTo(ConnectionFactory.PRODUCT);
      assertThat(c.path("client_properties").path("platform").asText()).startsWith("Java ");
      assertThat(c.path("user").asText()).isEqualTo("guest");

      admin.closeConnection(c.path("name").asText(), "moving you to another node");

      assertThat(events.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("320 moving you to another node");
      assertThat(events.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("recovered");
      // Recovered as a new connection under the same client-provided name.
      JsonNode again = listed("billing-worker");
      assertThat(again.path("name").asText()).isNotEqualTo(c.path("name").asText());
      Channel ch = closed.createChannel();
      ch.queueDeclare("admin-close-" + System.nanoTime(), false, false, true, null);

      // The other connection was not disturbed.
      assertThat(other.isOpen()).isTrue();
      Channel och = other.createChannel();
      String q = och.queueDeclare("admin-close-other-" + System.nanoTime(), false, false, true, null).queue();
      och.confirmSelect();
      och.basicPublish("", q, BasicProperties.PERSISTENT, "still here".getBytes(UTF_8));
      assertThat(och.waitForConfirms(WAIT_MS)).isTrue();
    } finally {
      closed.close();
      other.close();
    }
  }

  @Test
  void withoutRecoveryTheApplicationGetsTheReasonInItsShutdownSignal() throws Exception {
    Connection c = factory().newConnection("one-shot");
    BlockingQueue<ShutdownSignalException> shutdown = new LinkedBlockingQueue<>();
    c.addShutdownListener(shutdown::add);
    admin.closeConnection(listed("one-shot").path("name").asText(), null);
    ShutdownSignalException signal = shutdown.poll(WAIT_MS, TimeUnit.MILLISECONDS);
    assertThat(signal).isNotNull();
    assertThat(signal.isInitiatedByApplication()).isFalse();
    assertThat(signal.code()).isEqualTo(320);
    assertThat(signal.reason()).isEqualTo("Closed via management plugin");
    assertThat(c.isOpen()).isFalse();
  }
}
