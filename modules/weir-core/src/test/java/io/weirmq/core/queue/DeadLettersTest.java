package io.weirmq.core.queue;

import static io.weirmq.core.queue.TestMessages.msg;
import static io.weirmq.core.queue.TestMessages.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.QueueEvent.DeadLettersSettled;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dead-lettering: the pending copies, their settlement, and the x-death header as RabbitMQ builds it. */
class DeadLettersTest {

  private static final QueueId Q = QueueDriver.QUEUE;
  private static final QueueSettings DLX = settings(Map.of("x-dead-letter-exchange", "dlx"));
  private static final long T = 1_700_000_123_456L;

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> deaths(Message m) {
    return (List<Map<String, Object>>) m.properties().headers().get("x-death");
  }

  private static QueueDriver rejectedOnce(QueueSettings settings, Message... messages) {
    QueueDriver q = new QueueDriver(settings);
    q.publish(messages);
    q.addConsumer("c1", "ch1", 0);
    long[] ids = q.deliverAll().stream().mapToLong(Delivery::messageId).toArray();
    q.nack("ch1", false, ids);
    return q;
  }

  @Test
  void deadLetterGoesToTheDeadLetterExchangeWithTheOriginalRoutingKey() {
    QueueDriver q = rejectedOnce(DLX, msg("a"));

    Message m = q.state().pendingDeadLetters().get(0).message();

    assertThat(m.exchange()).isEqualTo("dlx");
    assertThat(m.routingKey()).isEqualTo(TestMessages.ROUTING_KEY);
    assertThat(TestMessages.text(m.body())).isEqualTo("a");
  }

  @Test
  void deadLetterRoutingKeyReplacesTheOriginalOne() {
    QueueDriver q = rejectedOnce(settings(Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "dead")),
        msg("a"));

