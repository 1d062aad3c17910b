package io.weirmq.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.Broker;
import io.weirmq.node.PublishOutcome;
import io.weirmq.node.WeirNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives the {@link Broker} facade in-process on the H2 file journal: persistent messages with
 * publisher confirms, a fixed number in flight, into one or more durable queues. Prints confirmed
 * messages per second and confirm latency percentiles. A benchmark to run by hand; results belong
 * in docs/benchmarks.md with the command line.
 *
 * <pre>
 * java -cp modules/weir-bench/target/weir-bench.jar io.weirmq.bench.BrokerPublishBenchmark \
 *     --queues 1 --size 1024 --in-flight 2000 --warmup 10 --seconds 30
 * </pre>
 */
public final class BrokerPublishBenchmark {

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    int queues = Integer.parseInt(opts.getOrDefault("queues", "1"));
    int size = Integer.parseInt(opts.getOrDefault("size", "1024"));
    int inFlight = Integer.parseInt(opts.getOrDefault("in-flight", "2000"));
    int batch = Integer.parseInt(opts.getOrDefault("batch", "1"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "10"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
    Path data = opts.containsKey("data") ? Path.of(opts.get("data")) : Files.createTempDirectory("weir-bench");

    // -D overrides win, then the harness's own settings, then the server's profile.
    Config config = ConfigFactory.systemProperties().withFallback(ConfigFactory.parseString("weir.data-dir = \"" + data.toAbsolutePath() + "\"\n"
            + "akka.remote.artery.canonical.port = 0\nakka.coordinated-shutdown.exit-jvm = off\n")
        .withFallback(ConfigFactory.parseResources("application.conf")))
        .withFallback(ConfigFactory.defaultReference())
        .resolve(); // after the override, so ${weir.data-dir} in the journal URL sees it
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", config);
    Broker broker = WeirNode.start(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
    List<String> names = new ArrayList<>();
    for (int q = 0; q < queues; q++) {
      String name = "bench-" + q;
      names.add(name);
      broker.declareQueue(new QueueDefinition(new QueueId("/", name), true, false, false, Map.of(), null))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    byte[] body = new byte[size];
    MessageProperties props = MessageProperties.builder().persistent().build();
    Semaphore window = new Semaphore(inFlight);
    Recorder latency = new Recorder(3);
    AtomicLong confirmed = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
    long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
    long confirmedAtMeasureStart = -1;
    Histogram total = new Histogram(3);
    long next = 0;
    long lastReport = System.nanoTime();
    while (System.nanoTime() < end) {
      window.acquire(batch);
      List<Message> messages = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        messages.add(new Message("", names.get((int) (next++ % queues)), props, body));
      }
      long sent = System.nanoTime();
      broker.publish("/", messages).whenComplete((outcomes, failure) -> {
        long took = System.nanoTime() - sent;
        window.release(messages.size());
        if (failure != null) {
          failed.addAndGet(messages.size());
          return;
        }
        for (PublishOutcome o : outcomes) {
          if (o.confirmed()) {
            confirmed.incrementAndGet();
            latency.recordValue(took / 1000);
          } else {
            failed.incrementAndGet();
          }
        }
      });
      long now = System.nanoTime();
      if (confirmedAtMeasureStart < 0 && now >= measureFrom) {
        confirmedAtMeasureStart = confirmed.get();
        latency.getIntervalHistogram(); // drop warm-up samples
      }
      if (now - lastReport >= TimeUnit.SECONDS.toNanos(5)) {
        lastReport = now;
        Histogram h = latency.getIntervalHistogram();
        if (confirmedAtMeasureStart >= 0) {
          total.add(h);
        }
        System.out.printf("t=%4ds confirmed=%d failed=%d confirm p50=%.2fms p99=%.2fms%n",
            TimeUnit.NANOSECONDS.toSeconds(now - start), confirmed.get(), failed.get(),
            h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
      }
    }
    long measuredConfirmed = confirmed.get() - confirmedAtMeasureStart;
    window.acquire(inFlight); // let the tail drain so the process ends cleanly
    total.add(latency.getIntervalHistogram());
    System.out.printf("RESULT queues=%d size=%d in-flight=%d batch=%d seconds=%d: %.0f confirmed msg/s; "
            + "confirm latency p50=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms; failed=%d%n",
        queues, size, inFlight, batch, seconds, measuredConfirmed / (double) seconds,
        total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(99) / 1000.0,
        total.getValueAtPercentile(99.9) / 1000.0, total.getMaxValue() / 1000.0, failed.get());
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (!opts.containsKey("data")) {
      // A run writes gigabytes; a temporary journal left behind by each one fills the disk.
      deleteRecursively(data);
    }
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }
}
