package io.weirmq.core.queue;

import static io.weirmq.core.queue.TestMessages.msg;
import static io.weirmq.core.queue.TestMessages.ofSize;
import static io.weirmq.core.queue.TestMessages.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.message.Message;
import io.weirmq.core.queue.QueueEvent.MessagesDeadLettered;
import io.weirmq.core.queue.QueueEvent.MessagesDiscarded;
import io.weirmq.core.queue.QueueEvent.MessagesEnqueued;
import io.weirmq.core.queue.QueueState.PublishDecision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** x-max-length, x-max-length-bytes and the three x-overflow behaviours. */
class QueueLengthLimitTest {

  @Test
  void dropHeadDropsTheOldestAndDeadLettersItWithReasonMaxlen() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 2, "x-dead-letter-exchange", "dlx")));
    q.publish(msg("a"), msg("b"));

    PublishDecision d = q.publish(msg("c"));

    assertThat(d.accepted()).containsExactly(true);
    assertThat(d.events()).hasSize(2).element(1)
        .isEqualTo(new MessagesDeadLettered(MessageIds.of(1), DeadLetterReason.MAXLEN, q.now()));
    assertThat(q.readyIds()).containsExactly(2L, 3L);
    assertThat(q.pendingIds()).containsExactly(1L);
    assertThat(q.state().pendingDeadLetters().get(0).message().properties().headers())
        .containsEntry("x-first-death-reason", "maxlen");
  }

  @Test
  void dropHeadWithoutADeadLetterExchangeDiscardsTheOldestAndItsBody() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 2)));
    q.publish(msg("a"), msg("b"), msg("c"), msg("d"));

    assertThat(q.journal()).contains(new MessagesDiscarded(MessageIds.of(1, 2), DeadLetterReason.MAXLEN));
    assertThat(q.readyIds()).containsExactly(3L, 4L);
    assertThat(q.store().size()).isEqualTo(2);
  }

  @Test
  void dropHeadIsTheDefaultOverflow() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 1)));
    q.publish(msg("a"));
    assertThat(q.publish(msg("b")).accepted()).containsExactly(true);
    assertThat(q.readyIds()).containsExactly(2L);
  }

  @Test
  void dropHeadWithMaxLengthZeroDropsEveryNewMessage() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 0)));
    PublishDecision d = q.publish(msg("a"), msg("b"));

    assertThat(d.accepted()).containsExactly(true, true);
    assertThat(q.state().counts().total()).isZero();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void dropHeadByBytesDropsAsManyOldMessagesAsNeeded() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length-bytes", 100)));
    q.publish(ofSize(40), ofSize(40), ofSize(20));

    q.publish(ofSize(70));

    assertThat(q.readyIds()).containsExactly(3L, 4L);
    assertThat(q.state().counts().readyBytes()).isEqualTo(90);
  }

  @Test
  void messageLargerThanTheByteLimitIsDroppedItself() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length-bytes", 10)));
    q.publish(ofSize(5));

    q.publish(ofSize(11));

    assertThat(q.readyIds()).isEmpty();
    assertThat(q.journal()).contains(new MessagesDiscarded(MessageIds.of(1, 2), DeadLetterReason.MAXLEN));
  }

  @Test
  void dropHeadWithinABatchDropsItsOwnOldestMessages() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 2)));
    q.publish(msg("a"), msg("b"), msg("c"), msg("d"), msg("e"));

    assertThat(q.readyIds()).containsExactly(4L, 5L);
    assertThat(q.state().nextId()).isEqualTo(6);
  }

  @Test
  void rejectPublishRefusesTheMessageAndEnqueuesNothing() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 2, "x-overflow", "reject-publish",
        "x-dead-letter-exchange", "dlx")));
    q.publish(msg("a"), msg("b"));

    PublishDecision d = q.publish(msg("c"));

    assertThat(d.accepted()).containsExactly(false);
    assertThat(d.events()).isEmpty();
    assertThat(d.rejectedDeadLetters()).isEmpty();
    assertThat(q.readyIds()).containsExactly(1L, 2L);
    assertThat(q.state().nextId()).isEqualTo(3);
  }

  @Test
  void rejectPublishAcceptsABatchUntilTheQueueIsFull() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 2, "x-overflow", "reject-publish")));
    q.publish(msg("a"));

    PublishDecision d = q.publish(msg("b"), msg("c"), msg("d"));

    assertThat(d.accepted()).containsExactly(true, false, false);
    assertThat(d.events()).singleElement().isInstanceOfSatisfying(MessagesEnqueued.class,
        e -> assertThat(e.messages()).extracting(QueueEvent.EnqueuedMessage::id).containsExactly(2L));
  }

  @Test
  void rejectPublishByBytesRefusesWhatDoesNotFit() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length-bytes", 100, "x-overflow", "reject-publish")));

    PublishDecision d = q.publish(ofSize(60), ofSize(50), ofSize(40));

    assertThat(d.accepted()).containsExactly(true, false, true);
    assertThat(q.state().counts().readyBytes()).isEqualTo(100);
  }

  @Test
  void rejectPublishDlxRejectsAndReturnsTheDeadLetterCopy() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 1, "x-overflow", "reject-publish-dlx",
        "x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "dead")));
    q.publish(msg("a"));

    PublishDecision d = q.publish(msg("b"));

    assertThat(d.accepted()).containsExactly(false);
    assertThat(d.events()).isEmpty();
    assertThat(d.rejectedDeadLetters()).singleElement().satisfies(m -> {
      assertThat(m.exchange()).isEqualTo("dlx");
      assertThat(m.routingKey()).isEqualTo("dead");
      assertThat(TestMessages.text(m.body())).isEqualTo("b");
      assertThat(m.properties().headers()).containsEntry("x-first-death-reason", "maxlen");
    });
    assertThat(q.pendingIds()).isEmpty();
  }

  @Test
  void rejectPublishDlxWithoutADeadLetterExchangeOnlyRejects() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 0, "x-overflow", "reject-publish-dlx")));

    PublishDecision d = q.publish(msg("a"));

    assertThat(d.accepted()).containsExactly(false);
    assertThat(d.rejectedDeadLetters()).isEmpty();
  }

  @Test
  void maxLengthCountsReadyMessagesOnly() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 2, "x-overflow", "reject-publish")));
    q.publish(msg("a"), msg("b"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();

    PublishDecision d = q.publish(msg("c"), msg("d"), msg("e"));

    assertThat(d.accepted()).containsExactly(true, true, false);
    assertThat(q.state().counts()).isEqualTo(new QueueCounts(2, 2, 2, 1, 0));
  }

  @Test
  void dropHeadNeverDropsUnackedMessages() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 1)));
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();

    q.publish(msg("b"), msg("c"));

    assertThat(q.unackedIds()).containsExactly(1L);
    assertThat(q.readyIds()).containsExactly(3L);
  }

  @Test
  void requeueMayExceedTheLimitAndTheNextPublishRestoresIt() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-length", 1)));
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 1);
    q.deliverAll();
    q.publish(msg("b"));
    q.nack("ch1", true, 1);
    assertThat(q.readyIds()).containsExactly(1L, 2L);

    q.removeConsumer("c1");
    q.publish(msg("c"));

    assertThat(q.readyIds()).containsExactly(3L);
  }

  @Test
  void tighteningTheLimitTrimsTheQueueAtOnceAndOnEveryPublish() {
    QueueDriver q = new QueueDriver();
    for (int i = 0; i < 5; i++) {
      q.publish(msg("m" + i));
    }
    List<QueueEvent> events = q.configure(settings(Map.of("x-max-length", 2)));

    assertThat(events).hasSize(2);
    assertThat(events.get(1)).isInstanceOf(MessagesDiscarded.class);
    assertThat(q.readyIds()).containsExactly(4L, 5L);
    q.publish(List.<Message>of(msg("new")));

    assertThat(q.readyIds()).containsExactly(5L, 6L);
  }

  @Test
  void aLoweredLimitWithADeadLetterExchangeDeadLettersTheHeadWithReasonMaxlen() {
    QueueDriver q = new QueueDriver();
    for (int i = 0; i < 3; i++) {
      q.publish(msg("m" + i));
    }
    List<QueueEvent> events = q.configure(settings(Map.of("x-max-length", 1, "x-dead-letter-exchange", "dlx")));

    assertThat(events.get(1)).isInstanceOfSatisfying(MessagesDeadLettered.class, e -> {
      assertThat(e.ids().values()).containsExactly(1L, 2L);
      assertThat(e.reason()).isEqualTo(DeadLetterReason.MAXLEN);
    });
    assertThat(q.readyIds()).containsExactly(3L);
    assertThat(q.state().pendingDeadLetterIds()).containsExactly(1L, 2L);
  }

  @Test
  void aLoweredByteLimitTrimsByBodySize() {
    QueueDriver q = new QueueDriver();
    q.publish(ofSize(10));
    q.publish(ofSize(10));
    q.publish(ofSize(10));

    q.configure(settings(Map.of("x-max-length-bytes", 15)));

    assertThat(q.readyIds()).containsExactly(3L);
  }

  @Test
  void aLoweredLimitUnderRejectPublishKeepsWhatTheQueueHolds() {
    QueueDriver q = new QueueDriver();
    for (int i = 0; i < 3; i++) {
      q.publish(msg("m" + i));
    }
    List<QueueEvent> events = q.configure(settings(Map.of("x-max-length", 1, "x-overflow", "reject-publish")));

    assertThat(events).hasSize(1);
    assertThat(q.readyIds()).containsExactly(1L, 2L, 3L);
    assertThat(q.publish(List.<Message>of(msg("refused"))).accepted()).containsExactly(false);
  }
}
