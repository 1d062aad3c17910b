package io.weirmq.node.metrics;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * The {@code weir.metrics} section: what {@code /metrics} reports and how long it waits.
 *
 * @param latencyBuckets upper bounds, in seconds, of the buckets of both latency histograms
 * @param queueCountsTimeout how long a scrape waits for each queue's counts; a queue that has not
 *     answered by then is left out of that scrape (and counted in {@code weirmq_queues_unanswered})
 */
public record MetricsSettings(List<Double> latencyBuckets, Duration queueCountsTimeout) {

  public MetricsSettings {
    latencyBuckets = List.copyOf(latencyBuckets);
    if (latencyBuckets.isEmpty()) {
      throw new IllegalArgumentException("weir.metrics.latency-buckets: needs at least one bucket");
    }
    for (int i = 1; i < latencyBuckets.size(); i++) {
      if (latencyBuckets.get(i) <= latencyBuckets.get(i - 1)) {
        throw new IllegalArgumentException("weir.metrics.latency-buckets: must increase, got " + latencyBuckets);
      }
    }
  }

  public static MetricsSettings from(Config root) {
    Config c = root.getConfig("weir.metrics");
    return new MetricsSettings(c.getDoubleList("latency-buckets"), c.getDuration("queue-counts-timeout"));
  }

  double[] bucketArray() {
    return latencyBuckets.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
