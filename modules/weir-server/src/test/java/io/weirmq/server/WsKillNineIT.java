package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the broker process while a producer publishes with confirms over WebSocket: after a
 * restart on the same data directory every confirmed message is consumed (at least once). How many
 * unconfirmed ones also arrived, and how many duplicates, is printed, not asserted: both are allowed.
 */
class WsKillNineIT {

  private static final int MIN_CONFIRMED_BEFORE_KILL = 300;
  private static final int MAX_PUBLISHES = 50_000;

  @TempDir
  Path dataDir;

  @Test
  void everyMessageConfirmedOverWebSocketIsConsumedAfterKillNineAndRestart() throws Exception {
    int remotingPort = freePort();
    int httpPort = freePort();
    URI ws = URI.create("ws://127.0.0.1:" + httpPort + "/ws");
    String queue = "kill9-orders";
    Set<Long> confirmed = ConcurrentHashMap.newKeySet();
    AtomicLong sent = new AtomicLong();

    Process first = start(remotingPort, httpPort, dataDir.resolve("node-1.log"));
    try {
      try (WsFrameClient producer = new WsFrameClient(ws)) {
        producer.ok("channel.open", 1);
        producer.ok("queue.declare", 1, "name", queue, "durable", true);
        producer.ok("confirm.select", 1);
        Thread reader = new Thread(() -> readConfirms(producer, confirmed), "confirm-reader");
        reader.setDaemon(true);
        reader.start();
        Thread publisher = new Thread(() -> {
          try {
            for (long i = 1; i <= MAX_PUBLISHES && !producer.ended.isDone(); i++) {
              producer.send(WsFrameClient.frame("basic.publish", 1, "exchange", "", "routing_key", queue,
                  "properties", Map.of("delivery_mode", 2), "payload", "m" + i));
              sent.set(i);
            }
          } catch (RuntimeException e) {
            // the broker died mid-stream: expected
          }
        }, "publisher");
        publisher.setDaemon(true);
        publisher.start();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (confirmed.size() < MIN_CONFIRMED_BEFORE_KILL) {
          assertThat(System.nanoTime()).as("confirms before the kill (%d so far)", confirmed.size())
              .isLessThan(deadline);
          Thread.sleep(10);
        }
        first.destroyForcibly(); // SIGKILL, mid-stream
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        publisher.join(TimeUnit.SECONDS.toMillis(30));
        reader.join(TimeUnit.SECONDS.toMillis(30));
      }
    } finally {
      first.destroyForcibly();
    }
    Set<Long> confirmedBeforeKill = new TreeSet<>(confirmed);

    Map<Long, Integer> received = new ConcurrentHashMap<>();
    Process second = start(remotingPort, httpPort, dataDir.resolve("node-2.log"));
    try (WsFrameClient consumer = new WsFrameClient(ws)) {
      consumer.ok("channel.open", 1);
      JsonNode declared = consumer.ok("queue.declare", 1, "name", queue, "durable", true);
      long inQueue = declared.get("message_count").asLong();
      consumer.ok("basic.qos", 1, "prefetch_count", 200);
      consumer.ok("basic.consume", 1, "queue", queue, "consumer_tag", "after-restart");
      JsonNode d;
      while ((d = consumer.next(Duration.ofSeconds(3))) != null) {
        assertThat(d.get("method").asText()).as("%s", d).isEqualTo("basic.deliver");
        String payload = d.get("payload").asText();
        received.merge(Long.parseLong(payload.substring(1)), 1, Integer::sum);
        consumer.send(WsFrameClient.frame("basic.ack", 1, "delivery_tag", d.get("delivery_tag").asLong(),
            "multiple", false));
      }
      long duplicates = received.values().stream().mapToLong(n -> n - 1).sum();
      long unconfirmedButArrived = received.keySet().stream().filter(n -> !confirmedBeforeKill.contains(n)).count();
      System.out.printf("kill -9 over WebSocket: sent %d, confirmed %d, in queue after restart %d, received %d "
              + "(distinct %d), unconfirmed but arrived %d, duplicates %d%n", sent.get(), confirmedBeforeKill.size(),
          inQueue, received.values().stream().mapToLong(Integer::longValue).sum(), received.size(),
          unconfirmedButArrived, duplicates);

      Set<Long> lost = new TreeSet<>(confirmedBeforeKill);
      lost.removeAll(received.keySet());
      assertThat(lost).as("confirmed before kill -9 but not consumed after the restart").isEmpty();
      assertThat(received.keySet()).as("nothing that was never sent").allSatisfy(n -> assertThat(n).isBetween(1L,
          sent.get() + 1));
    } finally {
      second.destroyForcibly();
      second.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Records the publish numbers acked (a nack would be a refusal, which this test does not expect). */
  private static void readConfirms(WsFrameClient producer, Set<Long> confirmed) {
    while (true) {
      boolean ended = producer.ended.isDone();
      JsonNode f = producer.next(Duration.ofMillis(200));
      if (f == null) {
        if (ended) {
          return; // every frame that arrived before the socket ended was read
        }
        continue;
      }
      String method = f.path("method").asText();
      if (method.equals("basic.ack")) {
        long tag = f.get("delivery_tag").asLong();
        if (f.path("multiple").asBoolean()) {
          for (long t = 1; t <= tag; t++) {
            confirmed.add(t);
          }
        } else {
          confirmed.add(tag);
        }
      } else if (!method.equals("basic.nack")) {
        throw new AssertionError("unexpected frame while publishing: " + f);
      }
    }
  }

  private static Process start(int remotingPort, int httpPort, Path logFile) throws Exception {
    Path jar = Path.of(System.getProperty("weir.server.jar"));
    assertThat(jar).exists();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString());
    pb.environment().put("WEIR_DATA_DIR", logFile.getParent().toString());
    pb.environment().put("WEIR_REMOTING_PORT", Integer.toString(remotingPort));
    pb.environment().put("WEIR_HTTP_PORT", Integer.toString(httpPort));
    pb.redirectErrorStream(true);
    // To a file, not a pipe: a pipe can be cut when the process ends, losing its last lines.
    pb.redirectOutput(logFile.toFile());
    Process node = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!contains(logFile, "WeirMQ node ready") && node.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(contains(logFile, "WeirMQ node ready")).as("startup log:%n%s", Files.readString(logFile)).isTrue();
      return node;
    } catch (Throwable t) {
      node.destroyForcibly();
      throw t;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean contains(Path logFile, String text) throws IOException {
    return Files.exists(logFile) && Files.readString(logFile, StandardCharsets.UTF_8).contains(text);
  }
}
