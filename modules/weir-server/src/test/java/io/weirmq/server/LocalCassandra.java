package io.weirmq.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Cassandra 5 for integration tests, run by the project's own {@code cassandra-local} script
 * on free loopback ports with a data directory of the test's, the journal schema applied (the cluster
 * profiles do not let the plugin create tables). {@link #close()} stops it; so does the end of the
 * JVM, if a test run is cut short.
 */
final class LocalCassandra implements AutoCloseable {

  private final Path script;
  private final Path data;
  private final Path outputDir;
  private final int cqlPort;
  private final Thread stopOnExit;
  private boolean stopped;

  private LocalCassandra(Path script, Path data, Path outputDir, int cqlPort) {
    this.script = script;
    this.data = data;
    this.outputDir = outputDir;
    this.cqlPort = cqlPort;
    this.stopOnExit = new Thread(this::stopQuietly, "stop-cassandra");
  }

  /** Starts Cassandra with its data under {@code dir}/cassandra, then applies the schema (replication 1). */
  static LocalCassandra start(Path dir, String testName) throws Exception {
    Path script = Path.of(System.getProperty("weir.cassandra.local"));
    assertThat(script).isExecutable();
    List<Integer> ports = freePorts(3);
    LocalCassandra c = new LocalCassandra(script, dir.resolve("cassandra"), dir, ports.get(0));
    // If the test JVM is stopped (Ctrl-C, a failsafe timeout), Cassandra must not outlive it.
    Runtime.getRuntime().addShutdownHook(c.stopOnExit);
    long started = System.nanoTime();
    try {
      // Generous: the first run on a fresh machine also fetches Cassandra with Maven.
      c.run(TimeUnit.MINUTES.toSeconds(15), "start", "--port", Integer.toString(ports.get(0)),
          "--storage-port", Integer.toString(ports.get(1)), "--jmx-port", Integer.toString(ports.get(2)),
          "--heap", "512M", "--timeout", "300");
      System.out.printf("%s: Cassandra answered CQL %.1f s after cassandra-local start%n", testName,
          (System.nanoTime() - started) / 1e9);
      c.run(TimeUnit.MINUTES.toSeconds(5), "schema", "--replication-factor", "1");
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
    return c;
  }

  int cqlPort() {
    return cqlPort;
  }

  /** host:port for {@code WEIR_CASSANDRA_CONTACT_POINT} / {@code weir.cassandra.contact-point}. */
  String contactPoint() {
    return "127.0.0.1:" + cqlPort;
  }

  @Override
  public synchronized void close() throws Exception {
    if (stopped) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook itself is running this.
    }
    run(120, "stop");
    stopped = true;
  }

  private void stopQuietly() {
    try {
      close();
    } catch (Exception | AssertionError e) {
      System.err.println("LocalCassandra: could not stop Cassandra in " + data + ": " + e);
    }
  }

  /** Runs cassandra-local on this data dir; its output goes to the test's output. */
  private void run(long timeoutSeconds, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--data", data.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    // The JDK running the tests, the build's Maven and local repository, the jar this build packaged.
    pb.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
    String mavenHome = System.getProperty("maven.home");
    if (mavenHome != null && Files.isExecutable(Path.of(mavenHome, "bin", "mvn"))) {
      pb.environment().put("MVN", Path.of(mavenHome, "bin", "mvn").toString());
    }
    String repo = System.getProperty("maven.repo.local");
    if (repo != null && !repo.isBlank()) {
      pb.environment().put("MVN_ARGS", "-Dmaven.repo.local=" + repo);
    }
    pb.environment().put("WEIR_SERVER_JAR", System.getProperty("weir.server.jar"));
    pb.redirectErrorStream(true);
    Path output = outputDir.resolve("cassandra-local-" + args[0] + ".out");
    pb.redirectOutput(output.toFile());
    Process p = pb.start();
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(output, UTF_8);
    System.out.print(out);
    assertThat(done).as("cassandra-local %s finished within %d s:%n%s", args[0], timeoutSeconds, out).isTrue();
    assertThat(p.exitValue()).as("cassandra-local %s:%n%s", args[0], out).isZero();
  }

  /** {@code n} distinct ports that were free a moment ago. */
  static List<Integer> freePorts(int n) throws IOException {
    Set<Integer> ports = new HashSet<>();
    while (ports.size() < n) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.add(s.getLocalPort());
      }
    }
    return new ArrayList<>(ports);
  }
}
