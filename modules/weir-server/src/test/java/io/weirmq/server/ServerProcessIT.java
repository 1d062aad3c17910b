package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's start command, for real: the shaded jar starts a node whose HTTP API answers, and
 * stops cleanly on SIGTERM, releasing the HTTP port.
 */
class ServerProcessIT {

  @TempDir
  Path dataDir;

  @Test
  void theJarStartsANodeWhoseHttpApiAnswersAndStopsCleanlyOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("weir.server.jar"));
    assertThat(jar).exists();
    int port = freePort();
    int httpPort = freePort();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString());
    // As the README runs it: no WEIR_DATA_DIR, so the journal goes to ./data under the working
    // directory (H2 refuses implicitly relative paths; the server must make it absolute).
    pb.environment().remove("WEIR_DATA_DIR");
    pb.directory(dataDir.toFile());
    pb.environment().put("WEIR_REMOTING_PORT", Integer.toString(port));
    pb.environment().put("WEIR_HTTP_PORT", Integer.toString(httpPort));
    pb.redirectErrorStream(true);
    // To a file, not a pipe: a pipe can be cut when the process ends, losing its last lines.
    Path logFile = dataDir.resolve("node.log");
    pb.redirectOutput(logFile.toFile());
    Process node = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!contains(logFile, "WeirMQ node ready") && node.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(contains(logFile, "WeirMQ node ready")).as("startup log:%n%s", Files.readString(logFile)).isTrue();
      assertThat(contains(logFile, "akka://weir@127.0.0.1:" + port)).isTrue();
      assertThat(contains(logFile, dataDir.toString())).isTrue();
      assertThat(Files.exists(dataDir.resolve("data/journal/weir.mv.db"))).as("H2 journal file under ./data").isTrue();
      assertThat(contains(logFile, "HTTP API on http://127.0.0.1:" + httpPort)).isTrue();
      // CommonPool: even on a two-core machine, callbacks must not start a thread each.
      assertThat(contains(logFile, "CompletionStage callbacks run on the common ForkJoinPool"))
          .as("startup log:%n%s", Files.readString(logFile)).isTrue();

      HttpResponse<String> exchanges = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/exchanges/%2F"))
              // The default user, which may log in from loopback.
              .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                  "guest:guest".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
              .timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(exchanges.statusCode()).isEqualTo(200);
      assertThat(exchanges.headers().firstValue("content-type")).hasValueSatisfying(
          ct -> assertThat(ct).startsWith("application/json"));
      assertThat(exchanges.body()).contains("\"name\":\"amq.direct\"", "\"name\":\"amq.fanout\"",
          "\"name\":\"amq.topic\"", "\"name\":\"amq.headers\"", "\"name\":\"amq.match\"", "\"name\":\"\"");

      // The shaded jar carries the metrics and health endpoints with everything they load.
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> ready = client.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + httpPort + "/health/ready")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as("%s", ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("\"status\":\"ready\"");
      HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("weirmq_connections 0", "jvm_memory_used_bytes{area=\"heap\"}");

      node.destroy(); // SIGTERM: CoordinatedShutdown leaves the cluster and exits
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
    } finally {
      node.destroyForcibly();
    }
    assertThat(contains(logFile, "WeirMQ node stopped")).as("shutdown log:%n%s", Files.readString(logFile)).isTrue();
    assertThat(contains(logFile, "WeirMQ HTTP API unbound")).as("shutdown log:%n%s", Files.readString(logFile)).isTrue();
    assertThat(contains(logFile, " ERROR ")).as("errors in:%n%s", Files.readString(logFile)).isFalse();
    // Akka exits the JVM through CoordinatedShutdown on SIGTERM; the JVM reports 143 (128 + SIGTERM).
    assertThat(node.exitValue()).isIn(0, 143);
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean contains(Path logFile, String text) throws java.io.IOException {
    return Files.readString(logFile, StandardCharsets.UTF_8).contains(text);
  }
}