    assertThat(q.state().pendingDeadLetters().get(0).message().routingKey()).isEqualTo("dead");
  }

  @Test
  void deadLetterExchangeMayBeTheDefaultExchange() {
    QueueDriver q = rejectedOnce(settings(Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "q.dead")),
        msg("a"));

    Message m = q.state().pendingDeadLetters().get(0).message();
    assertThat(m.exchange()).isEmpty();
    assertThat(m.routingKey()).isEqualTo("q.dead");
  }

  @Test
  void pendingDeadLettersAreListedOldestFirstUntilSettled() {
    QueueDriver q = rejectedOnce(DLX, msg("a"), msg("b"), msg("c"));
    assertThat(q.pendingIds()).containsExactly(1L, 2L, 3L);
    assertThat(q.store().size()).isEqualTo(3);

    assertThat(q.settleDeadLetters(1, 3)).containsExactly(new DeadLettersSettled(MessageIds.of(1, 3)));

    assertThat(q.pendingIds()).containsExactly(2L);
    assertThat(q.store().size()).isEqualTo(1);
    assertThat(q.state().counts().pendingDeadLetters()).isEqualTo(1);
    assertThat(q.settleDeadLetters()).isEmpty();
  }

  @Test
  void pendingDeadLettersAreDroppedWhenTheQueueLosesItsDeadLetterExchange() {
    QueueDriver q = rejectedOnce(DLX, msg("a"), msg("b"));
    assertThat(q.state().dropOrphanedDeadLetters()).isEmpty();

    q.configure(QueueSettings.DEFAULT);

    assertThat(q.state().pendingDeadLetters()).isEmpty();
    assertThat(q.persist(q.state().dropOrphanedDeadLetters()))
        .containsExactly(new DeadLettersSettled(MessageIds.of(1, 2)));
    assertThat(q.pendingIds()).isEmpty();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void aCopyGoingBackToAQueueItExpiredFromIsACycle() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-dead-letter-exchange", "dlx", "x-message-ttl", 10)));
    q.publish(msg("a"));
    q.advance(20);
    q.expire();
    Message copy = q.state().pendingDeadLetters().get(0).message();

    assertThat(DeadLetters.isCycle(copy, Q)).isTrue();
    assertThat(DeadLetters.isCycle(copy, new QueueId(Q.vhost(), "elsewhere"))).isFalse();
  }

  @Test
  void aCycleWithARejectionInItIsAllowedAsInTheDelayedRetryPattern() {
    QueueDriver q = rejectedOnce(DLX, msg("a"));
    Message copy = q.state().pendingDeadLetters().get(0).message();

    assertThat(DeadLetters.isCycle(copy, Q)).isFalse();
  }

  @Test
  void aMessageThatNeverDiedIsNoCycle() {
    assertThat(DeadLetters.isCycle(msg("a"), Q)).isFalse();
  }

  @Test
  void settlingAnUnknownOrAlreadySettledIdChangesNothing() {
    QueueDriver q = rejectedOnce(DLX, msg("a"));
    q.settleDeadLetters(1);

    q.settleDeadLetters(1, 99);

    assertThat(q.pendingIds()).isEmpty();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void settlingAnIdThatIsNotAPendingDeadLetterLeavesThatMessageAlone() {
    QueueDriver q = new QueueDriver(DLX);
    q.publish(msg("ready"), msg("unacked"));
    q.get("ch1", false);

    q.settleDeadLetters(1, 2);

    assertThat(q.readyIds()).containsExactly(2L);
    assertThat(q.unackedIds()).containsExactly(1L);
    assertThat(q.store().size()).isEqualTo(2);
  }

  @Test
  void pendingDeadLettersSurviveARestart() {
    QueueDriver q = rejectedOnce(DLX, msg("a"), msg("b"));
    q.settleDeadLetters(1);
    List<DeadLetter> before = q.state().pendingDeadLetters();

    q.restart();

    assertThat(q.state().pendingDeadLetters()).isEqualTo(before);
    assertThat(q.store().size()).isEqualTo(1);
    assertThat(q.readyIds()).isEmpty();
  }

  @Test
  void pendingDeadLettersAreNeitherReadyNorUnacked() {
    QueueDriver q = rejectedOnce(DLX, msg("a"));

    assertThat(q.state().counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 1));
    q.addConsumer("c2", "ch2", 0);
    assertThat(q.deliverAll()).isEmpty();
  }

  // ---------------------------------------------------------------- x-death

  @Test
  void firstDeathBuildsTheXDeathHeaderAsRabbitMqDoes() {
    MessageProperties props = MessageProperties.builder().expiration("60000").headers(Map.of("app", "x")).build();

    Message copy = DeadLetters.copy("orders", "order.created", props, new byte[] {1}, Q, DLX,
        DeadLetterReason.EXPIRED, T);

    Map<String, Object> death = new LinkedHashMap<>();
    death.put("count", 1L);
    death.put("reason", "expired");
    death.put("queue", "q");
    death.put("time", T / 1000);
    death.put("exchange", "orders");
    death.put("routing-keys", List.of("order.created"));
    death.put("original-expiration", "60000");
    assertThat(deaths(copy)).containsExactly(death);
    assertThat(copy.properties().headers())
        .containsEntry("app", "x")
        .containsEntry("x-first-death-exchange", "orders")
        .containsEntry("x-first-death-queue", "q")
        .containsEntry("x-first-death-reason", "expired");
    assertThat(copy.properties().expiration()).isNull();
    assertThat(copy.properties().withHeaders(props.headers())).isEqualTo(props.withoutExpiration());
  }

  @Test
  void originalExpirationIsAbsentWhenTheMessageHadNoTtl() {
    Message copy = DeadLetters.copy("orders", "k", MessageProperties.EMPTY, new byte[0], Q, DLX,
        DeadLetterReason.REJECTED, T);

    assertThat(deaths(copy).get(0)).doesNotContainKey("original-expiration");
  }

  @Test
  void anotherDeathInTheSameQueueForTheSameReasonCountsUpTheEntryAndMovesItFirst() {
    Message first = DeadLetters.copy("orders", "k1", MessageProperties.EMPTY, new byte[0], Q, DLX,
        DeadLetterReason.REJECTED, T);
    QueueId other = new QueueId("/", "other");
    Message second = DeadLetters.copy("dlx", "k2", first.properties(), new byte[0], other, DLX,
        DeadLetterReason.EXPIRED, T + 5000);

    Message third = DeadLetters.copy("dlx", "k3", second.properties(), new byte[0], Q, DLX,
        DeadLetterReason.REJECTED, T + 9000);

    List<Map<String, Object>> deaths = deaths(third);
    assertThat(deaths).hasSize(2);
    assertThat(deaths.get(0))
        .containsEntry("queue", "q")
        .containsEntry("reason", "rejected")
        .containsEntry("count", 2L)
        // RabbitMQ keeps the first death's time, exchange and routing keys in a counted-up entry
        .containsEntry("time", T / 1000)
        .containsEntry("exchange", "orders")
        .containsEntry("routing-keys", List.of("k1"));
    assertThat(deaths.get(1))
        .containsEntry("queue", "other")
        .containsEntry("reason", "expired")
        .containsEntry("count", 1L)
        .containsEntry("exchange", "dlx");
  }

  @Test
  void aDifferentReasonInTheSameQueueGetsItsOwnEntryFirst() {
    Message first = DeadLetters.copy("orders", "k", MessageProperties.EMPTY, new byte[0], Q, DLX,
        DeadLetterReason.REJECTED, T);

    Message second = DeadLetters.copy("dlx", "k", first.properties(), new byte[0], Q, DLX,
        DeadLetterReason.EXPIRED, T + 1000);

    assertThat(deaths(second)).extracting(d -> d.get("reason")).containsExactly("expired", "rejected");
    assertThat(deaths(second)).extracting(d -> d.get("count")).containsExactly(1L, 1L);
  }

  @Test
  void firstDeathHeadersKeepTheFirstDeath() {
    Message first = DeadLetters.copy("orders", "k", MessageProperties.EMPTY, new byte[0], Q, DLX,
        DeadLetterReason.REJECTED, T);

    Message second = DeadLetters.copy("dlx", "k", first.properties(), new byte[0], new QueueId("/", "q2"), DLX,
        DeadLetterReason.EXPIRED, T + 1000);

    assertThat(second.properties().headers())
        .containsEntry("x-first-death-exchange", "orders")
        .containsEntry("x-first-death-queue", "q")
        .containsEntry("x-first-death-reason", "rejected");
  }

  @Test
  void xDeathSurvivesHeaderNormalisation() {
    // headers travel through JSON/CBOR: the copy must stay equal to its normalised self
    Message copy = DeadLetters.copy("orders", "k", MessageProperties.EMPTY, new byte[0], Q, DLX,
        DeadLetterReason.MAXLEN, T);

    assertThat(copy.properties().withHeaders(new LinkedHashMap<>(copy.properties().headers())))
        .isEqualTo(copy.properties());
  }

  @Test
  void pendingDeadLetterCarriesTheTimeOfDeadLetteringNotOfListing() {
    QueueDriver q = rejectedOnce(DLX, msg("a"));
    long diedAt = q.now();

    q.advance(10_000);

    assertThat(deaths(q.state().pendingDeadLetters().get(0).message()).get(0))
        .containsEntry("time", diedAt / 1000);
  }

  @Test
  void deadLetteredAgainFromTheSameQueueCountsUp() {
    QueueDriver q = rejectedOnce(DLX, msg("a"));
    Message copy = q.state().pendingDeadLetters().get(0).message();
    q.settleDeadLetters(1);

    // the dead-letter exchange routed it back to the same queue
    q.publish(copy);
    q.deliverAll();
    q.nack("ch1", false, 2);

    assertThat(deaths(q.state().pendingDeadLetters().get(0).message()))
        .singleElement().satisfies(d -> assertThat(d).containsEntry("count", 2L));
  }
}
