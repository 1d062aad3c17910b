package io.weirmq.core.queue;

import static io.weirmq.core.queue.TestMessages.msg;
import static io.weirmq.core.queue.TestMessages.settings;
import static io.weirmq.core.queue.TestMessages.text;
import static io.weirmq.core.queue.TestMessages.withPriority;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.QueueEvent.MessagesAcked;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How ready messages reach consumers and basic.get callers. */
class QueueDeliveryTest {

  private static List<String> bodies(List<Delivery> ds) {
    return ds.stream().map(d -> text(d.body())).toList();
  }

  private static List<String> consumersOf(List<Delivery> ds) {
    return ds.stream().map(Delivery::consumerId).toList();
  }

  @Test
  void singleConsumerReceivesMessagesInPublishOrder() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"));
    q.publish(msg("c"));
    q.addConsumer("c1", "ch1", 0);

    List<Delivery> ds = q.deliverAll();

    assertThat(bodies(ds)).containsExactly("a", "b", "c");
    assertThat(ds).extracting(Delivery::messageId).containsExactly(1L, 2L, 3L);
    assertThat(ds).allSatisfy(d -> {
      assertThat(d.redelivered()).isFalse();
      assertThat(d.deliveryCount()).isZero();
      assertThat(d.owner()).isEqualTo("ch1");
      assertThat(d.exchange()).isEqualTo(TestMessages.EXCHANGE);
      assertThat(d.routingKey()).isEqualTo(TestMessages.ROUTING_KEY);
    });
    assertThat(q.state().counts()).isEqualTo(new QueueCounts(0, 3, 0, 1, 0));
  }

  @Test
  void deliveriesRoundRobinAmongConsumersWithRoom() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);
    q.addConsumer("c2", "ch2", 0);
    q.addConsumer("c3", "ch3", 0);
    for (int i = 0; i < 6; i++) {
      q.publish(msg("m" + i));
    }

    List<Delivery> ds = q.deliverAll();

    assertThat(consumersOf(ds)).containsExactly("c1", "c2", "c3", "c1", "c2", "c3");
    assertThat(ds).extracting(Delivery::owner).containsExactly("ch1", "ch2", "ch3", "ch1", "ch2", "ch3");
  }

  @Test
  void roundRobinSkipsConsumersWithoutRoom() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 1);
    q.addConsumer("c2", "ch2", 0);
    for (int i = 0; i < 4; i++) {
      q.publish(msg("m" + i));
    }

    assertThat(consumersOf(q.deliverAll())).containsExactly("c1", "c2", "c2", "c2");
  }

  @Test
  void busyConsumerGetsFewerMessagesUnderFairDispatch() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("slow", "ch1", 2);
    q.addConsumer("fast", "ch2", 2);
    for (int i = 0; i < 10; i++) {
      q.publish(msg("m" + i));
    }
    List<Delivery> inFlight = q.deliverAll();
    assertThat(consumersOf(inFlight)).containsExactly("slow", "fast", "slow", "fast");

    // only the fast consumer acknowledges, so only it gets more work
    int toFast = 2;
    for (int round = 0; round < 3; round++) {
      for (Delivery d : inFlight) {
        if (d.owner().equals("ch2")) {
          q.ack("ch2", d.messageId());
        }
      }
      inFlight = q.deliverAll();
      assertThat(consumersOf(inFlight)).containsExactly("fast", "fast");
      toFast += inFlight.size();
    }
    assertThat(toFast).isEqualTo(8);
    assertThat(q.readyIds()).isEmpty();
  }

  @Test
  void prefetchOneHoldsTheNextMessageUntilTheAck() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 1);
    q.publish(msg("a"), msg("b"), msg("c"));

    assertThat(bodies(q.deliverAll())).containsExactly("a");
    assertThat(q.deliverAll()).isEmpty();

    q.ack("ch1", 1);
    assertThat(bodies(q.deliverAll())).containsExactly("b");
    q.ack("ch1", 2);
    assertThat(bodies(q.deliverAll())).containsExactly("c");
  }

  @Test
  void creditToSpareWhileEveryAckingConsumerHasHalfItsPrefetchFree() {
    QueueDriver q = new QueueDriver();
    assertThat(q.state().creditToSpare()).as("no consumers").isTrue();
    q.addConsumer("c1", "ch1", 4);
    q.addConsumer("unlimited", "ch2", 0);
    q.addConsumer("auto", "ch3", 1, true, false);
    for (int i = 0; i < 30; i++) {
      q.publish(msg("m" + i));
    }
    assertThat(q.state().creditToSpare()).isTrue();

    // Round robin: c1 gets 2 of the first 6 (the auto-ack and unlimited consumers never run short).
    q.deliver(6);
    assertThat(q.state().creditToSpare()).as("c1 holds 2 of 4").isTrue();
    q.deliver(3);
    assertThat(q.state().creditToSpare()).as("c1 holds 3 of 4").isFalse();

    q.state().releaseCredit(MessageIds.of(1));
    assertThat(q.state().creditToSpare()).as("c1 holds 2 of 4 again").isTrue();

    QueueDriver one = new QueueDriver();
    one.addConsumer("one", "ch1", 1);
    one.publish(msg("a"));
    assertThat(one.state().creditToSpare()).as("a prefetch-1 consumer with nothing unacked").isTrue();
    one.deliverAll();
    assertThat(one.state().creditToSpare()).as("a prefetch-1 consumer holding its one").isFalse();
  }

  @Test
  void prefetchZeroMeansUnlimited() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);
    for (int i = 0; i < 500; i++) {
      q.publish(msg("m" + i));
    }

    assertThat(q.deliverAll()).hasSize(500);
    assertThat(q.state().counts().unacked()).isEqualTo(500);
  }

  @Test
  void deliverHandsOutAtMostMax() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);
    q.publish(msg("a"), msg("b"), msg("c"));

    assertThat(bodies(q.deliver(2))).containsExactly("a", "b");
    assertThat(bodies(q.deliver(2))).containsExactly("c");
  }

  @Test
  void negativePrefetchIsInvalid() {
    QueueDriver q = new QueueDriver();
    assertThatThrownBy(() -> q.addConsumer("c1", "ch1", -1))
        .isInstanceOfSatisfying(BrokerException.class, e -> {
          assertThat(e.kind()).isEqualTo(BrokerException.Kind.INVALID_ARGUMENT);
          assertThat(e.field()).isEqualTo("prefetch");
        });
  }

  @Test
  void duplicateConsumerTagFailsPrecondition() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);
    assertThatThrownBy(() -> q.addConsumer("c1", "ch2", 0))
        .isInstanceOfSatisfying(BrokerException.class, e -> {
          assertThat(e.kind()).isEqualTo(BrokerException.Kind.PRECONDITION_FAILED);
          assertThat(e.field()).isEqualTo("consumer_tag");
        });
  }

  @Test
  void autoAckDeliveriesComeBackAsAckedEventsAndFreeTheBodies() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"));
    q.addConsumer("c1", "ch1", 0, true, false);

    QueueState.Dispatch d = q.state().deliver(q.now(), 10);
    if (d.markWanted()) {
      q.persist(q.state().markDeliveries(10));
      d = q.state().deliver(q.now(), 10);
    }
    q.persist(d.events());

    assertThat(bodies(d.deliveries())).containsExactly("a", "b");
    assertThat(d.events()).containsExactly(new MessagesAcked(MessageIds.of(1, 2)));
    assertThat(q.state().counts()).isEqualTo(new QueueCounts(0, 0, 0, 1, 0));
    assertThat(q.store().size()).isZero();
  }

  @Test
  void prefetchIsIgnoredForAutoAckConsumers() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 1, true, false);
    q.publish(msg("a"), msg("b"), msg("c"));

    assertThat(bodies(q.deliverAll())).containsExactly("a", "b", "c");
    assertThat(q.state().counts().total()).isZero();
  }

  @Test
  void getHandsOutTheNextMessageAndLeavesItUnacked() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"), msg("b"));

    Delivery d = q.get("ch1", false);

    assertThat(text(d.body())).isEqualTo("a");
    assertThat(d.consumerId()).isNull();
    assertThat(d.owner()).isEqualTo("ch1");
    assertThat(q.unackedIds()).containsExactly(1L);
    q.ack("ch1", 1);
    assertThat(q.readyIds()).containsExactly(2L);
  }

  @Test
  void getWithAutoAckSettlesTheMessage() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"));

    Delivery d = q.get("ch1", true);

    assertThat(text(d.body())).isEqualTo("a");
    assertThat(q.journal()).contains(new MessagesAcked(MessageIds.of(1)));
    assertThat(q.state().counts().total()).isZero();
    assertThat(q.store().size()).isZero();
  }

  @Test
  void getOnAnEmptyQueueReturnsNothing() {
    QueueDriver q = new QueueDriver();
    assertThat(q.get("ch1", false)).isNull();
  }

  @Test
  void noConsumerMeansNoDelivery() {
    QueueDriver q = new QueueDriver();
    q.publish(msg("a"));
    assertThat(q.deliverAll()).isEmpty();
    assertThat(q.readyIds()).containsExactly(1L);
  }

  // ---------------------------------------------------------------- priorities

  @Test
  void higherPriorityMessagesAreDeliveredFirst() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-priority", 10)));
    q.publish(withPriority("low", 1), withPriority("none", null), withPriority("high", 9), withPriority("mid", 5));
    q.addConsumer("c1", "ch1", 0);

    assertThat(bodies(q.deliverAll())).containsExactly("high", "mid", "low", "none");
  }

  @Test
  void prioritiesAboveTheMaximumAreCappedAndStayFifoAmongThemselves() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-priority", 5)));
    q.publish(withPriority("p9", 9), withPriority("p5", 5), withPriority("p200", 200), withPriority("p4", 4));
    q.addConsumer("c1", "ch1", 0);

    assertThat(bodies(q.deliverAll())).containsExactly("p9", "p5", "p200", "p4");
  }

  @Test
  void messagesOfOnePriorityAreFifo() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-priority", 3)));
    q.publish(withPriority("a", 2), withPriority("x", 1), withPriority("b", 2), withPriority("c", 2));
    q.addConsumer("c1", "ch1", 0);

    assertThat(bodies(q.deliverAll())).containsExactly("a", "b", "c", "x");
  }

  @Test
  void priorityIsIgnoredWithoutMaxPriority() {
    QueueDriver q = new QueueDriver();
    q.publish(withPriority("low", 1), withPriority("high", 9));
    q.addConsumer("c1", "ch1", 0);

    assertThat(bodies(q.deliverAll())).containsExactly("low", "high");
  }

  @Test
  void requeuedMessageReturnsAheadOfLaterMessagesOfItsPriority() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-priority", 3)));
    q.publish(withPriority("a", 2), withPriority("b", 2), withPriority("low", 0));
    q.addConsumer("c1", "ch1", 1);
    assertThat(bodies(q.deliverAll())).containsExactly("a");

    q.nack("ch1", true, 1);

    assertThat(q.readyIds()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void addingMaxPriorityReordersReadyMessages() {
    QueueDriver q = new QueueDriver();
    q.publish(withPriority("low", 1), withPriority("high", 9));

    q.configure(settings(Map.of("x-max-priority", 10)));
    q.addConsumer("c1", "ch1", 0);

    assertThat(bodies(q.deliverAll())).containsExactly("high", "low");
  }

  @Test
  void loweringMaxPriorityWhileMessagesAreUnackedKeepsThemReturnable() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-max-priority", 10)));
    q.publish(withPriority("high", 9), withPriority("low", 1));
    q.addConsumer("c1", "ch1", 1);
    assertThat(bodies(q.deliverAll())).containsExactly("high");

    q.configure(QueueSettings.DEFAULT);
    q.nack("ch1", true, 1);

    assertThat(q.readyIds()).containsExactly(1L, 2L);
    assertThat(bodies(q.deliverAll())).containsExactly("high");
  }

  @Test
  void raisingMaxPriorityWhileAMessageIsUnackedReturnsItToItsPriority() {
    QueueDriver q = new QueueDriver();
    q.publish(withPriority("high", 9), withPriority("low", 1));
    q.addConsumer("c1", "ch1", 1);
    assertThat(bodies(q.deliverAll())).containsExactly("high");

    q.configure(settings(Map.of("x-max-priority", 10)));
    q.removeConsumer("c1");
    q.release("ch1");

    q.addConsumer("c2", "ch2", 0);
    assertThat(bodies(q.deliverAll())).containsExactly("high", "low");
  }

  // ---------------------------------------------------------------- single active consumer

  @Test
  void onlyTheFirstConsumerReceivesUnderSingleActiveConsumer() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-single-active-consumer", true)));
    q.addConsumer("c1", "ch1", 0);
    q.addConsumer("c2", "ch2", 0);
    q.publish(msg("a"), msg("b"), msg("c"));

    assertThat(q.state().activeConsumer()).isEqualTo("c1");
    assertThat(consumersOf(q.deliverAll())).containsExactly("c1", "c1", "c1");
  }

  @Test
  void singleActiveConsumerWithoutRoomBlocksTheOthers() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-single-active-consumer", true)));
    q.addConsumer("c1", "ch1", 1);
    q.addConsumer("c2", "ch2", 0);
    q.publish(msg("a"), msg("b"));

    assertThat(consumersOf(q.deliverAll())).containsExactly("c1");
    assertThat(q.readyIds()).containsExactly(2L);
  }

  @Test
  void nextConsumerTakesOverWhenTheActiveOneLeaves() {
    QueueDriver q = new QueueDriver(settings(Map.of("x-single-active-consumer", true)));
    q.addConsumer("c1", "ch1", 0);
    q.addConsumer("c2", "ch2", 0);
    q.addConsumer("c3", "ch3", 0);
    q.publish(msg("a"));
    assertThat(consumersOf(q.deliverAll())).containsExactly("c1");

    q.removeConsumer("c1");
    q.release("ch1");

    assertThat(q.state().activeConsumer()).isEqualTo("c2");
    List<Delivery> ds = q.deliverAll();
    assertThat(consumersOf(ds)).containsExactly("c2");
    assertThat(ds.get(0).redelivered()).isTrue();
  }

  @Test
  void activeConsumerIsNullWithoutSingleActiveConsumer() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);
    assertThat(q.state().activeConsumer()).isNull();
  }

  // ---------------------------------------------------------------- exclusive consumers

  @Test
  void exclusiveConsumerIsRefusedWhenOthersConsume() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("c1", "ch1", 0);

    assertThatThrownBy(() -> q.addConsumer("x", "ch2", 0, false, true))
        .isInstanceOfSatisfying(BrokerException.class,
            e -> assertThat(e.kind()).isEqualTo(BrokerException.Kind.RESOURCE_LOCKED));
    assertThat(q.state().hasConsumer("x")).isFalse();
  }

  @Test
  void othersAreRefusedWhileAnExclusiveConsumerIsThere() {
    QueueDriver q = new QueueDriver();
    q.addConsumer("x", "ch1", 0, false, true);

    assertThatThrownBy(() -> q.addConsumer("c2", "ch2", 0))
        .isInstanceOfSatisfying(BrokerException.class,
            e -> assertThat(e.kind()).isEqualTo(BrokerException.Kind.RESOURCE_LOCKED));
    assertThatThrownBy(() -> q.addConsumer("x2", "ch2", 0, false, true))
        .isInstanceOfSatisfying(BrokerException.class,
            e -> assertThat(e.kind()).isEqualTo(BrokerException.Kind.RESOURCE_LOCKED));

    q.removeConsumer("x");
    q.addConsumer("c2", "ch2", 0);
    assertThat(q.state().consumerCount()).isEqualTo(1);
  }
}
