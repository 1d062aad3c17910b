package io.weirmq.node.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.Topology;
import io.weirmq.node.QueueListing;
import io.weirmq.node.queue.QueueRef;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * This node's metrics, in its own Prometheus registry (not the JVM-wide default one: several nodes
 * may share a JVM in tests). Documented metric by metric in docs/metrics.md.
 *
 * <ul>
 *   <li>Counters count what this node did since it started. A queue's counters live on the node
 *       whose entity handled the messages; after a fail-over the queue's new node counts from zero.
 *   <li>Queue gauges (ready, unacked, consumers) are not kept here: each scrape asks every queue of
 *       the topology for its counts, the way {@code GET /api/queues} does, and hands the answers to
 *       {@link #scrape}.
 *   <li>A queue's series exist while this node's copy of the topology holds that queue; a deleted
 *       queue's series disappear.
 * </ul>
 */
public final class NodeMetrics {

  static final String PUBLISHED = "weirmq_queue_messages_published";
  static final String DELIVERED = "weirmq_queue_messages_delivered";
  static final String REDELIVERED = "weirmq_queue_messages_redelivered";
  static final String ACKED = "weirmq_queue_messages_acked";
  static final String DEAD_LETTERED = "weirmq_queue_messages_dead_lettered";
  static final String READY = "weirmq_queue_messages_ready";
  static final String UNACKED = "weirmq_queue_messages_unacked";
  static final String CONSUMERS = "weirmq_queue_consumers";
  static final String UNANSWERED = "weirmq_queues_unanswered";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final MetricsSettings settings;
  private final Supplier<Topology> topology;
  private final Histogram confirms;
  private final Histogram journalWrites;
  private final Gauge connections;
  private final Gauge channels;
  private final ConcurrentMap<QueueRef, QueueMeters> queues = new ConcurrentHashMap<>();

  /**
   * @param topology this node's current copy of the topology: which queues exist, and in which
   *     incarnation
   */
  public NodeMetrics(MetricsSettings settings, Supplier<Topology> topology) {
    this.settings = settings;
    this.topology = topology;
    double[] buckets = settings.bucketArray();
    this.confirms = Histogram.builder()
        .name("weirmq_publish_confirm_duration_seconds")
        .help("Time from a publish reaching this node until every target queue confirmed it (one observation per"
            + " publish call: a WebSocket batch or a REST publish)")
        .classicOnly().classicUpperBounds(buckets).withoutExemplars()
        .register(registry);
    this.journalWrites = Histogram.builder()
        .name("weirmq_journal_write_duration_seconds")
        .help("Time of one group-commit journal write (a batch of publishes and settlements) of a queue on this node")
        .classicOnly().classicUpperBounds(buckets).withoutExemplars()
        .register(registry);
    this.connections = Gauge.builder()
        .name("weirmq_connections")
        .help("Client connections (WebSocket) open on this node")
        .withoutExemplars()
        .register(registry);
    this.channels = Gauge.builder()
        .name("weirmq_channels")
        .help("Channels open on this node (WebSocket channels, and the short-lived ones of REST gets)")
        .withoutExemplars()
        .register(registry);
    registry.register((MultiCollector) this::collectQueueCounters);
    JvmMetrics.builder().register(registry);
  }

  public MetricsSettings settings() {
    return settings;
  }

  /** The counters of one queue incarnation on this node, created at its entity's first start. */
  public QueueMeters queue(QueueRef queue) {
    return queues.computeIfAbsent(queue, q -> new QueueMeters(q, queues, journalWrites));
  }

  /** A publish that reached this node at {@code startNanos} ({@link System#nanoTime()}) is confirmed. */
  public void publishConfirmed(long startNanos) {
    confirms.observe((System.nanoTime() - startNanos) / 1e9);
  }

  /** Message counters of the queues this node hosts, summed, since this node started. */
  public record MessageTotals(long published, long delivered, long redelivered, long acked, long deadLettered) {}

  /** This node's {@link MessageTotals}: what {@code GET /api/overview} shows as message_stats. */
  public MessageTotals messageTotals() {
    long published = 0;
    long delivered = 0;
    long redelivered = 0;
    long acked = 0;
    long deadLettered = 0;
    for (QueueMeters m : queues.values()) {
      published += m.published();
      delivered += m.delivered();
      redelivered += m.redelivered();
      acked += m.acked();
      deadLettered += m.deadLettered();
    }
    return new MessageTotals(published, delivered, redelivered, acked, deadLettered);
  }

  /** Client connections open on this node. */
  public long connections() {
    return (long) connections.get();
  }

  /** Channels open on this node. */
  public long channels() {
    return (long) channels.get();
  }

  public void connectionOpened() {
    connections.inc();
  }

  public void connectionClosed() {
    connections.dec();
  }

  public void channelOpened() {
    channels.inc();
  }

  public void channelClosed() {
    channels.dec();
  }

  /**
   * Everything {@code /metrics} shows: this node's registry (counters, histograms, JVM) and one
   * gauge series per listed queue that answered.
   */
  public MetricSnapshots scrape(List<QueueListing> listed) {
    GaugeSnapshot.Builder ready = GaugeSnapshot.builder().name(READY)
        .help("Messages ready for delivery, as the queue reports them (the same on every node)");
    GaugeSnapshot.Builder unacked = GaugeSnapshot.builder().name(UNACKED)
        .help("Messages delivered and not yet acknowledged, as the queue reports them (the same on every node)");
    GaugeSnapshot.Builder consumers = GaugeSnapshot.builder().name(CONSUMERS)
        .help("Consumers of the queue, as the queue reports them (the same on every node)");
    int unanswered = 0;
    for (QueueListing q : listed) {
      if (!q.answered()) {
        unanswered++;
        continue;
      }
      Labels labels = labels(q.queue().id());
      ready.dataPoint(gauge(labels, q.counts().ready()));
      unacked.dataPoint(gauge(labels, q.counts().unacked()));
      consumers.dataPoint(gauge(labels, q.counts().consumers()));
    }
    GaugeSnapshot unansweredGauge = GaugeSnapshot.builder().name(UNANSWERED)
        .help("Queues whose counts this scrape could not read in time (left out of the queue gauges)")
        .dataPoint(GaugeDataPointSnapshot.builder().value(unanswered).build())
        .build();
    MetricSnapshots.Builder out = MetricSnapshots.builder();
    for (MetricSnapshot s : registry.scrape()) {
      out.metricSnapshot(s);
    }
    return out.metricSnapshot(ready.build()).metricSnapshot(unacked.build()).metricSnapshot(consumers.build())
        .metricSnapshot(unansweredGauge).build();
  }

  /** This node's registry alone, without queue gauges. */
  public MetricSnapshots scrapeRegistry() {
    return registry.scrape();
  }

  private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
    return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private static Labels labels(QueueId queue) {
    return Labels.of("vhost", queue.vhost(), "queue", queue.name());
  }

  /**
   * The per-queue counters of the queues the topology holds now. Counters of an incarnation the
   * topology has seen deleted are dropped here too (a queue that moved away from this node and was
   * deleted elsewhere); one that this node's copy does not know yet is kept, but not shown.
   */
  private MetricSnapshots collectQueueCounters() {
    Topology t = topology.get();
    CounterSnapshot.Builder published = CounterSnapshot.builder().name(PUBLISHED)
        .help("Messages enqueued on the queue by this node since it started (journal writes; dead-letter copies included)");
    CounterSnapshot.Builder delivered = CounterSnapshot.builder().name(DELIVERED)
        .help("Messages handed to consumers or basic.get by this node since it started (manual and auto ack)");
    CounterSnapshot.Builder redelivered = CounterSnapshot.builder().name(REDELIVERED)
        .help("Deliveries counted in delivered that carried the redelivered flag");
    CounterSnapshot.Builder acked = CounterSnapshot.builder().name(ACKED)
        .help("Messages acknowledged by consumers (basic.ack) on this node since it started");
    CounterSnapshot.Builder deadLettered = CounterSnapshot.builder().name(DEAD_LETTERED)
        .help("Messages sent to the queue's dead-letter exchange by this node since it started");
    for (QueueMeters m : queues.values()) {
      QueueRef ref = m.queue();
      if (isDeleted(t, ref)) {
        queues.remove(ref, m);
        continue;
      }
      if (!isCurrent(t, ref)) {
        continue;
      }
      Labels labels = labels(ref.id());
      published.dataPoint(counter(labels, m.published()));
      delivered.dataPoint(counter(labels, m.delivered()));
      redelivered.dataPoint(counter(labels, m.redelivered()));
      acked.dataPoint(counter(labels, m.acked()));
      deadLettered.dataPoint(counter(labels, m.deadLettered()));
    }
    return new MetricSnapshots(published.build(), delivered.build(), redelivered.build(), acked.build(),
        deadLettered.build());
  }

  private static CounterDataPointSnapshot counter(Labels labels, long value) {
    return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  /** The topology holds this incarnation of the queue. */
  static boolean isCurrent(Topology t, QueueRef ref) {
    return t.queue(ref.id()).isPresent() && t.queueIncarnation(ref.id()) == ref.incarnation();
  }

  /**
   * The topology has seen this incarnation declared (its version is at least the incarnation, the
   * version that declared it) and holds it no more: the queue was deleted, perhaps redeclared.
   */
  static boolean isDeleted(Topology t, QueueRef ref) {
    return t.version() >= ref.incarnation() && !isCurrent(t, ref);
  }
}
