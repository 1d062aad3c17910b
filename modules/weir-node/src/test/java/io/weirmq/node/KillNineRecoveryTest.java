package io.weirmq.node;

import static io.weirmq.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.model.QueueId;
import io.weirmq.node.channel.BrokerChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded journal's promise: a message confirmed to its publisher survives a kill -9 of the
 * broker process. A child JVM publishes with confirms; it is killed with SIGKILL mid-stream; a new
 * node on the same data directory must hold every confirmed message.
 */
class KillNineRecoveryTest {

  private static final int CONFIRMS_BEFORE_KILL = 3000;

  @TempDir
  Path dataDir;

  @Test
  void everyMessageConfirmedBeforeAKillNineIsThereAfterRecovery() throws Exception {
    String queue = "kill-nine";
    Set<Long> confirmed = new HashSet<>();
    ProcessBuilder pb = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        PublishingChild.class.getName(), dataDir.toString(), queue);
    pb.redirectError(dataDir.resolve("child-stderr.log").toFile());
    Process child = pb.start();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      String line;
      while (confirmed.size() < CONFIRMS_BEFORE_KILL && (line = lines.readLine()) != null) {
        if (line.startsWith("CONFIRMED ")) {
          confirmed.add(Long.parseLong(line.substring(10)));
        } else if (line.startsWith("FAILED")) {
          throw new AssertionError("publish failed in the child: " + line);
        }
        assertThat(System.nanoTime()).as("child confirms in time").isLessThan(deadline);
      }
      // SIGKILL while publishes are still in flight; on Linux destroyForcibly sends SIGKILL.
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // Confirms printed before the kill that we had not read yet still count, as far as they can
      // be read: once the process is gone Java may close its output under us.
      try {
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("CONFIRMED ")) {
            confirmed.add(Long.parseLong(line.substring(10)));
          }
        }
      } catch (java.io.IOException closedAfterExit) {
        // Nothing more to read.
      }
    } finally {
      child.destroyForcibly();
    }
    assertThat(confirmed).hasSizeGreaterThanOrEqualTo(CONFIRMS_BEFORE_KILL);

    try (TestNodes.Node node = TestNodes.start(dataDir)) {
      Set<Long> received = ConcurrentHashMap.newKeySet();
      AtomicLong duplicates = new AtomicLong();
      AtomicLong lastDelivery = new AtomicLong(System.nanoTime());
      BrokerChannel channel = node.broker().openChannel("verifier");
      await(channel.basicConsume(new QueueId("/", queue), "", true, false, (tag, envelope) -> {
        if (!received.add(Long.parseLong(envelope.properties().messageId()))) {
          duplicates.incrementAndGet();
        }
        lastDelivery.set(System.nanoTime());
      }, null));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && (!received.containsAll(confirmed)
          || System.nanoTime() - lastDelivery.get() < TimeUnit.SECONDS.toNanos(2))) {
        Thread.sleep(100);
      }
      Set<Long> lost = new HashSet<>(confirmed);
      lost.removeAll(received);
      long unconfirmedArrived = received.stream().filter(id -> !confirmed.contains(id)).count();
      System.out.printf("kill -9 recovery: confirmed=%d received=%d lost=%d duplicates=%d unconfirmed-but-stored=%d%n",
          confirmed.size(), received.size(), lost.size(), duplicates.get(), unconfirmedArrived);
      assertThat(lost).as("confirmed messages lost").isEmpty();
      assertThat(duplicates.get()).isZero();
      channel.close();
    }
  }
}
