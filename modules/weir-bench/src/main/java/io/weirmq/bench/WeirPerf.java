package io.weirmq.bench;

import io.weirmq.client.BasicProperties;
import io.weirmq.client.Channel;
import io.weirmq.client.Connection;
import io.weirmq.client.ConnectionFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A load tool for a running WeirMQ node over the WebSocket client, in the spirit of RabbitMQ's
 * PerfTest: producers and consumers on their own connections in this JVM, the send time
 * ({@code System.nanoTime()}, in decimal) embedded in each body, a line per second and a summary with
 * publish→confirm and publish→deliver latency percentiles.
 *
 * <pre>
 * java -cp modules/weir-bench/target/weir-bench.jar io.weirmq.bench.WeirPerf \
 *     --uri ws://127.0.0.1:15672/ws --producers 1 --consumers 1 --queue q1 --persistent \
 *     --confirm 100 --prefetch 100 --size 1024 --duration 30
 * </pre>
 *
 * Bodies are ASCII (the timestamp in decimal, then padding) so the client sends them as JSON
 * strings of exactly {@code --size} bytes (at least 20) rather than base64.
 */
public final class WeirPerf {

  /** Parsed command line. */
  static final class Options {
    String uri = "ws://127.0.0.1:15672/ws";
    int producers = 1;
    int consumers = 1;
    String queue = "weir-perf";
    String exchange = "direct";
    String exchangeType = "direct";
    String routingKey; // default: the queue's name
    int size = 1024;
    int confirm = 0;
    int prefetch = 0;
    boolean autoAck = false;
    int rate = 0;
    Pacing pacing = Pacing.MILLIS;
    int slowMillis = 0;
    int duration = 30;
    boolean persistent = false;

    String routingKey() {
      return routingKey != null ? routingKey : queue;
    }
  }

