package io.weirmq.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.weirmq.client.Address;
import io.weirmq.client.BasicProperties;
import io.weirmq.client.Channel;
import io.weirmq.client.Connection;
import io.weirmq.client.ConnectionFactory;
import io.weirmq.client.WeirConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Producers with publisher confirms and consumers with manual acks, each on its own connection
 * through the Java client with every node's address (each starting at a different node), and the
 * book-keeping of an at-least-once check: what was confirmed, what was consumed how often, whether a
 * second copy was flagged redelivered, every client error that is not a reconnect, and the longest
 * pause in confirms and in deliveries during a time window.
 */
final class AtLeastOnceLoad implements AutoCloseable {

  private final List<Address> addresses;
  private final List<String> queues;
  private final int producersPerQueue0;
  private final AtomicBoolean publishing = new AtomicBoolean(true);
  private final List<Thread> producers = new ArrayList<>();
  private final List<Connection> connections = Collections.synchronizedList(new ArrayList<>());

  final AtomicLong sent = new AtomicLong();
  final Set<String> confirmed = ConcurrentHashMap.newKeySet();
  final Map<String, Integer> received = new ConcurrentHashMap<>();
  final AtomicLong duplicates = new AtomicLong();
  final List<String> duplicatesNotFlagged = Collections.synchronizedList(new ArrayList<>());
  final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  final AtomicLong reconnects = new AtomicLong();
  /** Per queue, milliseconds since the start at which a confirm or a delivery arrived (one entry per ms). */
  private final Map<String, ConcurrentSkipListMap<Long, Boolean>> confirmTimes = new ConcurrentHashMap<>();
  private final Map<String, ConcurrentSkipListMap<Long, Boolean>> deliveryTimes = new ConcurrentHashMap<>();
  private final long t0 = System.nanoTime();

  /**
   * {@code producersPerQueue0}: queue 0 gets this many producers, the others one each, so queue 0 is the busiest.
   */
  AtLeastOnceLoad(List<Address> addresses, List<String> queues, int producersPerQueue0) {
    this.addresses = addresses;
    this.queues = queues;
    this.producersPerQueue0 = producersPerQueue0;
    for (String q : queues) {
      confirmTimes.put(q, new ConcurrentSkipListMap<>());
      deliveryTimes.put(q, new ConcurrentSkipListMap<>());
    }
  }

