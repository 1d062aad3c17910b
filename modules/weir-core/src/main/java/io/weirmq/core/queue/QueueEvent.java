package io.weirmq.core.queue;

import io.weirmq.core.message.MessageProperties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The facts a queue persists: everything recovery needs, nothing about deliveries in flight.
 *
 * <p>{@link QueueState#apply} folds them into the state; the leader, its mirrors, replay and tests
 * all call that same function.
 */
public sealed interface QueueEvent {

  /**
   * The same events with every {@link MessagesAcked} merged into one, at the place of the first.
   * A write that settles many deliveries (a consumer acking one message at a time) then costs one
   * journal row for its acks instead of one per ack. Sound because the events of one write name
   * each message at most once (the queue refuses a second settlement of an id in the same batch),
   * and an ack commutes with every event about other messages.
   */
  static List<QueueEvent> coalesceAcks(List<QueueEvent> events) {
    int acks = 0;
    int ids = 0;
    for (QueueEvent e : events) {
      if (e instanceof MessagesAcked a) {
        acks++;
        ids += a.ids().count();
      }
    }
    if (acks < 2) {
      return events;
    }
    long[] merged = new long[ids];
    int n = 0;
    for (QueueEvent e : events) {
      if (e instanceof MessagesAcked a) {
        long[] values = a.ids().values();
        System.arraycopy(values, 0, merged, n, values.length);
        n += values.length;
      }
    }
    Arrays.sort(merged);
    List<QueueEvent> out = new ArrayList<>(events.size() - acks + 1);
    boolean placed = false;
    for (QueueEvent e : events) {
      if (!(e instanceof MessagesAcked)) {
        out.add(e);
      } else if (!placed) {
        out.add(new MessagesAcked(MessageIds.of(merged)));
        placed = true;
      }
    }
    return out;
  }

  /** The queue was declared or its settings changed (redeclare, policy). */
  record QueueConfigured(QueueSettings settings) implements QueueEvent {}

  /** A batch of messages was accepted; ids are consecutive queue-local sequence numbers. */
  record MessagesEnqueued(List<EnqueuedMessage> messages) implements QueueEvent {
    public MessagesEnqueued {
      messages = List.copyOf(messages);
    }
  }

  /** One message as it entered the queue, body included (the journal is its first home). */
  record EnqueuedMessage(long id, String exchange, String routingKey, MessageProperties properties, byte[] body,
      long enqueuedAt, long expiresAt) {
    @Override
    public boolean equals(Object o) {
      return o instanceof EnqueuedMessage m && id == m.id && exchange.equals(m.exchange)
          && routingKey.equals(m.routingKey) && properties.equals(m.properties) && Arrays.equals(body, m.body)
          && enqueuedAt == m.enqueuedAt && expiresAt == m.expiresAt;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
      return "EnqueuedMessage[id=" + id + ", bytes=" + body.length + "]";
    }
  }

  /**
   * Messages up to {@code upToId} may from now on be delivered. Persisted ahead of deliveries, in
   * chunks, so that after a restart exactly the messages that might have reached a consumer are
   * flagged redelivered.
   */
  record DeliveriesMarked(long upToId) implements QueueEvent {}

  /** Consumers (or auto-ack deliveries) settled these messages; they are gone. */
  record MessagesAcked(MessageIds ids) implements QueueEvent {}

  /** Unacknowledged messages came back (nack/reject with requeue, or their channel went away). */
  record MessagesRequeued(MessageIds ids) implements QueueEvent {}

  /**
   * Messages left the queue for its dead-letter exchange. They wait, still owned by this queue,
   * until {@link DeadLettersSettled} says their copies are safely in the target queues.
   */
  record MessagesDeadLettered(MessageIds ids, DeadLetterReason reason, long at) implements QueueEvent {}

  /** The dead-lettered copies of these messages were confirmed by their target queues (or unroutable). */
  record DeadLettersSettled(MessageIds ids) implements QueueEvent {}

  /** Messages dropped for a reason that would dead-letter them, on a queue without a dead-letter exchange. */
  record MessagesDiscarded(MessageIds ids, DeadLetterReason reason) implements QueueEvent {}

  /** A purge removed these ready messages (unacked ones stay). */
  record MessagesPurged(MessageIds ids) implements QueueEvent {}
}
