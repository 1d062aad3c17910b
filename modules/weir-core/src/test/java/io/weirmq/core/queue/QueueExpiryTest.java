package io.weirmq.core.queue;

import static io.weirmq.core.queue.TestMessages.msg;
import static io.weirmq.core.queue.TestMessages.settings;
import static io.weirmq.core.queue.TestMessages.text;
import static io.weirmq.core.queue.TestMessages.withTtl;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.queue.QueueEvent.MessagesDeadLettered;
import io.weirmq.core.queue.QueueEvent.MessagesDiscarded;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Message TTL (x-message-ttl, expiration) and queue expiry (x-expires). */
class QueueExpiryTest {

  @Test
  void queueTtlExpiresMessagesOnceTheirTimeHasPassed() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-message-ttl", 1000)));
    long t0 = q.now();
    q.publish(msg("a"));
    q.advance(500).publish(msg("b"));

    assertThat(q.state().nextExpiryAt()).isEqualTo(t0 + 1000);
    assertThat(q.advance(499).expire()).isEmpty();
    assertThat(q.advance(1).expire())
        .containsExactly(new MessagesDiscarded(MessageIds.of(1), DeadLetterReason.EXPIRED));
    assertThat(q.state().nextExpiryAt()).isEqualTo(t0 + 1500);
    assertThat(q.advance(500).expire()).hasSize(1);
    assertThat(q.state().counts().total()).isZero();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void perMessageTtlShorterThanTheQueueTtlWins() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-message-ttl", 1000)));
    long t0 = q.now();
    q.publish(withTtl("short", 200));

