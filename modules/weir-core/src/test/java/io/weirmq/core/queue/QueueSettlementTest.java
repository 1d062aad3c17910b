package io.weirmq.core.queue;

import static io.weirmq.core.queue.TestMessages.msg;
import static io.weirmq.core.queue.TestMessages.settings;
import static io.weirmq.core.queue.TestMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.QueueEvent.MessagesAcked;
import io.weirmq.core.queue.QueueEvent.MessagesDeadLettered;
import io.weirmq.core.queue.QueueEvent.MessagesDiscarded;
import io.weirmq.core.queue.QueueEvent.MessagesPurged;
import io.weirmq.core.queue.QueueEvent.MessagesRequeued;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Acks, nacks, rejects, releases and purges, and what each does to messages and their bodies. */
class QueueSettlementTest {

  private static final QueueSettings WITH_DLX = settings(Map.of("x-dead-letter-exchange", "dlx"));

  private static QueueDriver queueWithDelivered(QueueSettings settings, int published, String... owners) {
    QueueDriver q = new QueueDriver(settings);
    for (int i = 1; i <= published; i++) {
      q.publish(msg("m" + i));
    }
    for (String owner : owners) {
      q.addConsumer("c-" + owner, owner, 0);
    }
    q.deliverAll();
    return q;
  }

