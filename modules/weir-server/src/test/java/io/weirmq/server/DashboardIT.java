package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin dashboard in a real headless Chromium against the packaged broker: log in, declare a
 * queue, publish from the UI, watch the count change, peek the message, delete the queue
 * (src/test/browser/dashboard.mjs, with playwright-core). The screenshots of each step are kept in
 * target/browser-test/screenshots as evidence. Chromium, node and playwright-core are installed by
 * src/test/browser/ensure-browser when missing.
 */
class DashboardIT {

  private static final List<String> SHOTS =
      List.of("01-overview", "02-queue-declared", "03-published", "04-peeked", "05-exchange-published", "06-nodes",
          "07-node", "06-policy-added", "07-policy-deleted", "08-deleted");

  @TempDir
  Path dataDir;

  @Test
  void anOperatorDeclaresPublishesPeeksAndDeletesAQueueFromTheDashboard() throws Exception {
    Path src = Path.of(System.getProperty("weir.browser.test.src"));
    Path dir = Path.of(System.getProperty("weir.browser.test.dir"));
    Files.createDirectories(dir);
    for (String f : List.of("package.json", "package-lock.json", "dashboard.mjs", "ensure-browser")) {
      Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    run(dir, 600, "bash", dir.resolve("ensure-browser").toString(), dir.toString());

    Path jar = Path.of(System.getProperty("weir.server.jar"));
    int httpPort = freePort();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString());
    pb.environment().put("WEIR_DATA_DIR", dataDir.resolve("data").toString());
    pb.environment().put("WEIR_REMOTING_PORT", Integer.toString(freePort()));
    pb.environment().put("WEIR_HTTP_PORT", Integer.toString(httpPort));
    pb.redirectErrorStream(true);
    Path nodeLog = dataDir.resolve("node.log");
    pb.redirectOutput(nodeLog.toFile());
    Process node = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!Files.readString(nodeLog).contains("WeirMQ node ready") && node.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(Files.readString(nodeLog)).as("node log").contains("WeirMQ node ready");

      Path shots = dir.resolve("screenshots");
      for (String s : SHOTS) {
        Files.deleteIfExists(shots.resolve(s + ".png"));
      }
      String out = run(dir, 180, "node", dir.resolve("dashboard.mjs").toString(), "http://127.0.0.1:" + httpPort,
          shots.toString());
      assertThat(out).contains("dashboard test passed");
      for (String s : SHOTS) {
        assertThat(shots.resolve(s + ".png")).as("screenshot %s", s).exists().isNotEmptyFile();
      }
    } finally {
      node.destroy();
      if (!node.waitFor(60, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
    assertThat(Files.readString(nodeLog)).as("node log").doesNotContain(" ERROR ");
  }

  /** Runs a command in {@code dir}; its output is returned, and shown in the failure when it fails. */
  private static String run(Path dir, int timeoutSeconds, String... command) throws Exception {
    Path log = Files.createTempFile("dashboard-it", ".log");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(done).as("%s finished within %d s:%n%s", String.join(" ", command), timeoutSeconds, out).isTrue();
      assertThat(p.exitValue()).as("%s:%n%s", String.join(" ", command), out).isZero();
      return out;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
