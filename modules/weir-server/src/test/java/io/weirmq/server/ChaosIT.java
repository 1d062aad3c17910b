package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes under load: kill -9 of the node running the busiest queue, a restart of it, then kill -9
 * of the node holding the registry singleton and a restart of that one. Producers confirm and
 * consumers ack by hand on connections to different nodes. Nothing confirmed may be lost and a
 * second copy must be flagged redelivered. One round by default (CI); {@code -Dweir.chaos.duration}
 * (ISO-8601 or seconds) repeats rounds until that much time has passed, which is what
 * {@code modules/weir-bench/scripts/chaos-local} runs.
 */
class ChaosIT {

  @TempDir static Path dir;
  private static LocalCassandra cassandra;

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "ChaosIT");
  }

  @AfterAll
  static void stopCassandra() throws Exception {
    if (cassandra != null) {
      cassandra.close();
    }
  }

  private static Duration duration() {
    String d = System.getProperty("weir.chaos.duration", "0");
    try {
      return d.startsWith("P") ? Duration.parse(d) : Duration.ofSeconds(Long.parseLong(d));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("weir.chaos.duration: seconds or an ISO-8601 duration, got \"" + d + "\"");
    }
  }

  @Test
  void killNineOfTheBusiestQueuesNodeAndOfTheSingletonsNodeLosesNoConfirmedMessage() throws Exception {
    Duration duration = duration();
    List<String> queues = List.of("chaos-0", "chaos-1", "chaos-2");
    List<String> events = new ArrayList<>();
    // Killed nodes must still be detected and downed, so failure detection stays on; but a node
    // restarting on the 2-core CI machine (three nodes, Cassandra and the load on two cores) went
    // 4 s without heartbeats while it joined and recovered, was downed by the others and stopped
    // itself (a clean-clone CI run, 2026-11-22). What this test checks is that no confirmed message
    // is lost across kills, so its nodes tolerate the machine's stalls (cluster.conf says to raise
    // acceptable-heartbeat-pause on machines that stall longer); the fail-over timings are measured
    // by failover-queue-local instead.
    try (NodeProcesses cluster = new NodeProcesses(dir, cassandra, 3, "ChaosIT")
             .withJvmOptions("-Dakka.cluster.failure-detector.acceptable-heartbeat-pause=5s");
         AtLeastOnceLoad load = new AtLeastOnceLoad(cluster.addresses(), queues, 3)) {
      cluster.startAll();
      load.declareQueues();
      load.startConsumers();
      load.startProducers();
      Thread.sleep(8_000); // load, so that the busiest queue is clear from the nodes' metrics
      long end = System.nanoTime() + duration.toNanos();
      int round = 0;
      do {
        round++;
        NodeProcesses.Node leader = cluster.leaderOf("chaos-0");
        events.add(crashAndRestart(cluster, load, leader, "round " + round + ": kill -9 of " + leader.name()
            + " (runs chaos-0, the busiest queue)"));

        NodeProcesses.Node singleton = cluster.registryNode();
        int[] registryStarts = new int[3];
        for (NodeProcesses.Node n : cluster.nodes()) {
          registryStarts[n.index] = registryStarts(n);
        }
        events.add(crashAndRestart(cluster, load, singleton, "round " + round + ": kill -9 of " + singleton.name()
            + " (holds the registry singleton)"));
        boolean moved = cluster.nodes().stream().anyMatch(n -> n != singleton
            && registryStarts(n) > registryStarts[n.index]);
        assertThat(moved).as("the registry singleton started on another node after %s was killed", singleton.name())
            .isTrue();
      } while (System.nanoTime() < end);

      load.stopProducers();
      load.awaitAllConsumed(Duration.ofSeconds(120));
      System.out.println("ChaosIT: " + load.summary());
      events.forEach(e -> System.out.println("ChaosIT: " + e));
      assertThat(load.confirmed).as("messages confirmed").hasSizeGreaterThan(1000);
      assertThat(load.lost()).as("confirmed but never consumed (%d); queues now: %s", load.lost().size(),
          cluster.queues()).isEmpty();
      assertThat(load.duplicatesNotFlagged).as("second copies not flagged redelivered").isEmpty();
      assertThat(load.errors).as("client errors other than reconnects").isEmpty();
    }
  }

  /** How often the registry singleton started on this node: first start of the cluster, or a take-over. */
  private static int registryStarts(NodeProcesses.Node n) {
    try {
      return NodeProcesses.count(n, "Registry started") + NodeProcesses.count(n, "Registry took over");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Kills a node, lets the others take over its work for a while, starts it again; answers what happened. */
  private static String crashAndRestart(NodeProcesses cluster, AtLeastOnceLoad load, NodeProcesses.Node node,
      String what) throws Exception {
    long from = load.now();
    cluster.kill(node);
    Thread.sleep(12_000); // failure detection, Split Brain Resolver and the hand-over take ~8 s
    double started = cluster.restart(node);
    Thread.sleep(5_000);
    long to = load.now();
    String line = String.format("%s: ready again %.1f s after restart; %s", what, started, load.pauses(from, to));
    System.out.println("ChaosIT: " + line);
    return line;
  }
}