  private static final String USAGE = """
      usage: WeirPerf [--uri ws://127.0.0.1:15672/ws] [--producers 1] [--consumers 1] [--queue weir-perf]
                      [--exchange direct] [--exchange-type direct] [--routing-key <queue>] [--size 1024]
                      [--confirm 0] [--prefetch 0] [--auto-ack] [--rate 0] [--pacing millis] [--duration 30]
                      [--persistent] [--slow-ms 0]
        --confirm N   at most N unconfirmed publishes per producer; 0 = no confirms
        --rate N      N msg/s per producer; 0 = as fast as possible
        --slow-ms N   at the end, list when (UTC, to 100 ms) confirms took longer than N ms, to line
                      them up with GC or other logs; 0 (the default) = off
        --pacing P    how a producer keeps --rate: millis (the default) sleeps whole milliseconds and then
                      sends every publish that is due, as PerfTest's -r does on Java 17, so that both tools
                      offer a broker the same load; even sends each publish at its own time (1/N s apart)
        --exchange '' publishes to the default exchange with the queue as routing key""";

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--auto-ack" -> o.autoAck = true;
        case "--persistent" -> o.persistent = true;
        case "-h", "--help" -> throw new IllegalArgumentException(USAGE);
        default -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("missing value for " + a + "\n" + USAGE);
          }
          String v = args[++i];
          switch (a) {
            case "--uri" -> o.uri = v;
            case "--producers" -> o.producers = nonNegative(a, v);
            case "--consumers" -> o.consumers = nonNegative(a, v);
            case "--queue" -> o.queue = v;
            case "--exchange" -> o.exchange = v;
            case "--exchange-type" -> o.exchangeType = v;
            case "--routing-key" -> o.routingKey = v;
            case "--size" -> o.size = nonNegative(a, v);
            case "--confirm" -> o.confirm = nonNegative(a, v);
            case "--prefetch" -> o.prefetch = nonNegative(a, v);
            case "--rate" -> o.rate = nonNegative(a, v);
            case "--pacing" -> o.pacing = Pacing.parse(v);
            case "--slow-ms" -> o.slowMillis = nonNegative(a, v);
            case "--duration" -> o.duration = nonNegative(a, v);
            default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
          }
        }
      }
    }
    if (o.duration == 0) {
      throw new IllegalArgumentException("--duration must be at least 1 second");
    }
    return o;
  }

  private static int nonNegative(String name, String value) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": not a number: " + value);
    }
    if (n < 0) {
      throw new IllegalArgumentException(name + ": must be >= 0, got " + value);
    }
    return n;
  }

  // ---------------------------------------------------------------- counters shared by all threads

  private final Options o;
  private final LongAdder published = new LongAdder();
  private final LongAdder confirmed = new LongAdder();
  private final LongAdder nacked = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final Recorder confirmLatency = new Recorder(3); // microseconds
  private final Recorder deliverLatency = new Recorder(3); // microseconds
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final SlowConfirms slow;

  private WeirPerf(Options o) {
    this.o = o;
    this.slow = new SlowConfirms(TimeUnit.MILLISECONDS.toNanos(o.slowMillis));
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    new WeirPerf(o).run();
    System.exit(0);
  }

  private void run() throws Exception {
    ConnectionFactory factory = new ConnectionFactory().setUri(o.uri);
    List<Connection> connections = new ArrayList<>();

    // Topology, on its own connection.
    try (Connection admin = factory.newConnection()) {
      Channel ch = admin.createChannel();
      if (!o.exchange.isEmpty()) {
        ch.exchangeDeclare(o.exchange, o.exchangeType, true);
      }
      ch.queueDeclare(o.queue, true, false, false, null);
      if (!o.exchange.isEmpty()) {
        ch.queueBind(o.queue, o.exchange, o.routingKey());
      }
    }

    for (int i = 0; i < o.consumers; i++) {
      Connection c = factory.newConnection();
      connections.add(c);
      startConsumer(c.createChannel());
    }
    List<Thread> producers = new ArrayList<>();
    for (int i = 0; i < o.producers; i++) {
      Connection c = factory.newConnection();
      connections.add(c);
      Channel ch = c.createChannel();
      Producer p = new Producer(ch);
      Thread t = new Thread(p, "producer-" + i);
      producers.add(t);
    }

    System.out.printf("WeirPerf: %s producers=%d consumers=%d queue=%s exchange='%s' (%s) routing-key=%s size=%d "
            + "confirm=%d prefetch=%d auto-ack=%s rate=%d pacing=%s persistent=%s duration=%ds%n",
        o.uri, o.producers, o.consumers, o.queue, o.exchange, o.exchangeType, o.routingKey(), o.size,
        o.confirm, o.prefetch, o.autoAck, o.rate, o.pacing.name().toLowerCase(java.util.Locale.ROOT), o.persistent,
        o.duration);

    Histogram confirmTotal = new Histogram(3);
    Histogram deliverTotal = new Histogram(3);
    confirmLatency.getIntervalHistogram();
    deliverLatency.getIntervalHistogram();
    long start = System.nanoTime();
    producers.forEach(Thread::start);
    long lastPub = 0, lastConf = 0, lastNack = 0, lastDel = 0;
    long lastTick = start;
    for (int s = 1; s <= o.duration; s++) {
      long tick = start + TimeUnit.SECONDS.toNanos(s);
      while (System.nanoTime() < tick) {
        LockSupport.parkNanos(tick - System.nanoTime());
      }
      long now = System.nanoTime();
      double secs = (now - lastTick) / 1e9;
      lastTick = now;
      long pub = published.sum(), conf = confirmed.sum(), nack = nacked.sum(), del = delivered.sum();
      Histogram ci = confirmLatency.getIntervalHistogram();
      Histogram di = deliverLatency.getIntervalHistogram();
      confirmTotal.add(ci);
      deliverTotal.add(di);
      System.out.printf("time %3d s, published %,8.0f msg/s, confirmed %,8.0f msg/s, nacked %,5.0f msg/s, "
              + "delivered %,8.0f msg/s, confirm p50/p99 %s/%s ms, deliver p50/p99 %s/%s ms%n",
          s, (pub - lastPub) / secs, (conf - lastConf) / secs, (nack - lastNack) / secs, (del - lastDel) / secs,
          ms(ci, 50), ms(ci, 99), ms(di, 50), ms(di, 99));
      lastPub = pub;
      lastConf = conf;
      lastNack = nack;
      lastDel = del;
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long pub = published.sum(), conf = confirmed.sum(), nack = nacked.sum(), del = delivered.sum();
    running.set(false);
    for (Thread t : producers) {
      t.interrupt();
      t.join(5_000);
    }
    confirmTotal.add(confirmLatency.getIntervalHistogram());
    deliverTotal.add(deliverLatency.getIntervalHistogram());

    System.out.printf("SUMMARY duration %.1f s: published %,.0f msg/s, confirmed %,.0f msg/s, nacked %,.0f msg/s, "
            + "delivered %,.0f msg/s%n", elapsed, pub / elapsed, conf / elapsed, nack / elapsed, del / elapsed);
    System.out.println("SUMMARY confirm latency (publish->confirm) " + percentiles(confirmTotal));
    System.out.println("SUMMARY deliver latency (publish->deliver) " + percentiles(deliverTotal));
    slow.print();
    for (Connection c : connections) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing at the end of a run; nothing to do
      }
    }
  }

  private static String ms(Histogram h, double p) {
    return h.getTotalCount() == 0 ? "-" : String.format("%.2f", h.getValueAtPercentile(p) / 1000.0);
  }

  private static String percentiles(Histogram h) {
    if (h.getTotalCount() == 0) {
      return "(no samples)";
    }
    return String.format("p50 %.2f ms, p75 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (%,d samples)",
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(75) / 1000.0,
        h.getValueAtPercentile(95) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0,
        h.getTotalCount());
  }

  /**
   * Confirms slower than a threshold, counted per 100 ms of wall clock: a stall shows as a burst of
   * them (about a confirm window's worth), whose time can be lined up with the broker's GC log
   * (-Xlog:gc:...:utctime), a profiler's events or a packet capture. Rare by design, so one lock is cheap enough.
   */
  static final class SlowConfirms {
    private final long thresholdNanos;
    /** Per 100 ms of wall clock: {count, longest in nanoseconds}. Guarded by itself. */
    private final TreeMap<Long, long[]> windows = new TreeMap<>();

    SlowConfirms(long thresholdNanos) {
      this.thresholdNanos = thresholdNanos;
    }

    void record(long latencyNanos) {
      if (thresholdNanos == 0 || latencyNanos <= thresholdNanos) {
        return;
      }
      long window = System.currentTimeMillis() / 100;
      synchronized (windows) {
        long[] w = windows.computeIfAbsent(window, k -> new long[2]);
        w[0]++;
        w[1] = Math.max(w[1], latencyNanos);
      }
    }

    List<String> lines() {
      List<String> lines = new ArrayList<>();
      java.time.format.DateTimeFormatter utc = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.S")
          .withZone(java.time.ZoneOffset.UTC);
      synchronized (windows) {
        windows.forEach((window, w) -> lines.add(String.format("SLOW %s UTC: %d confirms over %d ms, longest %.1f ms",
            utc.format(java.time.Instant.ofEpochMilli(window * 100)), w[0], TimeUnit.NANOSECONDS.toMillis(thresholdNanos),
            w[1] / 1e6)));
      }
      return lines;
    }

    void print() {
      lines().forEach(System.out::println);
    }
  }

  /**
   * How a producer keeps a fixed rate. PerfTest's {@code -r} goes through Guava's SmoothBursty limiter,
   * which sleeps with {@code TimeUnit.sleep}; on Java 17 that sleeps whole milliseconds (a 200 µs wait
   * becomes 1 ms), and the limiter then lets every publish that fell due go at once: at 5,000 msg/s,
   * about five publishes leave together each millisecond. {@link #MILLIS} does the same, so a
   * comparison offers both brokers one load; {@link #EVEN} spaces publishes exactly (the only pacing
   * before; against WeirMQ the two gave the same percentiles within run-to-run noise, docs/benchmarks.md).
   */
  enum Pacing {
    MILLIS,
    EVEN;

    static Pacing parse(String value) {
      return switch (value) {
        case "millis" -> MILLIS;
        case "even" -> EVEN;
        default -> throw new IllegalArgumentException("--pacing: must be millis or even, got " + value);
      };
    }

    /** How long a producer sleeps for a wait of {@code waitNanos} (before it looks at the clock again). */
    long sleepNanos(long waitNanos) {
      return this == EVEN ? waitNanos : (waitNanos + 999_999) / 1_000_000 * 1_000_000;
    }

    void pause(long waitNanos) throws InterruptedException {
      if (this == EVEN) {
        LockSupport.parkNanos(waitNanos);
      } else {
        Thread.sleep(sleepNanos(waitNanos) / 1_000_000);
      }
    }
  }

  // ---------------------------------------------------------------- body: decimal send time, then padding

  /** Send times are nanoTime minus this, so positive and comparable within this JVM. */
  private static final long EPOCH = System.nanoTime() - 1;

  static long now() {
    return System.nanoTime() - EPOCH;
  }

  /** A body of {@code size} bytes (at least 20, to hold the time) starting with {@code sent} in decimal. */
  static byte[] body(int size, long sent) {
    byte[] b = new byte[Math.max(size, 20)];
    Arrays.fill(b, (byte) 'x');
    String t = Long.toString(sent);
    for (int i = 0; i < t.length(); i++) {
      b[i] = (byte) t.charAt(i);
    }
    b[t.length()] = ' ';
    return b;
  }

  /** The send time at the start of a body, or -1 if there is none. */
  static long timestamp(byte[] body) {
    long v = 0;
    int i = 0;
    for (; i < body.length && i < 19; i++) {
      byte c = body[i];
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
    }
    return i == 0 ? -1 : v;
  }

  // ---------------------------------------------------------------- consumer

  private void startConsumer(Channel ch) {
    if (o.prefetch > 0) {
      ch.basicQos(o.prefetch);
    }
    boolean autoAck = o.autoAck;
    ch.basicConsume(o.queue, autoAck, (tag, d) -> {
      long sent = timestamp(d.getBody());
      if (sent > 0) {
        deliverLatency.recordValue(Math.max(0, (now() - sent) / 1000));
      }
      delivered.increment();
      if (!autoAck) {
        ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
      }
    }, tag -> System.err.println("consumer " + tag + " cancelled by the broker"));
  }

  // ---------------------------------------------------------------- producer

  private final class Producer implements Runnable {
    private final Channel ch;
    private final Semaphore window;
    /** Send time by publish number, for publishes not yet confirmed. Guarded by itself. */
    private final TreeMap<Long, Long> unsettled = new TreeMap<>();

    Producer(Channel ch) {
      this.ch = ch;
      if (o.confirm > 0) {
        window = new Semaphore(o.confirm);
        ch.confirmSelect();
        ch.addConfirmListener((tag, multiple) -> settle(tag, multiple, true),
            (tag, multiple) -> settle(tag, multiple, false));
      } else {
        window = null;
      }
    }

    /** On the connection's reader thread: settles publish {@code tag}, or every one up to it. */
    private void settle(long tag, boolean multiple, boolean ack) {
      long now = now();
      int n = 0;
      synchronized (unsettled) {
        if (multiple) {
          var head = unsettled.headMap(tag, true);
          for (long sent : head.values()) {
            n++;
            if (ack) {
              confirmLatency.recordValue(Math.max(0, (now - sent) / 1000));
              slow.record(now - sent);
            }
          }
          head.clear();
        } else {
          Long sent = unsettled.remove(tag);
          if (sent != null) {
            n++;
            if (ack) {
              confirmLatency.recordValue(Math.max(0, (now - sent) / 1000));
            }
          }
        }
      }
      (ack ? confirmed : nacked).add(n);
      window.release(n);
    }

    @Override
    public void run() {
      BasicProperties props = o.persistent ? BasicProperties.PERSISTENT : BasicProperties.EMPTY;
      String exchange = o.exchange;
      String key = o.exchange.isEmpty() ? o.queue : o.routingKey();
      long period = o.rate > 0 ? TimeUnit.SECONDS.toNanos(1) / o.rate : 0;
      long next = System.nanoTime();
      try {
        while (running.get()) {
          if (period > 0) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
              o.pacing.pause(wait);
              continue; // recheck the time and the running flag
            }
            next += period;
          }
          if (window != null) {
            window.acquire();
          }
          long sent = now();
          byte[] body = body(o.size, sent);
          if (window != null) {
            // Only this thread publishes on the channel, so this is the number the publish gets.
            long seq = ch.getNextPublishSeqNo();
            synchronized (unsettled) {
              unsettled.put(seq, sent);
            }
          }
          ch.basicPublish(exchange, key, props, body);
          published.increment();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        if (running.get()) {
          System.err.println(Thread.currentThread().getName() + " stopped: " + e);
        }
      }
    }
  }
}
