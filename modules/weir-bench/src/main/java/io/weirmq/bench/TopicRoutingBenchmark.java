package io.weirmq.bench;

import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.RouteResult;
import io.weirmq.core.routing.Topology;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Publish routing through a topic exchange with 10,000 bindings of realistic patterns
 * ({@code region.*.orders.#} and the like), routing keys drawn from a precomputed array.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TopicRoutingBenchmark {

  static final int BINDINGS = 10_000;
  static final int QUEUES = 2_000;
  static final int KEYS = 4_096;

  static final String[] REGIONS = words("eu", "us", "apac", "latam", "mea", "cn", "in", "au", "ca", "uk",
      "de", "fr", "jp", "br", "za", "kr", "sg", "mx", "ng", "se");
  static final String[] SITES = numbered("site", 200);
  static final String[] ENTITIES = words("orders", "payments", "shipments", "users", "invoices", "refunds",
      "carts", "stock");
  static final String[] EVENTS = words("created", "updated", "cancelled", "completed", "failed", "retried");
  static final String[] PRIORITIES = words("low", "normal", "high");

  @Param({"selective", "broad"})
  public String patterns;

  Topology topology;
  String[] keys;
  int next;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    topology = new Topology();
    topology.applyAll(topology.addVhost("/"));
    topology.applyAll(topology.declareExchange(ExchangeDefinition.of("/", "events", ExchangeType.TOPIC)));
    for (int q = 0; q < QUEUES; q++) {
      topology.applyAll(topology.declareQueue(QueueDefinition.of("/", "q" + q)));
    }
    int added = 0;
    while (added < BINDINGS) {
      Binding b = Binding.toQueue("/", "events", "q" + random.nextInt(QUEUES), pattern(random, patterns.equals("broad")));
      var events = topology.bind(b);
      topology.applyAll(events);
      added += events.size();
    }
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = pick(random, REGIONS) + "." + pick(random, SITES) + "." + pick(random, ENTITIES) + "."
          + pick(random, EVENTS) + (random.nextBoolean() ? "." + pick(random, PRIORITIES) : "");
    }
  }

  /**
   * Mostly literal prefixes with a wildcard or two, as subscribers write them. "selective" gives
   * about a dozen matching queues per message; "broad" (many leading wildcards) well over a hundred,
   * so the cost of fan-out itself shows.
   */
  static String pattern(Random r, boolean broad) {
    String region = r.nextInt(broad ? 10 : 50) == 0 ? "*" : pick(r, REGIONS);
    String site = r.nextInt(broad ? 3 : 10) == 0 ? "*" : pick(r, SITES);
    String entity = r.nextInt(broad ? 8 : 10) == 0 ? "*" : pick(r, ENTITIES);
    return switch (r.nextInt(6)) {
      case 0 -> region + "." + site + "." + entity + ".#";
      case 1 -> region + (broad ? "" : "." + site) + ".#." + pick(r, EVENTS);
      case 2 -> region + "." + site + "." + entity + "." + pick(r, EVENTS);
      case 3 -> region + "." + site + "." + entity + ".*." + pick(r, PRIORITIES);
      case 4 -> "#." + (broad ? "" : site + ".") + entity + "." + pick(r, EVENTS) + (r.nextBoolean() ? ".#" : "");
      default -> region + "." + site + ".#";
    };
  }

  @Benchmark
  public RouteResult route() {
    String key = keys[next++ & (KEYS - 1)];
    return topology.route("/", "events", key, Map.of());
  }

  static String pick(Random r, String[] words) {
    return words[r.nextInt(words.length)];
  }

  static String[] words(String... w) {
    return w;
  }

  static String[] numbered(String prefix, int n) {
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = prefix + i;
    }
    return out;
  }
}
