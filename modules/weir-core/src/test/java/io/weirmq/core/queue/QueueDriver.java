package io.weirmq.core.queue;

import io.weirmq.core.message.Message;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.QueueState.Dispatch;
import io.weirmq.core.queue.QueueState.PublishDecision;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives a {@link QueueState} the way the queue entity does: every decision's events are journaled
 * and folded in, deliveries ask for the delivery mark when they need it, and {@link #restart} rebuilds
 * the state from the journal alone, so tests see what a recovered queue would see.
 */
final class QueueDriver {

  static final QueueId QUEUE = new QueueId("/", "q");

  private final List<QueueEvent> journal = new ArrayList<>();
  private final long markAhead;
  private HeapBodyStore store = new HeapBodyStore();
  private QueueState state = new QueueState(QUEUE, store);
  private long now;

  QueueDriver() {
    this(QueueSettings.DEFAULT);
  }

  QueueDriver(QueueSettings settings) {
    this(settings, 3, 1_000_000L);
  }

  /** @param markAhead how far ahead the delivery mark is persisted; small values exercise it often */
  QueueDriver(QueueSettings settings, long markAhead, long startMillis) {
    this.markAhead = markAhead;
    this.now = startMillis;
    configure(settings);
  }

  // ---------------------------------------------------------------- clock and inspection

  long now() {
    return now;
  }

  QueueDriver advance(long millis) {
    now += millis;
    return this;
  }

  QueueState state() {
    return state;
  }

  HeapBodyStore store() {
    return store;
  }

  List<QueueEvent> journal() {
    return List.copyOf(journal);
  }

  List<Long> readyIds() {
    return state.readyMessages().stream().map(StoredMessage::id).toList();
  }

  List<Long> unackedIds() {
    return state.unackedMessages().stream().map(StoredMessage::id).toList();
  }

  List<Long> pendingIds() {
    return state.pendingDeadLetters().stream().map(DeadLetter::messageId).toList();
  }

  // ---------------------------------------------------------------- decisions: journal, then fold

  List<QueueEvent> persist(List<QueueEvent> events) {
    for (QueueEvent e : events) {
      journal.add(e);
      state.apply(e);
    }
    return events;
  }

  List<QueueEvent> configure(QueueSettings settings) {
    return persist(state.configure(settings, now));
  }

  PublishDecision publish(List<Message> batch) {
    PublishDecision d = state.publish(batch, now);
    persist(d.events());
    return d;
  }

  PublishDecision publish(Message... batch) {
    return publish(List.of(batch));
  }

  List<QueueEvent> expire() {
    return persist(state.expire(now));
  }

  List<QueueEvent> ack(String owner, long... ids) {
    return persist(state.ack(owner, MessageIds.of(ids)));
  }

  List<QueueEvent> nack(String owner, boolean requeue, long... ids) {
    return persist(state.nack(owner, MessageIds.of(ids), requeue, now));
  }

  /** basic.reject is a nack of a single delivery. */
  List<QueueEvent> reject(String owner, long id, boolean requeue) {
    return nack(owner, requeue, id);
  }

  List<QueueEvent> release(String owner) {
    return persist(state.release(owner, now));
  }

  List<QueueEvent> purge() {
    return persist(state.purge());
  }

  List<QueueEvent> settleDeadLetters(long... ids) {
    return persist(state.settleDeadLetters(MessageIds.of(ids)));
  }

  // ---------------------------------------------------------------- transient changes

  void addConsumer(String consumerId, String owner, int prefetch) {
    addConsumer(consumerId, owner, prefetch, false, false);
  }

  void addConsumer(String consumerId, String owner, int prefetch, boolean autoAck, boolean exclusive) {
    state.addConsumer(consumerId, owner, prefetch, autoAck, exclusive, now);
  }

  boolean removeConsumer(String consumerId) {
    return state.removeConsumer(consumerId, now);
  }

  /** Delivers up to {@code max} messages, persisting the delivery mark whenever the state asks. */
  List<Delivery> deliver(int max) {
    List<Delivery> out = new ArrayList<>();
    while (out.size() < max) {
      Dispatch d = state.deliver(now, max - out.size());
      persist(d.events());
      out.addAll(d.deliveries());
      if (!d.markWanted()) {
        break;
      }
      persist(state.markDeliveries(markAhead));
    }
    return out;
  }

  List<Delivery> deliverAll() {
    return deliver(Integer.MAX_VALUE);
  }

  /** basic.get; null when the queue has nothing ready. */
  Delivery get(String owner, boolean autoAck) {
    while (true) {
      Dispatch d = state.get(owner, autoAck, now);
      persist(d.events());
      if (!d.markWanted()) {
        return d.deliveries().isEmpty() ? null : d.deliveries().get(0);
      }
      persist(state.markDeliveries(markAhead));
    }
  }

  // ---------------------------------------------------------------- recovery

  /** A crash and recovery: a new state and body store rebuilt from the journal alone. */
  QueueDriver restart() {
    store = new HeapBodyStore();
    state = replay(journal, store);
    state.recoveryCompleted(now);
    return this;
  }

  /** Folds a journal into a fresh state, without ending recovery. */
  static QueueState replay(List<QueueEvent> journal, BodyStore store) {
    QueueState fresh = new QueueState(QUEUE, store);
    journal.forEach(fresh::apply);
    return fresh;
  }

  /** Replaces the state by one restored from its own snapshot, as recovery from a snapshot store does. */
  QueueDriver restoreFromSnapshot() {
    QueueSnapshot snapshot = state.snapshot();
    store = new HeapBodyStore();
    state = QueueState.restore(QUEUE, snapshot, store);
    state.recoveryCompleted(now);
    return this;
  }
}
