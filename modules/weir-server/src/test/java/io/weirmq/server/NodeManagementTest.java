package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.model.Uri;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weirmq.node.TestNodes;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Akka Management as the k8s profile runs it: /alive and /ready on the management port of a real
 * node, ready only once the node serves its HTTP API; off in the single-node default.
 */
class NodeManagementTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** management.conf over the single-node default, on free loopback ports and a private data directory. */
  private static Config withManagement(Path dataDir, int managementPort, int httpPort) {
    return ConfigFactory.parseString(
            "weir.data-dir = \"" + dataDir.toAbsolutePath().toString().replace("\\", "/") + "\"\n"
                + "akka.management.http.hostname = \"127.0.0.1\"\n"
                + "akka.management.http.port = " + managementPort + "\n"
                + "weir.http.port = " + httpPort + "\n"
                + "akka.remote.artery.canonical.port = 0\n"
                + "akka.coordinated-shutdown.exit-jvm = off\n"
                + "akka.loglevel = WARNING\n")
        .withFallback(ConfigFactory.parseResources("management.conf"))
        .withFallback(ConfigFactory.parseResources("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  @Test
  void aliveAnswersAtOnceAndReadyOnlyOnceTheNodeServesItsHttpApi(@TempDir Path dataDir) throws Exception {
    int managementPort = freePort();
    int httpPort = freePort();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir",
        withManagement(dataDir, managementPort, httpPort));
    try {
      Optional<Uri> uri = TestNodes.await(NodeManagement.start(system), TIMEOUT);
      assertThat(uri).get().asString().contains("127.0.0.1:" + managementPort);

      // Up but not yet a cluster member, no broker, no HTTP API: alive, not ready. Akka Management
      // answers a failed check with 500; any status from 400 up fails a Kubernetes probe.
      assertThat(get(managementPort, "/alive").statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = get(managementPort, "/ready");
      assertThat(notReady.statusCode()).as("/ready: %s", notReady.body()).isEqualTo(500);
      assertThat(notReady.body()).contains("Not Healthy");

      TestNodes.await(WeirServer.startNode(system), TIMEOUT);

      HttpResponse<String> ready = get(managementPort, "/ready");
      assertThat(ready.statusCode()).as("/ready: %s", ready.body()).isEqualTo(200);
      assertThat(get(managementPort, "/alive").statusCode()).isEqualTo(200);
      // The client API the readiness stands for really answers.
      // (as the default user, from loopback; without credentials it is a 401).
      assertThat(get(httpPort, "/api/exchanges").statusCode()).isEqualTo(401);
      HttpResponse<String> exchanges = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + httpPort + "/api/exchanges"))
          .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
              "guest:guest".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(exchanges.statusCode()).as("%s", exchanges.body()).isEqualTo(200);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSingleNodeDefaultStartsNoManagementEndpoint(@TempDir Path dataDir) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", TestNodes.config(dataDir));
    try {
      assertThat(TestNodes.await(NodeManagement.start(system), TIMEOUT)).isEmpty();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void bootstrapIsRefusedAlongsideSeedNodesOrASelfJoin() {
    Config selfJoin = ConfigFactory.parseString("weir.cluster.self-join = on, akka.cluster.seed-nodes = []");
    assertThatThrownBy(() -> NodeManagement.checkConsistent(selfJoin, true, true))
        .hasMessageContaining("weir.cluster.self-join");
    Config seeds = ConfigFactory.parseString(
        "weir.cluster.self-join = off, akka.cluster.seed-nodes = [\"akka://weir@10.0.0.1:25520\"]");
    assertThatThrownBy(() -> NodeManagement.checkConsistent(seeds, true, true))
        .hasMessageContaining("akka.cluster.seed-nodes");
    Config bootstrapOnly = ConfigFactory.parseString("weir.cluster.self-join = off, akka.cluster.seed-nodes = []");
    assertThatThrownBy(() -> NodeManagement.checkConsistent(bootstrapOnly, false, true))
        .hasMessageContaining("weir.management.enabled");
    NodeManagement.checkConsistent(bootstrapOnly, true, true);
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
