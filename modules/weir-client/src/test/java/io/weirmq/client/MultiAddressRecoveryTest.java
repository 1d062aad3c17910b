package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client given several broker addresses: it connects to the first that answers, and when its node
 * shuts down (closing every connection with 320 CONNECTION_FORCED) it recovers on the next one.
 */
class MultiAddressRecoveryTest {

  private static final long WAIT_MS = 15_000;

  @TempDir Path dir;
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private WeirTestServer server(String name) {
    WeirTestServer s = WeirTestServer.start(dir.resolve(name));
    open.add(0, s); // servers last, after the connections to them
    return s;
  }

  private static Address address(WeirTestServer s) {
    URI u = URI.create(s.uri());
    return new Address(u.getHost(), u.getPort());
  }

  @Test
  void aNodeThatShutsDownClosesWith320AndTheClientRecoversOnTheNextAddress() throws Exception {
    WeirTestServer a = server("a");
    WeirTestServer b = server("b");
    // A bare WebSocket to A, to see the close frame as any client gets it.
    BlockingQueue<JsonNode> rawFrames = new LinkedBlockingQueue<>();
    ObjectMapper json = new ObjectMapper();
    HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
            "guest:guest".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .buildAsync(URI.create(a.uri().replace("http", "ws") + "/ws"), new WebSocket.Listener() {
          private final StringBuilder text = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
              try {
                rawFrames.add(json.readTree(text.toString()));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              text.setLength(0);
            }
            ws.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);

    Connection c = new ConnectionFactory().setAutomaticRecoveryEnabled(true)
        .setNetworkRecoveryInterval(Duration.ofMillis(100)).newConnection(address(a), address(b));
    open.add(0, c);
    assertThat(c.uri().getPort()).as("the first address answers").isEqualTo(address(a).port());
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    c.addRecoveryStartedListener(cause -> events.add("recovering after " + cause.code()));
    c.addRecoveryListener(() -> events.add("recovered"));
    c.addShutdownListener(cause -> events.add("shut down: " + cause.getMessage()));
    Channel ch = c.createChannel();
    String queue = "moves-" + System.nanoTime();
    ch.queueDeclare(queue, true, false, false, null);
    ch.confirmSelect();
    BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    ch.basicConsume(queue, false, (tag, d) -> {
      got.add(d);
      ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
    }, tag -> events.add("cancelled " + tag));
    ch.basicPublish("", queue, BasicProperties.PERSISTENT, "on a".getBytes(UTF_8));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    assertThat(got.poll(WAIT_MS, TimeUnit.MILLISECONDS).bodyAsString()).isEqualTo("on a");

    a.close(); // runs A's CoordinatedShutdown, as SIGTERM does

    JsonNode close = null;
    for (JsonNode f; (f = rawFrames.poll(WAIT_MS, TimeUnit.MILLISECONDS)) != null; ) {
      if (f.isArray()) {
        for (JsonNode one : f) {
          close = "connection.close".equals(one.path("method").asText()) ? one : close;
        }
      } else if ("connection.close".equals(f.path("method").asText())) {
        close = f;
      }
      if (close != null) {
        break;
      }
    }
    assertThat(close).as("a connection.close frame from the node shutting down").isNotNull();
    assertThat(close.path("code").asInt()).isEqualTo(320);
    assertThat(close.path("reason").asText()).contains("shutting down").contains("reconnect to another node");

    assertThat(events.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("recovering after 320");
    assertThat(events.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isEqualTo("recovered");
    assertThat(c.isOpen()).isTrue();
    assertThat(c.uri().getPort()).as("recovered on the other address").isEqualTo(address(b).port());
    ch.basicPublish("", queue, BasicProperties.PERSISTENT, "on b".getBytes(UTF_8));
    assertThat(ch.waitForConfirms(WAIT_MS)).isTrue();
    assertThat(got.poll(WAIT_MS, TimeUnit.MILLISECONDS).bodyAsString()).isEqualTo("on b");
    assertThat(events).as("no shutdown, no cancel: only the recovery").isEmpty();
  }

  @Test
  void anAddressThatDoesNotAnswerIsSkippedAndNoneAnsweringNamesThemAll() throws Exception {
    WeirTestServer b = server("b");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Address nobody = new Address("127.0.0.1", closedPort);
    Connection c = new ConnectionFactory().newConnection(nobody, address(b));
    open.add(0, c);
    assertThat(c.uri().getPort()).isEqualTo(address(b).port());
    assertThat(c.createChannel().queueDeclare().queue()).startsWith("weir.gen-");

    assertThatThrownBy(() -> new ConnectionFactory().setConnectionTimeout(Duration.ofSeconds(2))
        .newConnection(nobody, nobody))
        .isInstanceOf(WeirConnectionException.class)
        .hasMessageContaining("cannot connect to any of").hasMessageContaining(":" + closedPort + "/ws");
  }

  @Test
  void addressesParseLikeRabbitMqsAndBadOnesNameTheField() {
    assertThat(Address.parseAddresses("n1:5001, n2 ,[::1]:5003")).containsExactly(new Address("n1", 5001),
        new Address("n2", ConnectionFactory.DEFAULT_PORT), new Address("::1", 5003));
    assertThatThrownBy(() -> Address.parseAddress("n1:x")).hasMessageContaining("port: not a number");
    assertThatThrownBy(() -> new Address("n1", 70000)).hasMessageContaining("port: must be 1 to 65535");
    assertThatThrownBy(() -> Address.parseAddresses(" , ")).hasMessageContaining("addresses: no address");
    assertThatThrownBy(() -> new ConnectionFactory().newConnection(List.of()))
        .hasMessageContaining("addresses: at least one");
  }
}
