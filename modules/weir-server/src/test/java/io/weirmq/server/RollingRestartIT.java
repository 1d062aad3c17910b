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
 * A rolling restart of a three-node cluster under load, as Kubernetes rolls a StatefulSet: each node
 * in turn gets SIGTERM, exits, starts again and becomes ready before the next. Producers confirm,
 * consumers ack by hand, all through the Java client with every node's address. Nothing confirmed
 * may be lost, a second copy must be flagged redelivered, and clients see nothing but reconnects.
 */
class RollingRestartIT {

  @TempDir static Path dir;
  private static LocalCassandra cassandra;

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "RollingRestartIT");
  }

  @AfterAll
  static void stopCassandra() throws Exception {
    if (cassandra != null) {
      cassandra.close();
    }
  }

  @Test
  void aRollingRestartOfEveryNodeUnderLoadLosesNoConfirmedMessageAndClientsOnlyReconnect() throws Exception {
    List<String> queues = List.of("rolling-0", "rolling-1", "rolling-2");
    List<String> pauses = new ArrayList<>();
    // Nothing here crashes, so failure detection only has to tolerate the machine: on the shared
    // 2-core machine (load average about 20) a restarting node's JVM stalled past the profile's 2 s
    // while it joined, the others downed it and it stopped itself (cluster.conf says to raise this
    // on machines that stall longer).
    try (NodeProcesses cluster = new NodeProcesses(dir, cassandra, 3, "RollingRestartIT")
             .withJvmOptions("-Dakka.cluster.failure-detector.acceptable-heartbeat-pause=10s");
         AtLeastOnceLoad load = new AtLeastOnceLoad(cluster.addresses(), queues, 1)) {
      cluster.startAll();
      load.declareQueues();
      load.startConsumers();
      load.startProducers();
      Thread.sleep(5_000); // load before the first restart

      for (NodeProcesses.Node node : cluster.nodes()) {
        long from = load.now();
        double stopped = cluster.terminate(node, Duration.ofSeconds(60));
        double started = cluster.restart(node);
        Thread.sleep(5_000); // the restarted node takes clients again before the next goes
        long to = load.now();
        String line = String.format("restart of %s: exited %.1f s after SIGTERM, ready %.1f s after start; %s",
            node.name(), stopped, started, load.pauses(from, to));
        pauses.add(line);
        System.out.println("RollingRestartIT: " + line);
        assertThat(NodeProcesses.log(node)).as("%s logged its shutdown phases", node.name())
            .contains("Shutdown phase cluster-leave took").contains("WebSocket connections with 320");
      }
      load.stopProducers();
      load.awaitAllConsumed(Duration.ofSeconds(90));

      System.out.println("RollingRestartIT: " + load.summary());
      pauses.forEach(p -> System.out.println("RollingRestartIT: " + p));
      assertThat(load.confirmed).as("messages confirmed").hasSizeGreaterThan(1000);
      assertThat(load.lost()).as("confirmed but never consumed (%d); queues now: %s", load.lost().size(),
          cluster.queues()).isEmpty();
      assertThat(load.duplicatesNotFlagged).as("second copies not flagged redelivered").isEmpty();
      assertThat(load.errors).as("client errors other than reconnects").isEmpty();
      assertThat(load.reconnects.get()).as("clients reconnected to other nodes").isPositive();
    }
  }
}
