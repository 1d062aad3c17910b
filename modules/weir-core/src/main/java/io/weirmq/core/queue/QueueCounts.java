package io.weirmq.core.queue;

/**
 * A queue's sizes, as RabbitMQ reports them: ready, unacknowledged and their sum; and, under
 * x-single-active-consumer, which consumer is the active one (null otherwise, or with no consumer).
 */
public record QueueCounts(long ready, long unacked, long readyBytes, int consumers, long pendingDeadLetters,
    String activeConsumer) {

  public QueueCounts(long ready, long unacked, long readyBytes, int consumers, long pendingDeadLetters) {
    this(ready, unacked, readyBytes, consumers, pendingDeadLetters, null);
  }

  public long total() {
    return ready + unacked;
  }
}
