package io.weirmq.core.queue;

import io.weirmq.core.message.MessageProperties;
import java.util.Arrays;
import java.util.List;

/**
 * A queue's durable state at one point, bodies included: what a snapshot store keeps so that
 * recovery need not replay the whole journal. Deliveries in flight are not part of it.
 */
public record QueueSnapshot(QueueSettings settings, long nextId, long deliveryMark, List<Entry> messages) {

  public QueueSnapshot {
    messages = List.copyOf(messages);
  }

  /** One message; {@code pendingReason} is set when it waits to be dead-lettered. */
  public record Entry(long id, String exchange, String routingKey, MessageProperties properties, byte[] body,
      long enqueuedAt, long expiresAt, int deliveryCount, boolean redelivered, DeadLetterReason pendingReason,
      long pendingAt) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e && id == e.id && exchange.equals(e.exchange) && routingKey.equals(e.routingKey)
          && properties.equals(e.properties) && Arrays.equals(body, e.body) && enqueuedAt == e.enqueuedAt
          && expiresAt == e.expiresAt && deliveryCount == e.deliveryCount && redelivered == e.redelivered
          && pendingReason == e.pendingReason && pendingAt == e.pendingAt;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
      return "Entry[id=" + id + ", bytes=" + body.length + "]";
    }
  }
}