    assertThat(q.state().readyMessages().get(0).expiresAt()).isEqualTo(t0 + 200);
  }

  @Test
  void queueTtlShorterThanThePerMessageTtlWins() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-message-ttl", 1000)));
    long t0 = q.now();
    q.publish(withTtl("long", 5000));

    assertThat(q.state().readyMessages().get(0).expiresAt()).isEqualTo(t0 + 1000);
  }

  @Test
  void messagesWithoutTtlNeverExpire() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"));

    assertThat(q.state().readyMessages().get(0).expiresAt()).isEqualTo(Long.MAX_VALUE);
    assertThat(q.state().nextExpiryAt()).isEqualTo(Long.MAX_VALUE);
    assertThat(q.advance(Long.MAX_VALUE / 4).expire()).isEmpty();
  }

  @Test
  void nextExpiryAtIsMaxForAnEmptyQueue() {
    assertThat(new QueueDriver(settings(Map.of("x-message-ttl", 10))).state().nextExpiryAt())
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void onlyMessagesAtTheHeadExpire() {
    QueueDriver q = new QueueDriver();
    long t0 = q.now();
    q.publish(withTtl("long", 10_000), withTtl("short", 100), withTtl("short2", 50));

    assertThat(q.state().nextExpiryAt()).isEqualTo(t0 + 10_000);
    assertThat(q.advance(1000).expire()).isEmpty();
    assertThat(q.readyIds()).containsExactly(1L, 2L, 3L);

    // once the head goes, the expired messages behind it follow at the same time
    assertThat(q.advance(9000).expire())
        .containsExactly(new MessagesDiscarded(MessageIds.of(1, 2, 3), DeadLetterReason.EXPIRED));
  }

  @Test
  void expiryStopsAtTheFirstLiveMessage() {
    QueueDriver q = new QueueDriver();
    q.publish(withTtl("a", 100), withTtl("b", 5000), withTtl("c", 100));

    assertThat(q.advance(200).expire())
        .containsExactly(new MessagesDiscarded(MessageIds.of(1), DeadLetterReason.EXPIRED));
    assertThat(q.readyIds()).containsExactly(2L, 3L);
  }

  @Test
  void expiredHeadIsNotDelivered() {
    QueueDriver q = new QueueDriver();
    q.publish(withTtl("a", 100));
    q.addConsumer("c1", "ch1", 0);

    assertThat(q.advance(101).deliverAll()).isEmpty();
    assertThat(q.get("ch1", false)).isNull();
  }

  @Test
  void messageWithTtlZeroIsDeliveredToAWaitingConsumer() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);
    q.publish(withTtl("now-or-never", 0));

    assertThat(q.deliverAll()).extracting(d -> text(d.body())).containsExactly("now-or-never");
  }

  @Test
  void messageWithTtlZeroExpiresWithoutAConsumer() {
    QueueDriver q = new QueueDriver();
    q.publish(withTtl("now-or-never", 0));

    assertThat(q.expire()).hasSize(1);
    assertThat(q.state().counts().total()).isZero();
  }

  @Test
  void unackedMessagesDoNotExpire() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-message-ttl", 100)));
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();

    assertThat(q.advance(1000).expire()).isEmpty();
    assertThat(q.unackedIds()).containsExactly(1L);
  }

  @Test
  void requeuedMessageKeepsItsOriginalExpiry() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-message-ttl", 100)));
    q.publish(msg("a"));
    q.addConsumer("c1", "ch1", 0);
    q.deliverAll();
    q.advance(50).nack("ch1", true, 1);
    q.removeConsumer("c1");

    assertThat(q.advance(50).expire()).hasSize(1);
  }

  @Test
  void expiryWithADeadLetterExchangeDeadLettersWithReasonExpired() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-dead-letter-exchange", "dlx")));
    long t0 = q.now();
    q.publish(withTtl("a", 1500));

    List<QueueEvent> events = q.advance(1500).expire();

    assertThat(events).containsExactly(new MessagesDeadLettered(MessageIds.of(1), DeadLetterReason.EXPIRED, t0 + 1500));
    DeadLetter dl = q.state().pendingDeadLetters().get(0);
    assertThat(dl.message().exchange()).isEqualTo("dlx");
    assertThat(dl.message().properties().expiration()).isNull();
    @SuppressWarnings("unchecked")
    Map<String, Object> death = ((List<Map<String, Object>>) dl.message().properties().headers().get("x-death")).get(0);
    assertThat(death).containsEntry("reason", "expired").containsEntry("original-expiration", "1500");
  }

  @Test
  void eachPriorityLaneExpiresAtItsOwnHead() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-priority", 2)));
    q.publish(msg("hi", MessageProperties.builder().priority(2).expiration("10000").build()), withTtl("lo", 100));

    assertThat(q.state().nextExpiryAt()).isEqualTo(q.now() + 100);
    assertThat(q.advance(100).expire())
        .containsExactly(new MessagesDiscarded(MessageIds.of(2), DeadLetterReason.EXPIRED));
    assertThat(q.readyIds()).containsExactly(1L);
  }

  // ---------------------------------------------------------------- x-expires

  @Test
  void queueWithoutXExpiresNeverExpires() {
    assertThat(new QueueDriver().state().queueExpiresAt()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void unusedQueueExpiresXExpiresAfterItsDeclaration() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-expires", 60_000)));
    assertThat(q.state().queueExpiresAt()).isEqualTo(q.now() + 60_000);
  }

  @Test
  void queueWithConsumersDoesNotExpire() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-expires", 60_000)));
    q.addConsumer("c1", "ch1", 0);
    assertThat(q.advance(120_000).state().queueExpiresAt()).isEqualTo(Long.MAX_VALUE);

    q.advance(1000).removeConsumer("c1");
    assertThat(q.state().queueExpiresAt()).isEqualTo(q.now() + 60_000);
  }

  @Test
  void basicGetResetsTheQueueExpiry() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-expires", 60_000)));
    q.advance(30_000).get("ch1", false);
    assertThat(q.state().queueExpiresAt()).isEqualTo(q.now() + 60_000);
  }

  @Test
  void redeclarationResetsTheQueueExpiry() {
    QueueSettings s = settings(Map.of("x-expires", 60_000));
    QueueDriver q = new QueueDriver(s);
    assertThat(q.advance(30_000).configure(s)).isEmpty();
    assertThat(q.state().queueExpiresAt()).isEqualTo(q.now() + 60_000);
  }

  @Test
  void publishingDoesNotResetTheQueueExpiry() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-expires", 60_000)));
    long declared = q.now();
    q.advance(30_000).publish(msg("a"));
    assertThat(q.state().queueExpiresAt()).isEqualTo(declared + 60_000);
  }

  @Test
  void queueExpiryClockStartsAgainAfterARestart() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-expires", 60_000)));
    q.advance(50_000).restart();
    assertThat(q.state().queueExpiresAt()).isEqualTo(q.now() + 60_000);
  }
}
