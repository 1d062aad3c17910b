package io.weirmq.core.queue;

import static io.weirmq.core.queue.TestMessages.msg;
import static io.weirmq.core.queue.TestMessages.settings;
import static io.weirmq.core.queue.TestMessages.withPriority;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.queue.QueueEvent.DeliveriesMarked;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Restarts from the journal and restores from snapshots. */
class QueueRecoveryTest {

  @Test
  void restartMakesUnackedMessagesReadyAgainFlaggedRedelivered() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"), msg("c"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();
    q.ack("ch1", 2);

    q.restart();

    assertThat(q.state().counts()).isEqualTo(new QueueCounts(2, 0, 2, 0, 0));
    assertThat(q.readyIds()).containsExactly(1L, 3L);
    q.addConsumer("c1", "ch9", 0);
    assertThat(q.deliverAll()).allSatisfy(d -> assertThat(d.redelivered()).isTrue())
        .extracting(Delivery::messageId).containsExactly(1L, 3L);
  }

  @Test
  void aSnapshotsSizeCountsEveryMessageHeldNotOnlyTheBodies() {
    QueueDriver q = new QueueDriver();
    assertThat(q.state().snapshotSizeEstimate()).isZero();
    q.publish(msg("a"), msg("b"), msg("c"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();
    // Three messages of one-byte bodies, all held (two of them unacked then): far more than 3 bytes.
    assertThat(q.state().storedBytes()).isEqualTo(3);
    assertThat(q.state().snapshotSizeEstimate()).isEqualTo(3 + 3L * QueueState.SNAPSHOT_BYTES_PER_MESSAGE);
    q.ack("ch1", 2);
    assertThat(q.state().snapshotSizeEstimate()).isEqualTo(2 + 2L * QueueState.SNAPSHOT_BYTES_PER_MESSAGE);
  }

  @Test
  void restartFlagsOnlyMessagesWithinTheDeliveryMark() {
    QueueDriver q = new QueueDriver(QueueSettings.DEFAULT, 2, 1_000_000L);
    q.publish(msg("m1"), msg("m2"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();
    assertThat(q.state().deliveryMark()).isEqualTo(4);
    q.removeConsumer("c1");
    q.publish(msg("m3"), msg("m4"), msg("m5"), msg("m6"));

    q.restart();

    assertThat(q.state().readyMessages()).extracting(StoredMessage::id, StoredMessage::redelivered)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, true), org.assertj.core.groups.Tuple.tuple(2L, true),
            org.assertj.core.groups.Tuple.tuple(3L, true), org.assertj.core.groups.Tuple.tuple(4L, true),
            org.assertj.core.groups.Tuple.tuple(5L, false), org.assertj.core.groups.Tuple.tuple(6L, false));
  }

  @Test
  void neverDeliveredQueueFlagsNothingAfterARestart() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"));

    q.restart();

    assertThat(q.state().deliveryMark()).isZero();
    assertThat(q.state().readyMessages()).noneMatch(StoredMessage::redelivered);
  }

  @Test
  void deliveryMarkIsPersistedBeforeTheMessagesItCovers() {
    QueueDriver q = new QueueDriver(QueueSettings.DEFAULT, 1, 1_000_000L);
    q.publish(msg("a"), msg("b"), msg("c"));
    q.addConsumer("c1", "ch1", 1);

    q.deliverAll();

    assertThat(q.journal()).filteredOn(DeliveriesMarked.class::isInstance).isNotEmpty();
    assertThat(q.state().deliveryMark()).isGreaterThanOrEqualTo(1);
    QueueState.Dispatch d = q.state().deliver(q.now(), 10);
    assertThat(d.deliveries()).isEmpty();
  }

  @Test
  void deliverAsksForTheMarkInsteadOfDeliveringBeyondIt() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 0);

    QueueState.Dispatch d = q.state().deliver(q.now(), 10);

    assertThat(d.markWanted()).isTrue();
    assertThat(d.deliveries()).isEmpty();
    assertThat(q.state().markDeliveries(5)).containsExactly(new DeliveriesMarked(6));
  }

  @Test
  void restartKeepsDeliveryCountsAndTheRequeuedOrder() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"), msg("c"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();
    q.nack("ch1", true, 2);
    q.deliverAll();
    q.nack("ch1", true, 2, 3);

    q.restart();

    assertThat(q.readyIds()).containsExactly(1L, 2L, 3L);
    assertThat(q.state().readyMessages()).extracting(StoredMessage::deliveryCount).containsExactly(0, 2, 1);
  }

  @Test
  void restartRebuildsBodiesNextIdSettingsAndPendingDeadLetters() {
    QueueSettings s = settings(Map.of("x-dead-letter-exchange", "dlx", "x-max-priority", 5));
    QueueDriver q = new QueueDriver(s);
    q.publish(withPriority("a", 1), withPriority("b", 4), msg("c"));
    q.get("ch1", false);
    q.nack("ch1", false, 2);
    QueueSnapshot before = q.state().snapshot();

    q.restart();

    assertThat(q.state().settings()).isEqualTo(s);
    assertThat(q.state().nextId()).isEqualTo(4);
    assertThat(q.pendingIds()).containsExactly(2L);
    assertThat(q.readyIds()).containsExactly(1L, 3L);
    assertThat(q.store().size()).isEqualTo(3);
    assertThat(q.state().snapshot().messages()).extracting(QueueSnapshot.Entry::id)
        .isEqualTo(before.messages().stream().map(QueueSnapshot.Entry::id).toList());
  }

  @Test
  void restartForgetsConsumersAndOwners() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();

    q.restart();

    assertThat(q.state().consumerCount()).isZero();
    assertThat(q.release("ch1")).isEmpty();
    assertThat(q.readyIds()).containsExactly(1L);
  }

  // ---------------------------------------------------------------- snapshots

  @Test
  void restoredSnapshotBehavesLikeTheOriginal() {
    QueueSettings s = settings(Map.of("x-dead-letter-exchange", "dlx", "x-max-priority", 3, "x-message-ttl", 60_000));
    QueueDriver live = new QueueDriver(s);
    live.publish(withPriority("a", 1), withPriority("b", 3), msg("c"), withPriority("d", 3), msg("e"));
    live.addConsumer("c1", "ch1", 0);
    live.deliver(3);
    live.nack("ch1", false, 2);
    live.nack("ch1", true, 4);
    live.release("ch1");
    live.removeConsumer("c1");

    QueueDriver restored = new QueueDriver(s);
    restored.publish(msg("discarded-by-restore"));
    QueueState copy = QueueState.restore(QueueDriver.QUEUE, live.state().snapshot(), restored.store());

    assertThat(copy.readyMessages()).extracting(StoredMessage::id).isEqualTo(live.readyIds());
    assertThat(copy.counts()).isEqualTo(live.state().counts());
    assertThat(copy.nextId()).isEqualTo(live.state().nextId());
    assertThat(copy.deliveryMark()).isEqualTo(live.state().deliveryMark());
    assertThat(copy.pendingDeadLetters()).isEqualTo(live.state().pendingDeadLetters());
    assertThat(copy.snapshot()).isEqualTo(live.state().snapshot());
    assertThat(restored.store().size()).isEqualTo(live.store().size());
    assertThat(copy.readyMessages()).extracting(StoredMessage::deliveryCount, StoredMessage::redelivered)
        .isEqualTo(live.state().readyMessages().stream()
            .map(m -> org.assertj.core.groups.Tuple.tuple(m.deliveryCount(), m.redelivered())).toList());
  }

  @Test
  void restoredSnapshotDeliversInTheSameOrder() {
    QueueDriver live = new QueueDriver(settings(Map.of("x-max-priority", 3)));
    live.publish(withPriority("a", 1), withPriority("b", 3), msg("c"), withPriority("d", 2));
    live.addConsumer("c1", "ch1", 1);
    live.deliverAll();
    live.nack("ch1", true, 2);

    live.restoreFromSnapshot();
    live.addConsumer("c2", "ch2", 0);

    List<Long> order = live.deliverAll().stream().map(Delivery::messageId).toList();
    assertThat(order).containsExactly(2L, 4L, 1L, 3L);
  }

  @Test
  void snapshotWithUnackedMessagesRestoresThemAsReady() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"));
    q.addConsumer("c1", "ch1", 0);
    q.deliver(1);

    q.restoreFromSnapshot();

    assertThat(q.readyIds()).containsExactly(1L, 2L);
    assertThat(q.state().readyMessages().get(0).redelivered()).isTrue();
    assertThat(q.store().size()).isEqualTo(2);
  }

  @Test
  void journalAfterASnapshotReplaysOnTopOfIt() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-dead-letter-exchange", "dlx")));
    q.publish(msg("a"), msg("b"));
    QueueSnapshot snap = q.state().snapshot();
    int snapAt = q.journal().size();
    q.get("ch1", false);
    q.nack("ch1", false, 1);
    q.publish(msg("c"));

    HeapBodyStore store = new HeapBodyStore();
    QueueState recovered = QueueState.restore(QueueDriver.QUEUE, snap, store);
    q.journal().subList(snapAt, q.journal().size()).forEach(recovered::apply);

    assertThat(recovered.snapshot()).isEqualTo(q.state().snapshot());
    assertThat(store.size()).isEqualTo(q.store().size());
  }
}
