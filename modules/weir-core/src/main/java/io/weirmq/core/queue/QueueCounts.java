package io.weirmq.core.queue;

/** A queue's sizes, as RabbitMQ reports them: ready, unacknowledged and their sum. */
public record QueueCounts(long ready, long unacked, long readyBytes, int consumers, long pendingDeadLetters) {

  public long total() {
    return ready + unacked;
  }
}