  private static void assertDeliveryTagRefused(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.kind()).isEqualTo(BrokerException.Kind.PRECONDITION_FAILED);
      assertThat(e.field()).isEqualTo("delivery_tag");
    });
  }

  @Test
  void ackRemovesTheMessageAndItsBody() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 2, "ch1");

    assertThat(q.ack("ch1", 1)).containsExactly(new MessagesAcked(MessageIds.of(1)));

    assertThat(q.unackedIds()).containsExactly(2L);
    assertThat(q.store().size()).isEqualTo(1);
    assertThat(q.state().counts()).isEqualTo(new QueueCounts(0, 1, 0, 1, 0));
  }

  @Test
  void ackOfSeveralIdsSettlesThemAll() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 3, "ch1");

    q.ack("ch1", 1, 2, 3);

    assertThat(q.state().counts().total()).isZero();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void ackOfAnUnknownIdFailsPreconditionNamingDeliveryTag() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 1, "ch1");
    assertDeliveryTagRefused(() -> q.ack("ch1", 42));
    assertThat(q.unackedIds()).containsExactly(1L);
  }

  @Test
  void ackOfAReadyMessageFailsPrecondition() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"));
    assertDeliveryTagRefused(() -> q.ack("ch1", 1));
  }

  @Test
  void ackOfAnotherOwnersMessageFailsPreconditionAndChangesNothing() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 2, "ch1", "ch2");

    assertDeliveryTagRefused(() -> q.ack("ch1", 2));
    assertDeliveryTagRefused(() -> q.nack("ch1", true, 2));
    assertDeliveryTagRefused(() -> q.ack("ch1", 1, 2));

    assertThat(q.unackedIds()).containsExactly(1L, 2L);
    assertThat(q.journal()).noneMatch(e -> e instanceof MessagesAcked || e instanceof MessagesRequeued);
  }

  @Test
  void secondAckOfTheSameMessageFailsPrecondition() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 1, "ch1");
    q.ack("ch1", 1);
    assertDeliveryTagRefused(() -> q.ack("ch1", 1));
  }

  @Test
  void nackWithRequeueReturnsTheMessageToItsOriginalPositionFlaggedRedelivered() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"), msg("c"));
    q.addConsumer("c1", "ch1", 1);
    assertThat(q.deliverAll()).extracting(Delivery::messageId).containsExactly(1L);

    assertThat(q.nack("ch1", true, 1)).containsExactly(new MessagesRequeued(MessageIds.of(1)));

    assertThat(q.readyIds()).containsExactly(1L, 2L, 3L);
    List<Delivery> again = q.deliverAll();
    assertThat(again).singleElement().satisfies(d -> {
      assertThat(text(d.body())).isEqualTo("a");
      assertThat(d.redelivered()).isTrue();
      assertThat(d.deliveryCount()).isEqualTo(1);
    });
  }

  @Test
  void requeuedMessagesGoBackBeforeLaterOnesWhateverTheNackOrder() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 3, "ch1");
    q.publish(msg("m4"));

    q.nack("ch1", true, 3, 1);

    assertThat(q.readyIds()).containsExactly(1L, 3L, 4L);
    assertThat(q.unackedIds()).containsExactly(2L);
    q.nack("ch1", true, 2);
    assertThat(q.readyIds()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(q.state().readyMessages()).extracting(StoredMessage::redelivered)
        .containsExactly(true, true, true, false);
  }

  @Test
  void rejectWithRequeueReturnsTheMessage() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 2, "ch1");

    q.reject("ch1", 2, true);

    assertThat(q.readyIds()).containsExactly(2L);
    assertThat(q.state().readyMessages().get(0).deliveryCount()).isEqualTo(1);
  }

  @Test
  void nackWithoutRequeueDeadLettersWithReasonRejected() {
    QueueDriver q = queueWithDelivered(WITH_DLX, 2, "ch1");

    List<QueueEvent> events = q.nack("ch1", false, 1);

    assertThat(events).singleElement().isInstanceOfSatisfying(MessagesDeadLettered.class, e -> {
      assertThat(e.ids()).isEqualTo(MessageIds.of(1));
      assertThat(e.reason()).isEqualTo(DeadLetterReason.REJECTED);
      assertThat(e.at()).isEqualTo(q.now());
    });
    assertThat(q.pendingIds()).containsExactly(1L);
    assertThat(q.state().counts()).isEqualTo(new QueueCounts(0, 1, 0, 1, 1));
  }

  @Test
  void rejectWithoutRequeueDeadLettersWithReasonRejected() {
    QueueDriver q = queueWithDelivered(WITH_DLX, 1, "ch1");

    q.reject("ch1", 1, false);

    assertThat(q.state().pendingDeadLetters()).singleElement()
        .satisfies(dl -> assertThat(dl.message().properties().headers().get("x-first-death-reason"))
            .isEqualTo("rejected"));
  }

  @Test
  void nackWithoutRequeueOrDeadLetterExchangeDiscardsTheMessageAndItsBody() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 2, "ch1");

    assertThat(q.nack("ch1", false, 1, 2))
        .containsExactly(new MessagesDiscarded(MessageIds.of(1, 2), DeadLetterReason.REJECTED));

    assertThat(q.state().counts().total()).isZero();
    assertThat(q.pendingIds()).isEmpty();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void releaseReturnsAllOfThatOwnersUnackedMessagesAndNoneOfOthers() {
    QueueDriver q = new QueueDriver();
    for (int i = 1; i <= 6; i++) {
      q.publish(msg("m" + i));
    }
    q.addConsumer("c1", "ch1", 0);
    q.addConsumer("c2", "ch2", 0);
    q.deliverAll();

    List<QueueEvent> events = q.release("ch1");

    assertThat(events).containsExactly(new MessagesRequeued(MessageIds.of(1, 3, 5)));
    assertThat(q.readyIds()).containsExactly(1L, 3L, 5L);
    assertThat(q.unackedIds()).containsExactly(2L, 4L, 6L);
    assertThat(q.release("ch1")).isEmpty();
    assertThat(q.release("nobody")).isEmpty();
  }

  @Test
  void releaseCoversBasicGetDeliveries() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"));
    q.get("ch1", false);
    q.get("ch2", false);

    q.release("ch1");

    assertThat(q.readyIds()).containsExactly(1L);
    assertThat(q.unackedIds()).containsExactly(2L);
  }

  @Test
  void removeConsumerKeepsItsUnackedMessagesWithTheirOwner() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 2, "ch1");

    assertThat(q.removeConsumer("c-ch1")).isTrue();
    assertThat(q.removeConsumer("c-ch1")).isFalse();

    assertThat(q.unackedIds()).containsExactly(1L, 2L);
    assertThat(q.state().counts()).isEqualTo(new QueueCounts(0, 2, 0, 0, 0));
    q.ack("ch1", 1);
    q.nack("ch1", true, 2);
    assertThat(q.readyIds()).containsExactly(2L);
  }

  @Test
  void consumerReaddedWithTheSameTagIsNotChargedForItsPredecessorsDeliveries() {
    QueueDriver q = new QueueDriver();
    for (int i = 1; i <= 6; i++) {
      q.publish(msg("m" + i));
    }
    q.addConsumer("c1", "ch1", 2);
    assertThat(q.deliverAll()).hasSize(2);
    q.removeConsumer("c1");
    q.addConsumer("c1", "ch1", 2);
    assertThat(q.deliverAll()).extracting(Delivery::messageId).containsExactly(3L, 4L);

    // settling the old deliveries must not make room under the new consumer's prefetch
    q.ack("ch1", 1, 2);

    assertThat(q.deliverAll()).isEmpty();
    q.ack("ch1", 3);
    assertThat(q.deliverAll()).extracting(Delivery::messageId).containsExactly(5L);
  }

  @Test
  void purgeRemovesReadyMessagesButNotUnackedOnes() {
    QueueDriver q = queueWithDelivered(QueueSettings.DEFAULT, 2, "ch1");
    q.publish(msg("m3"), msg("m4"));

    assertThat(q.purge()).containsExactly(new MessagesPurged(MessageIds.of(3, 4)));

    assertThat(q.readyIds()).isEmpty();
    assertThat(q.unackedIds()).containsExactly(1L, 2L);
    assertThat(q.store().size()).isEqualTo(2);
    assertThat(q.purge()).isEmpty();
    q.nack("ch1", true, 1);
    assertThat(q.readyIds()).containsExactly(1L);
  }

  @Test
  void purgeDoesNotTouchPendingDeadLetters() {
    QueueDriver q = queueWithDelivered(WITH_DLX, 1, "ch1");
    q.nack("ch1", false, 1);

    q.purge();

    assertThat(q.pendingIds()).containsExactly(1L);
  }

  // ---------------------------------------------------------------- x-delivery-limit

  @Test
  void returnsBeyondTheDeliveryLimitDeadLetterWithReasonDeliveryLimit() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-delivery-limit", 2, "x-dead-letter-exchange", "dlx")));
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 0);

    for (int returns = 1; returns <= 2; returns++) {
      assertThat(q.deliverAll()).singleElement().satisfies(d -> assertThat(d.messageId()).isEqualTo(1L));
      assertThat(q.nack("ch1", true, 1)).containsExactly(new MessagesRequeued(MessageIds.of(1)));
    }
    assertThat(q.deliverAll()).singleElement().satisfies(d -> assertThat(d.deliveryCount()).isEqualTo(2));
    List<QueueEvent> third = q.nack("ch1", true, 1);

    assertThat(third).singleElement().isInstanceOfSatisfying(MessagesDeadLettered.class,
        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.DELIVERY_LIMIT));
    assertThat(q.state().pendingDeadLetters()).singleElement().satisfies(dl -> assertThat(
        dl.message().properties().headers().get("x-first-death-reason")).isEqualTo("delivery_limit"));
  }

  @Test
  void releaseCountsTowardsTheDeliveryLimit() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-delivery-limit", 0)));
    q.publish(msg("a"), msg("b"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();

    assertThat(q.release("ch1"))
        .containsExactly(new MessagesDiscarded(MessageIds.of(1, 2), DeadLetterReason.DELIVERY_LIMIT));
    assertThat(q.state().counts().total()).isZero();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void deliveryLimitSplitsABatchIntoRequeuedAndDeadLettered() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-delivery-limit", 1, "x-dead-letter-exchange", "dlx")));
    q.publish(msg("a"), msg("b"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();
    q.nack("ch1", true, 1);
    q.deliverAll();

    List<QueueEvent> events = q.nack("ch1", true, 1, 2);

    assertThat(events).containsExactly(new MessagesRequeued(MessageIds.of(2)),
        new MessagesDeadLettered(MessageIds.of(1), DeadLetterReason.DELIVERY_LIMIT, q.now()));
    assertThat(q.readyIds()).containsExactly(2L);
    assertThat(q.pendingIds()).containsExactly(1L);
  }

  @Test
  void acksOfOneWriteCoalesceIntoOneEventWithTheSameOutcome() {
    QueueDriver original = queueWithDelivered(QueueSettings.DEFAULT, 6, "ch1");
    QueueDriver coalesced = queueWithDelivered(QueueSettings.DEFAULT, 6, "ch1");
    // Decided together against one state, as the queue entity decides a batch of settlements.
    List<QueueEvent> batch = new java.util.ArrayList<>();
    batch.addAll(original.state().ack("ch1", MessageIds.of(4)));
    batch.addAll(original.state().nack("ch1", MessageIds.of(2), true, original.now()));
    batch.addAll(original.state().ack("ch1", MessageIds.of(1, 3)));
    batch.addAll(original.state().ack("ch1", MessageIds.of(6)));

    List<QueueEvent> merged = QueueEvent.coalesceAcks(batch);

    assertThat(merged).containsExactly(new MessagesAcked(MessageIds.of(1, 3, 4, 6)), new MessagesRequeued(MessageIds.of(2)));
    original.persist(batch);
    coalesced.persist(merged);
    assertThat(coalesced.readyIds()).isEqualTo(original.readyIds()).containsExactly(2L);
    assertThat(coalesced.unackedIds()).isEqualTo(original.unackedIds()).containsExactly(5L);
    assertThat(coalesced.state().counts()).isEqualTo(original.state().counts());
    assertThat(coalesced.store().size()).isEqualTo(original.store().size());
  }

  @Test
  void coalescingLeavesABatchWithAtMostOneAckUntouched() {
    List<QueueEvent> one = List.of(new MessagesRequeued(MessageIds.of(2)), new MessagesAcked(MessageIds.of(1)));
    assertThat(QueueEvent.coalesceAcks(one)).isSameAs(one);
  }

  @Test
  void aDecidedAckFreesItsConsumersCreditBeforeItIsAppliedAndOnlyOnce() {
    QueueDriver q = new QueueDriver();
    for (int i = 1; i <= 3; i++) {
      q.publish(msg("m" + i));
    }
    q.addConsumer("c1", "ch1", 1);
    assertThat(q.deliverAll()).extracting(Delivery::messageId).containsExactly(1L);

    List<QueueEvent> ack = q.state().ack("ch1", MessageIds.of(1)); // decided, not yet written
    q.state().releaseCredit(MessageIds.of(1));
    assertThat(q.deliverAll()).extracting(Delivery::messageId).containsExactly(2L);

    q.persist(ack); // written: message 1 is gone, and its credit is not freed a second time
    assertThat(q.unackedIds()).containsExactly(2L);
    assertThat(q.deliverAll()).isEmpty();
    q.ack("ch1", 2);
    assertThat(q.deliverAll()).extracting(Delivery::messageId).containsExactly(3L);
  }
}
