package io.weirmq.node.metrics;

import io.prometheus.metrics.core.metrics.Histogram;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.node.queue.QueueRef;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One queue incarnation's counters on this node, held by its entity from its start.
 *
 * <p>Everything here is on the hot path: each call is a {@link LongAdder} add (or one histogram
 * observation) per batch of messages, with no lookup by label and no allocation. {@link NodeMetrics}
 * reads the adders when {@code /metrics} is scraped.
 */
public final class QueueMeters {

  private final QueueRef queue;
  private final ConcurrentMap<QueueRef, QueueMeters> owner;
  private final Histogram journalWrites;
  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder redelivered = new LongAdder();
  final LongAdder acked = new LongAdder();
  final LongAdder deadLettered = new LongAdder();

  QueueMeters(QueueRef queue, ConcurrentMap<QueueRef, QueueMeters> owner, Histogram journalWrites) {
    this.queue = queue;
    this.owner = owner;
    this.journalWrites = journalWrites;
  }

  public QueueRef queue() {
    return queue;
  }

  /**
   * Counts what a live event (not one replayed at recovery) records: messages enqueued are
   * published, messages moved to the dead-letter exchange are dead-lettered.
   */
  public void persisted(QueueEvent event) {
    if (event instanceof QueueEvent.MessagesEnqueued e) {
      published.add(e.messages().size());
    } else if (event instanceof QueueEvent.MessagesDeadLettered e) {
      deadLettered.add(e.ids().count());
    }
  }

  /** Messages handed to consumers or to basic.get, of which {@code redelivered} carried the flag. */
  public void delivered(int messages, int redeliveredMessages) {
    if (messages > 0) {
      delivered.add(messages);
    }
    if (redeliveredMessages > 0) {
      redelivered.add(redeliveredMessages);
    }
  }

  /** Messages a consumer acknowledged (basic.ack; auto-ack deliveries are only delivered). */
  public void acked(long messages) {
    if (messages > 0) {
      acked.add(messages);
    }
  }

  /** Dead-letter copies of publishes refused by {@code x-overflow=reject-publish-dlx}. */
  public void deadLettered(long messages) {
    if (messages > 0) {
      deadLettered.add(messages);
    }
  }

  /** A journal write that started at {@code startNanos} ({@link System#nanoTime()}) has completed. */
  public void journalWritten(long startNanos) {
    journalWrites.observe((System.nanoTime() - startNanos) / 1e9);
  }

  /** The queue was deleted: its series leave {@code /metrics} at once. */
  public void retire() {
    owner.remove(queue, this);
  }

  public long published() {
    return published.sum();
  }

  public long delivered() {
    return delivered.sum();
  }

  public long redelivered() {
    return redelivered.sum();
  }

  public long acked() {
    return acked.sum();
  }

  public long deadLettered() {
    return deadLettered.sum();
  }
}