  long now() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** Each connection lists every address, starting from a different node. */
  private Connection connect(int start, String role) {
    List<Address> order = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      order.add(addresses.get((start + i) % addresses.size()));
    }
    Connection c = new ConnectionFactory().setAutomaticRecoveryEnabled(true)
        .setNetworkRecoveryInterval(Duration.ofMillis(250)).setConnectionTimeout(Duration.ofSeconds(15))
        .setRequestedHeartbeat(5).newConnection(order);
    c.addRecoveryListener(reconnects::incrementAndGet);
    // A node shutting down closes with 320, a crashed one drops the socket (0): anything else the
    // broker closes a connection with is an error, even though the client recovers from it.
    c.addRecoveryStartedListener(cause -> {
      if (cause.code() != 320 && cause.code() != 0) {
        errors.add(role + ": connection closed by the broker: " + cause.code() + " " + cause.reason());
      }
    });
    c.addShutdownListener(cause -> {
      if (publishing.get() || !cause.isInitiatedByApplication()) {
        errors.add(role + ": connection shut down: " + cause.getMessage());
      }
    });
    connections.add(c);
    return c;
  }

  void declareQueues() {
    Connection c = connect(0, "declare");
    Channel ch = c.createChannel();
    for (String q : queues) {
      ch.queueDeclare(q, true, false, false, null);
    }
    ch.close();
  }

  /** One consumer connection per node (by start address), each consuming every queue. */
  void startConsumers() {
    for (int n = 0; n < addresses.size(); n++) {
      String role = "consumer" + (n + 1);
      Connection c = connect(n, role);
      Channel ch = c.createChannel();
      ch.basicQos(50);
      for (String q : queues) {
        ch.basicConsume(q, false, (tag, d) -> {
          String id = d.bodyAsString();
          deliveryTimes.get(q).put(now(), Boolean.TRUE);
          int times = received.merge(id, 1, Integer::sum);
          if (times > 1) {
            duplicates.incrementAndGet();
            if (!d.getEnvelope().isRedeliver()) {
              duplicatesNotFlagged.add(id);
            }
          }
          try {
            ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
          } catch (WeirConnectionException lost) {
            // The socket went: the broker gives the message again, flagged redelivered.
          }
        }, tag -> errors.add(role + ": consumer " + tag + " on " + q + " cancelled by the broker"));
      }
    }
  }

  void startProducers() {
    int p = 0;
    for (int q = 0; q < queues.size(); q++) {
      int count = q == 0 ? producersPerQueue0 : 1;
      for (int k = 0; k < count; k++) {
        String queue = queues.get(q);
        String role = "producer" + (++p);
        Connection c = connect(p, role);
        Thread t = new Thread(() -> produce(c, queue, role), role);
        t.setDaemon(true);
        t.start();
        producers.add(t);
      }
    }
  }

  private void produce(Connection c, String queue, String role) {
    Channel ch = c.createChannel();
    ch.confirmSelect();
    ConcurrentSkipListMap<Long, String> outstanding = new ConcurrentSkipListMap<>();
    ch.addConfirmListener((tag, multiple) -> {
      Map<Long, String> settled = multiple ? outstanding.headMap(tag, true) : outstanding.subMap(tag, true, tag, true);
      if (!settled.isEmpty()) {
        confirmTimes.get(queue).put(now(), Boolean.TRUE);
      }
      confirmed.addAll(settled.values());
      settled.clear();
    }, (tag, multiple) -> {
      // Not confirmed: the broker may or may not have it. Not sent again, so that a copy in the queue
      // is never a second, unflagged one; it simply does not count as confirmed.
      (multiple ? outstanding.headMap(tag, true) : outstanding.subMap(tag, true, tag, true)).clear();
    });
    for (long i = 0; publishing.get(); i++) {
      String id = role + "-" + queue + "-" + i;
      long seq = -1;
      try {
        while (outstanding.size() >= 100 && publishing.get()) {
          Thread.sleep(2); // a window of unconfirmed publishes, as a careful producer keeps
        }
        seq = ch.getNextPublishSeqNo();
        outstanding.put(seq, id);
        ch.basicPublish("", queue, BasicProperties.builder().deliveryMode(2).messageId(id).build(), id.getBytes(UTF_8));
        sent.incrementAndGet();
        Thread.sleep(2); // a steady load the shared 2-core machine can carry next to Cassandra
      } catch (WeirConnectionException lost) {
        outstanding.remove(seq, id);
        sleepQuietly(50); // recovering: the publish did not go out
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        errors.add(role + ": " + e);
        sleepQuietly(50);
      }
    }
  }

  /** Stops publishing and waits until the unconfirmed ones are settled. */
  void stopProducers() throws InterruptedException {
    publishing.set(false);
    for (Thread t : producers) {
      t.join(30_000);
    }
  }

  /** Waits until every confirmed message was consumed, or {@code within} passes. */
  void awaitAllConsumed(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!received.keySet().containsAll(confirmed) && System.nanoTime() < deadline) {
      Thread.sleep(200); // consumers drain the queues; polled with a deadline
    }
    Thread.sleep(2000); // late redeliveries, so that duplicates are counted too
  }

  Set<String> lost() {
    return confirmed.stream().filter(id -> !received.containsKey(id)).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * The longest time one queue went without a confirm, and without a delivery, between {@code fromMs}
   * and {@code toMs}, and which queue it was.
   */
  String pauses(long fromMs, long toMs) {
    return "longest gap without confirms " + longestGap(confirmTimes, fromMs, toMs) + ", without deliveries "
        + longestGap(deliveryTimes, fromMs, toMs);
  }

  private static String longestGap(Map<String, ConcurrentSkipListMap<Long, Boolean>> perQueue, long fromMs,
      long toMs) {
    String worst = "";
    long longest = -1;
    for (var e : new java.util.TreeMap<>(perQueue).entrySet()) {
      long gap = longestGap(e.getValue(), fromMs, toMs);
      if (gap > longest) {
        longest = gap;
        worst = e.getKey();
      }
    }
    return longest + " ms (" + worst + ")";
  }

  private static long longestGap(ConcurrentSkipListMap<Long, Boolean> times, long fromMs, long toMs) {
    long previous = fromMs;
    long longest = 0;
    for (long t : times.subMap(fromMs, true, toMs, true).keySet()) {
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    return Math.max(longest, toMs - previous);
  }

  String summary() {
    return String.format("sent %d, confirmed %d, received %d distinct, duplicates %d (%d not flagged redelivered), "
            + "lost %d, reconnects %d, client errors %d", sent.get(), confirmed.size(), received.size(), duplicates.get(),
        duplicatesNotFlagged.size(), lost().size(), reconnects.get(), errors.size());
  }

  @Override
  public void close() {
    publishing.set(false);
    for (Connection c : new ArrayList<>(connections)) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // already closed
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
