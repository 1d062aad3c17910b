package io.weirmq.server;

import static io.weirmq.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weirmq.node.Broker;
import io.weirmq.node.WeirNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Cluster members started in this JVM on a test's Cassandra (ClusterIT, MirrorsIT): each an
 * ActorSystem with the cluster-local profile, its own data directory, and a terminate that is a
 * crash (no leave) unless the test runs CoordinatedShutdown itself.
 */
final class InJvmNodes {

  /** One member: its name in failure messages, its cluster address, ActorSystem and broker. */
  record Node(String name, String address, ActorSystem<Void> system, Broker broker) {}

  private final String test;
  private final LocalCassandra cassandra;
  private final Path dir;
  /** The members started and not yet stopped; a test removes one it crashed itself. */
  final List<Node> nodes = new ArrayList<>();

  InJvmNodes(String test, LocalCassandra cassandra, Path dir) {
    this.test = test;
    this.cassandra = cassandra;
    this.dir = dir;
  }

  /**
   * Starts member {@code index} of a cluster whose seed nodes are all of {@code ports}, with
   * {@code extraConfig} (HOCON) over the test defaults. The first member started is waited for
   * until it is Up, so that it is the oldest (singleton, shard coordinator).
   */
  Node start(String name, List<Integer> ports, int index, String extraConfig) {
    List<String> seeds = ports.stream().map(p -> "\"akka://weir@127.0.0.1:" + p + "\"").toList();
    Config config = ConfigFactory.parseString(extraConfig)
        .withFallback(ConfigFactory.parseString(
            "akka.remote.artery.canonical.port = " + ports.get(index) + "\n"
                + "akka.cluster.seed-nodes = " + seeds + "\n"
                + "weir.cassandra.contact-point = \"" + cassandra.contactPoint() + "\"\n"
                + "weir.data-dir = \"" + dir.resolve(name) + "\"\n"
                // Several nodes share this JVM: a downed node must not exit it, and a terminate
                // here is a crash (no leave) unless the test runs CoordinatedShutdown itself.
                + "akka.coordinated-shutdown.exit-jvm = off\n"
                + "akka.coordinated-shutdown.run-by-actor-system-terminate = off\n"
                + "akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n"
                // Several nodes share this JVM and its collector, on a test machine that runs
                // Cassandra beside them: the profile's 1 s tolerance (tuned for fail-over time,
                // docs/operations.md) would down a node over a stall here. These tests check what
                // happens after a crash, not how fast it is noticed.
                + "akka.cluster.failure-detector.acceptable-heartbeat-pause = 2500ms\n"
                + "akka.cluster.run-coordinated-shutdown-when-down = on\n"
                // The first node on a cold Cassandra (driver start, first reads) needs more than the
                // default 10 s before its registry answers.
                + "weir.ask-timeout = 30s\n"
                + "akka.cluster.jmx.multi-mbeans-in-same-jvm = on\n"))
        .withFallback(ConfigFactory.parseResources("cluster-local.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", config);
    Node node;
    try {
      Broker broker = await(WeirNode.start(system), Duration.ofSeconds(90));
      node = new Node(name, Cluster.get(system).selfMember().address().toString(), system, broker);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
    nodes.add(node);
    if (nodes.size() == 1) {
      awaitCondition(Duration.ofSeconds(30), () -> Cluster.get(system).selfMember().status() == MemberStatus.up());
    }
    return node;
  }

  /** Terminates every member still running and waits for each. */
  void stopAll() {
    for (Node n : nodes) {
      n.system().terminate();
    }
    for (Node n : nodes) {
      try {
        n.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println(test + ": node " + n.name() + " did not stop: " + e);
      }
    }
    nodes.clear();
  }

  /** Polls cluster state until {@code condition} holds, failing after {@code within}. */
  static void awaitCondition(Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within %s", within).isLessThan(deadline);
      try {
        Thread.sleep(50); // polling cluster state, with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
