package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weirmq.node.Broker;
import io.weirmq.node.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /health/live} and {@code /health/ready} on real nodes, healthy and with real failures: a
 * journal whose table is gone, and a node that never joined a cluster (so no registry either).
 */
class HttpHealthTest {

  /** Checks are short, not cached, and a failed probe restarts soon, so the test sees changes quickly. */
  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("""
      weir.health.min-interval = 0s
      weir.health.journal-timeout = 1s
      weir.health.registry-timeout = 1s
      weir.supervision.restart-max-backoff = 1s
      """);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> names(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.isTextual() ? n.asText() : n.get("name").asText()));
    return out;
  }

  private static JsonNode check(JsonNode body, String name) {
    for (JsonNode c : body.get("checks")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in " + body);
  }

  private static HttpTestServer.Reply awaitReady(Predicate<HttpTestServer.Reply> check) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpTestServer.Reply r = api.get("/health/ready");
    while (!check.test(r) && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
      r = api.get("/health/ready");
    }
    assertThat(check).as("%s", r).accepts(r);
    return r;
  }

  @Test
  void liveAnswersWhileTheProcessRuns() {
    HttpTestServer.Reply r = api.get("/health/live");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("alive");
  }

  @Test
  void readyIs200WithEveryCheckPassedOnAHealthyNode() {
    HttpTestServer.Reply r = api.get("/health/ready");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("application/json");
    JsonNode body = r.json();
    assertThat(body.get("status").asText()).isEqualTo("ready");
    assertThat(names(body.get("failed"))).isEmpty();
    assertThat(names(body.get("checks"))).containsExactly("cluster", "registry", "journal");
    body.get("checks").forEach(c -> assertThat(c.get("ok").asBoolean()).as("%s", c).isTrue());
    assertThat(check(body, "cluster").get("detail").asText()).isEqualTo("member status Up");
    assertThat(check(body, "journal").get("detail").asText()).startsWith("probe write confirmed in");
  }

  @Test
  void readyIs503NamingTheJournalWhileItsTableIsGoneAndRecoversWhenItIsBack() throws Exception {
    assertThat(api.get("/health/ready").status()).isEqualTo(200);
    Config config = api.node.system().settings().config();
    String url = config.getString("akka-persistence-jdbc.shared-databases.slick.db.url");
    try (Connection c = DriverManager.getConnection(url, config.getString("akka-persistence-jdbc.shared-databases.slick.db.user"),
        config.getString("akka-persistence-jdbc.shared-databases.slick.db.password"));
        Statement sql = c.createStatement()) {
      sql.execute("ALTER TABLE \"event_journal\" RENAME TO \"event_journal_away\"");
      try {
        HttpTestServer.Reply down = awaitReady(r -> r.status() == 503);
        JsonNode body = down.json();
        assertThat(body.get("status").asText()).isEqualTo("not_ready");
        assertThat(names(body.get("failed"))).containsExactly("journal");
        assertThat(check(body, "journal").get("ok").asBoolean()).isFalse();
        assertThat(check(body, "journal").get("detail").asText()).contains("no probe write confirmed within 1 s");
        assertThat(check(body, "cluster").get("ok").asBoolean()).isTrue();
        assertThat(check(body, "registry").get("ok").asBoolean()).isTrue();
      } finally {
        sql.execute("ALTER TABLE \"event_journal_away\" RENAME TO \"event_journal\"");
      }
    }
    HttpTestServer.Reply up = awaitReady(r -> r.status() == 200);
    assertThat(up.json().get("status").asText()).isEqualTo("ready");
  }

  @Test
  void readyIs503NamingClusterAndRegistryOnANodeThatNeverJoined() throws Exception {
    Path dataDir = Files.createTempDirectory("weir-health-test");
    try {
      // A first node creates the journal's tables; the second, on the same files, never joins a cluster.
      TestNodes.start(dataDir).close();
      Config config = ConfigFactory.parseString("""
              weir.cluster.self-join = off
              weir.health.registry-timeout = 1s
              """)
          .withFallback(TestNodes.config(dataDir));
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", config);
      try {
        Broker broker = Broker.start(system);
        var binding = TestNodes.await(WeirHttpServer.start(broker, HttpSettings.from(config).withPort(0)));
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/health/ready"))
            .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as("%s", r.body()).isEqualTo(503);
        JsonNode body = JSON.readTree(r.body());
        assertThat(names(body.get("failed"))).containsExactly("cluster", "registry");
        assertThat(check(body, "cluster").get("detail").asText()).startsWith("member status ")
            .endsWith("; ready only when Up");
        assertThat(check(body, "registry").get("detail").asText()).startsWith("no answer within 1 s");
        assertThat(check(body, "journal").get("ok").asBoolean()).as("%s", body).isTrue();
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
