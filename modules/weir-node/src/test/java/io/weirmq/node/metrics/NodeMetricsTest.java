package io.weirmq.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.Topology;
import io.weirmq.node.queue.QueueRef;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Which queue counters a scrape shows, against this node's copy of the topology: the cluster cases
 * a single-node test cannot make (a copy that lags behind the queue's entity, a queue deleted on
 * another node after it moved away from this one).
 */
class NodeMetricsTest {

  private final AtomicReference<Topology> topology = new AtomicReference<>(new Topology());
  private final NodeMetrics metrics = new NodeMetrics(
      new MetricsSettings(List.of(0.001, 0.01, 0.1, 1.0), Duration.ofSeconds(5)), topology::get);

  private void change(java.util.function.Function<Topology, List<io.weirmq.core.routing.TopologyEvent>> decide) {
    Topology next = Topology.fromSnapshot(topology.get().snapshot());
    next.applyAll(decide.apply(next));
    topology.set(next);
  }

  /** The published counter of each queue the scrape shows, by queue name. */
  private Map<String, Long> published() {
    Map<String, Long> out = new HashMap<>();
    for (MetricSnapshot s : metrics.scrapeRegistry()) {
      if (s instanceof CounterSnapshot c && c.getMetadata().getName().equals(NodeMetrics.PUBLISHED)) {
        c.getDataPoints().forEach(p -> out.put(p.getLabels().get("queue"), (long) p.getValue()));
      }
    }
    return out;
  }

  @Test
  void countersShowOnlyOnceTheTopologyHoldsTheirIncarnationAndAreKeptMeanwhile() {
    change(t -> t.addVhost("/"));
    QueueId id = new QueueId("/", "early");
    // The entity of a queue just declared can start here before this node's copy has the declaration.
    QueueRef ref = new QueueRef(id, topology.get().version() + 1);
    metrics.queue(ref).published.add(2);
    assertThat(published()).doesNotContainKey("early");

    change(t -> t.declareQueue(QueueDefinition.of("/", "early")));
    assertThat(topology.get().queueIncarnation(id)).isEqualTo(ref.incarnation());
    assertThat(published()).containsEntry("early", 2L);
  }

  @Test
  void aQueueDeletedAfterItsEntityMovedAwayLeavesTheScrapeAndTheNode() {
    change(t -> t.addVhost("/"));
    change(t -> t.declareQueue(QueueDefinition.of("/", "moved")));
    QueueId id = new QueueId("/", "moved");
    QueueRef ref = new QueueRef(id, topology.get().queueIncarnation(id));
    QueueMeters old = metrics.queue(ref);
    old.published.add(5);
    assertThat(published()).containsEntry("moved", 5L);

    // Deleted on the node it moved to: this node's entity never saw the Shutdown, only the topology change.
    change(t -> t.deleteQueue(id));
    assertThat(published()).doesNotContainKey("moved");
    assertThat(metrics.queue(ref)).as("dropped, not only hidden").isNotSameAs(old);
  }

  @Test
  void aRedeclaredQueueShowsItsNewIncarnationFromZero() {
    change(t -> t.addVhost("/"));
    QueueId id = new QueueId("/", "again");
    change(t -> t.declareQueue(QueueDefinition.of("/", "again")));
    metrics.queue(new QueueRef(id, topology.get().queueIncarnation(id))).published.add(7);
    change(t -> t.deleteQueue(id));
    change(t -> t.declareQueue(QueueDefinition.of("/", "again")));
    metrics.queue(new QueueRef(id, topology.get().queueIncarnation(id)));

    assertThat(published()).containsEntry("again", 0L);
  }
}
