package io.weirmq.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.client.Address;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three (or more) packaged nodes as separate JVMs on free loopback ports, with the
 * {@code cluster-local.conf} profile pointed at the test's Cassandra: started, stopped with SIGTERM,
 * killed with SIGKILL and started again, each with its own log file. {@link #close()} kills whatever
 * still runs; so does the end of the test JVM.
 */
final class NodeProcesses implements AutoCloseable {

  private static final String READY = "WeirMQ node ready";

  /** One node: its ports, log, and the process of its current life. */
  static final class Node {
    final int index;
    final int remotingPort;
    final int httpPort;
    final Path log;
    final Path data;
    Process process;
    long startedAt;

    Node(int index, int remotingPort, int httpPort, Path dir, Path logs) {
      this.index = index;
      this.remotingPort = remotingPort;
      this.httpPort = httpPort;
      this.log = logs.resolve("node-" + (index + 1) + ".log");
      this.data = dir.resolve("node-" + (index + 1) + "-data");
    }

    String name() {
      return "node" + (index + 1);
    }

    boolean alive() {
      return process != null && process.isAlive();
    }

    Address address() {
      return new Address("127.0.0.1", httpPort);
    }
  }

  private final List<Node> nodes = new ArrayList<>();
  private final String contactPoint;
  private final String testName;
  private final Thread killOnExit = new Thread(this::killAll, "kill-weir-nodes");
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> jvmOptions = new ArrayList<>();

  NodeProcesses(Path dir, LocalCassandra cassandra, int size, String testName) throws IOException {
    this.contactPoint = cassandra.contactPoint();
    this.testName = testName;
    List<Integer> ports = LocalCassandra.freePorts(2 * size);
    // Logs outlive the test's temporary directory (failsafe sets weir.node.logs under target/), so
    // that a failure can be read afterwards.
    Path logs = Path.of(System.getProperty("weir.node.logs", dir.toString())).resolve(testName);
    Files.createDirectories(logs);
    for (int i = 0; i < size; i++) {
      Path log = logs.resolve("node-" + (i + 1) + ".log");
      Files.deleteIfExists(log);
      nodes.add(new Node(i, ports.get(i), ports.get(size + i), dir, logs));
    }
    System.out.println(testName + ": node logs in " + logs);
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** Extra {@code -D} settings for every node started after this call, e.g. a test's own cluster timing. */
  NodeProcesses withJvmOptions(String... options) {
    jvmOptions.addAll(List.of(options));
    return this;
  }

  List<Node> nodes() {
    return nodes;
  }

  List<Address> addresses() {
    return nodes.stream().map(Node::address).toList();
  }

  /** Starts node 1 (the first seed forms the cluster), then the others together; waits until all are ready. */
  void startAll() throws Exception {
    long t0 = System.nanoTime();
    List<Integer> seeds = nodes.stream().limit(3).map(n -> n.remotingPort).toList();
    launch(nodes.get(0), seeds);
    awaitReady(nodes.get(0), 0);
    for (Node n : nodes.subList(1, nodes.size())) {
      launch(n, seeds);
    }
    for (Node n : nodes.subList(1, nodes.size())) {
      awaitReady(n, 0);
    }
    System.out.printf("%s: %d nodes ready in %.1f s%n", testName, nodes.size(), (System.nanoTime() - t0) / 1e9);
  }

  /** Starts a node again and waits until it is ready; answers the seconds it took. */
  double restart(Node n) throws Exception {
    int readyBefore = count(n, READY);
    long t0 = System.nanoTime();
    // Seeded by the others only: node 1, the first seed, would form a cluster of its own if they did
    // not answer its first call in time (Akka's first-seed rule), as on a loaded machine they may not.
    List<Integer> seeds = new ArrayList<>();
    for (Node other : nodes) {
      if (other != n) {
        seeds.add(other.remotingPort);
      }
    }
    launch(n, seeds);
    awaitReady(n, readyBefore);
    return (System.nanoTime() - t0) / 1e9;
  }

  /** SIGTERM, as Kubernetes and operators stop a node; answers the seconds until the process exited. */
  double terminate(Node n, Duration within) throws Exception {
    long t0 = System.nanoTime();
    n.process.destroy();
    boolean exited = n.process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(exited).as("%s exited within %s of SIGTERM; log:%n%s", n.name(), within, tail(n)).isTrue();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** SIGKILL: nothing runs on the node's side, as in a crash. */
  void kill(Node n) throws Exception {
    n.process.destroyForcibly();
    assertThat(n.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * The running node that holds the registry singleton: the one that logged its start or take-over
   * last (nodes that start together may become Up in either order, so start times do not tell).
   */
  Node registryNode() throws IOException {
    Node holder = null;
    String latest = "";
    for (Node n : nodes) {
      if (!n.alive()) {
        continue;
      }
      for (String line : log(n).split("\n")) {
        if ((line.contains("Registry started") || line.contains("Registry took over")) && line.compareTo(latest) > 0) {
          latest = line; // lines start with an ISO-8601 UTC timestamp
          holder = n;
        }
      }
    }
    assertThat(holder).as("a running node logged the registry's start").isNotNull();
    return holder;
  }

  /**
   * The node that runs a queue's entity: the one whose {@code /metrics} counts the most messages
   * published to it (only the node running the entity counts them).
   */
  Node leaderOf(String queue) throws Exception {
    Pattern p = Pattern.compile("weirmq_queue_messages_published_total\\{[^}]*queue=\"" + Pattern.quote(queue)
        + "\"[^}]*} ([0-9.eE+]+)");
    Node best = null;
    double most = -1;
    for (Node n : nodes) {
      if (!n.alive()) {
        continue;
      }
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = p.matcher(metrics);
      double count = m.find() ? Double.parseDouble(m.group(1)) : 0;
      if (count > most) {
        most = count;
        best = n;
      }
    }
    assertThat(most).as("some node counts messages published to %s", queue).isPositive();
    return best;
  }

  /** Every queue as a live node's REST API lists it (ready, unacked, consumers): for failure messages. */
  String queues() {
    for (Node n : nodes) {
      if (n.alive()) {
        try {
          return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + "/api/queues"))
              .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
          return "queues: " + e;
        }
      }
    }
    return "queues: no node running";
  }

  /** {@code seeds}: remoting ports, the first of them the one that may form the cluster. */
  private void launch(Node n, List<Integer> seeds) throws IOException {
    Path jar = Path.of(System.getProperty("weir.server.jar"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Cassandra gets 10 s per query instead of the driver's 2 s: on the shared 2-core machine (load
    // average above 20 with the other builds) 2 s writes time out, and what a queue does after a
    // failed journal write is not what these tests are about.
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-Dconfig.resource=cluster-local.conf",
        "-Ddatastax-java-driver.basic.request.timeout=10s"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("WEIR_DATA_DIR", n.data.toString());
    pb.environment().put("WEIR_REMOTING_PORT", Integer.toString(n.remotingPort));
    pb.environment().put("WEIR_HTTP_PORT", Integer.toString(n.httpPort));
    pb.environment().put("WEIR_CASSANDRA_CONTACT_POINT", contactPoint);
    for (int i = 0; i < 3; i++) { // cluster-local.conf lists three seeds; fewer nodes repeat one
      pb.environment().put("WEIR_SEED_PORT_" + (i + 1), Integer.toString(seeds.get(i % seeds.size())));
    }
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(n.log.toFile()));
    n.startedAt = System.nanoTime();
    n.process = pb.start();
  }

  private void awaitReady(Node n, int readyBefore) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (count(n, READY) == readyBefore && n.process.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100); // polling the node's log for its ready line, with a deadline
    }
    assertThat(count(n, READY)).as("%s ready; log:%n%s", n.name(), tail(n)).isGreaterThan(readyBefore);
  }

  static String log(Node n) throws IOException {
    return Files.exists(n.log) ? Files.readString(n.log, UTF_8) : "";
  }

  static int count(Node n, String what) throws IOException {
    String text = log(n);
    int c = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      c++;
    }
    return c;
  }

  private static String tail(Node n) throws IOException {
    String text = log(n);
    return text.length() > 8000 ? text.substring(text.length() - 8000) : text;
  }

  private void killAll() {
    for (Node n : nodes) {
      if (n.process != null) {
        n.process.destroyForcibly();
      }
    }
    for (Node n : nodes) {
      if (n.process != null) {
        try {
          n.process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook is what runs this
    }
  }
}
