package io.weirmq.node;

import static io.weirmq.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.BrokerException.Kind;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.channel.BrokerChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker end to end through its {@link Broker} facade on a real single node with the H2 file
 * journal: routing, declarations, deletion, consumers and acknowledgements, basic.get, queue limits
 * and dead-lettering, exclusive and auto-deleted queues, and what survives a restart.
 *
 * <p>All groups but {@link Restart} share one node (every test uses names of its own); restart
 * tests start nodes on a private data directory.
 */
class BrokerBehaviourTest {

  private static final String VHOST = "/";
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final AtomicInteger NAMES = new AtomicInteger();

  @TempDir
  static Path sharedDataDir;

  private static TestNodes.Node node;
  private static Broker broker;

  /** Channels a test opened; closed after it so no consumer outlives its test. */
  private final List<BrokerChannel> channels = new ArrayList<>();

  @BeforeAll
  static void startNode() {
    node = TestNodes.start(sharedDataDir);
    broker = node.broker();
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closeChannels() {
    for (BrokerChannel c : channels) {
      await(c.closeAsync());
    }
  }

  // ------------------------------------------------------------------ routing

  @Nested
  class Routing {

    @Test
    void directExchangeRoutesByExactKey() {
      String x = declareExchange(ExchangeType.DIRECT);
      QueueId a = declareQueue();
      QueueId b = declareQueue();
      bind(x, a, "red");
      bind(x, b, "green");
      bind(x, b, "red");

      assertThat(publish(x, "red", "1").routed()).isTrue();
      assertThat(publish(x, "green", "2").routed()).isTrue();
      assertThat(publish(x, "blue", "3").routed()).isFalse();

      assertThat(bodiesIn(a)).containsExactly("1");
      assertThat(bodiesIn(b)).containsExactly("1", "2");
    }

    @Test
    void fanoutExchangeRoutesToEveryBoundQueueWhateverTheKey() {
      String x = declareExchange(ExchangeType.FANOUT);
      QueueId a = declareQueue();
      QueueId b = declareQueue();
      bind(x, a, "");
      bind(x, b, "ignored");

      publish(x, "any.key", "1");

      assertThat(bodiesIn(a)).containsExactly("1");
      assertThat(bodiesIn(b)).containsExactly("1");
    }

    @Test
    void topicExchangeMatchesStarAsOneWordAndHashAsZeroOrMore() {
      String x = declareExchange(ExchangeType.TOPIC);
      QueueId star = declareQueue();
      QueueId hash = declareQueue();
      QueueId leadingStar = declareQueue();
      bind(x, star, "a.*");
      bind(x, hash, "a.#");
      bind(x, leadingStar, "*.b");

      publish(x, "a.b", "ab");
      publish(x, "a.b.c", "abc");
      publish(x, "a", "a");
      publish(x, "c.b", "cb");
      assertThat(publish(x, "b.a", "none").routed()).isFalse();

      assertThat(bodiesIn(star)).containsExactly("ab");
      assertThat(bodiesIn(hash)).containsExactly("ab", "abc", "a");
      assertThat(bodiesIn(leadingStar)).containsExactly("ab", "cb");
    }

    @Test
    void headersExchangeMatchesAllOrAnyOfTheBindingArguments() {
      String x = declareExchange(ExchangeType.HEADERS);
      QueueId all = declareQueue();
      QueueId any = declareQueue();
      await(broker.bind(Binding.toQueue(VHOST, x, all.name(), "")
          .withArguments(Map.of("x-match", "all", "format", "pdf", "type", "report"))));
      await(broker.bind(Binding.toQueue(VHOST, x, any.name(), "")
          .withArguments(Map.of("x-match", "any", "format", "pdf", "type", "log"))));

      publish(message(x, "", "pdf-report", Map.of("format", "pdf", "type", "report")));
      publish(message(x, "", "pdf-other", Map.of("format", "pdf", "type", "other")));
      publish(message(x, "", "log", Map.of("type", "log")));
      assertThat(publish(message(x, "", "nothing", Map.of("format", "zip"))).routed()).isFalse();

      assertThat(bodiesIn(all)).containsExactly("pdf-report");
      assertThat(bodiesIn(any)).containsExactly("pdf-report", "pdf-other", "log");
    }

    @Test
    void defaultExchangeRoutesByQueueName() {
      QueueId q = declareQueue();

      assertThat(publish("", q.name(), "1").routed()).isTrue();
      assertThat(publish("", "no-such-queue-" + q.name(), "2").routed()).isFalse();

      assertThat(bodiesIn(q)).containsExactly("1");
    }

    @Test
    void alternateExchangeCatchesWhatTheExchangeRoutesNowhere() {
      String ae = declareExchange(ExchangeType.FANOUT);
      QueueId unrouted = declareQueue();
      bind(ae, unrouted, "");
      String x = name("main");
      await(broker.declareExchange(new ExchangeDefinition(new ExchangeId(VHOST, x), ExchangeType.DIRECT, true, false,
          false, Map.of("alternate-exchange", ae))));
      QueueId main = declareQueue();
      bind(x, main, "k");

      assertThat(publish(x, "k", "routed").routed()).isTrue();
      assertThat(publish(x, "other", "caught").routed()).isTrue();

      assertThat(bodiesIn(main)).containsExactly("routed");
      assertThat(bodiesIn(unrouted)).containsExactly("caught");
    }

    @Test
    void exchangeToExchangeBindingsForwardMatchingMessagesIncludingToInternalExchanges() {
      String source = declareExchange(ExchangeType.TOPIC);
      String inner = name("inner");
      await(broker.declareExchange(new ExchangeDefinition(new ExchangeId(VHOST, inner), ExchangeType.FANOUT, true,
          false, true, Map.of())));
      QueueId q = declareQueue();
      await(broker.bind(Binding.toExchange(VHOST, source, inner, "x.#")));
      bind(inner, q, "");

      assertThat(publish(source, "x.y", "forwarded").routed()).isTrue();
      assertThat(publish(source, "z", "dropped").routed()).isFalse();

      assertThat(bodiesIn(q)).containsExactly("forwarded");
    }

    @Test
    void publishingToAMissingExchangeFailsNotFound() {
      assertFails(() -> broker.publish(VHOST, message(name("missing"), "k", "1")), Kind.NOT_FOUND, "exchange");
    }

    @Test
    void publishingToAnInternalExchangeIsRefused() {
      String internal = name("internal");
      await(broker.declareExchange(new ExchangeDefinition(new ExchangeId(VHOST, internal), ExchangeType.FANOUT, true,
          false, true, Map.of())));

      assertFails(() -> broker.publish(VHOST, message(internal, "k", "1")), Kind.ACCESS_REFUSED, "exchange");
    }

    @Test
    void anUnroutablePublishIsConfirmedButNotRouted() {
      String x = declareExchange(ExchangeType.DIRECT);

      PublishOutcome outcome = publish(x, "nobody", "1");

      assertThat(outcome.routed()).isFalse();
      assertThat(outcome.confirmed()).isTrue();
    }

    @Test
    void aBatchPublishAnswersOneOutcomePerMessageInOrder() {
      String x = declareExchange(ExchangeType.DIRECT);
      QueueId a = declareQueue();
      QueueId b = declareQueue();
      QueueId full = declareQueue(Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
      bind(x, a, "a");
      bind(x, b, "b");
      bind(x, full, "full");
      publish(x, "full", "first");

      List<PublishOutcome> outcomes = await(broker.publish(VHOST, List.of(
          message(x, "a", "a1"), message(x, "nowhere", "lost"), message(x, "b", "b1"),
          message(x, "full", "refused"), message(x, "a", "a2"))));

      assertThat(outcomes).containsExactly(
          new PublishOutcome(true, true), new PublishOutcome(false, true), new PublishOutcome(true, true),
          new PublishOutcome(true, false), new PublishOutcome(true, true));
      assertThat(bodiesIn(a)).containsExactly("a1", "a2");
      assertThat(bodiesIn(b)).containsExactly("b1");
      assertThat(bodiesIn(full)).containsExactly("first");
    }
  }

  // ------------------------------------------------------------------ declarations

  @Nested
  class Declarations {

    @Test
    void redeclaringAQueueWithDifferentPropertiesFailsNamingTheField() {
      QueueId q = declareQueue(Map.of("x-max-length", 10));

      assertFails(() -> broker.declareQueue(new QueueDefinition(q, false, false, false, Map.of("x-max-length", 10), null)),
          Kind.PRECONDITION_FAILED, "durable");
      assertFails(() -> broker.declareQueue(new QueueDefinition(q, true, false, true, Map.of("x-max-length", 10), null)),
          Kind.PRECONDITION_FAILED, "auto_delete");
      assertFails(() -> broker.declareQueue(new QueueDefinition(q, true, false, false, Map.of("x-max-length", 20), null)),
          Kind.PRECONDITION_FAILED, "arguments.x-max-length");
      assertFails(() -> broker.declareQueue(new QueueDefinition(q, true, false, false, Map.of(), null)),
          Kind.PRECONDITION_FAILED, "arguments.x-max-length");
    }

    @Test
    void anEquivalentQueueRedeclarationSucceedsAndReportsTheMessageCount() {
      QueueId q = declareQueue(Map.of("x-max-length", 10));
      publish("", q.name(), "1");
      publish("", q.name(), "2");

      // 10L rather than 10: numbers compare by value, as on the wire.
      DeclareOk ok = await(broker.declareQueue(new QueueDefinition(q, true, false, false, Map.of("x-max-length", 10L), null)));

      assertThat(ok.queue()).isEqualTo(q.name());
      assertThat(ok.messageCount()).isEqualTo(2);
      assertThat(ok.consumerCount()).isZero();
    }

    @Test
    void redeclaringAnExchangeWithDifferentPropertiesFailsNamingTheField() {
      String x = declareExchange(ExchangeType.DIRECT);
      ExchangeId id = new ExchangeId(VHOST, x);

      assertFails(() -> broker.declareExchange(new ExchangeDefinition(id, ExchangeType.TOPIC, true, false, false, Map.of())),
          Kind.PRECONDITION_FAILED, "type");
      assertFails(() -> broker.declareExchange(new ExchangeDefinition(id, ExchangeType.DIRECT, false, false, false, Map.of())),
          Kind.PRECONDITION_FAILED, "durable");
      assertFails(() -> broker.declareExchange(new ExchangeDefinition(id, ExchangeType.DIRECT, true, false, true, Map.of())),
          Kind.PRECONDITION_FAILED, "internal");
      assertFails(() -> broker.declareExchange(new ExchangeDefinition(id, ExchangeType.DIRECT, true, false, false,
          Map.of("alternate-exchange", "elsewhere"))), Kind.PRECONDITION_FAILED, "arguments.alternate-exchange");

      await(broker.declareExchange(ExchangeDefinition.of(VHOST, x, ExchangeType.DIRECT)));
    }

    @Test
    void invalidQueueNamesAndArgumentsFailNamingTheField() {
      assertFails(() -> broker.declareQueue(QueueDefinition.of(VHOST, "bad\u0001name")), Kind.INVALID_ARGUMENT, "name");
      assertFails(() -> broker.declareQueue(QueueDefinition.of(VHOST, "q".repeat(256))), Kind.INVALID_ARGUMENT, "name");
      assertFails(() -> broker.declareQueue(QueueDefinition.of(VHOST, "")), Kind.INVALID_ARGUMENT, "name");
      assertFails(() -> broker.declareQueue(queueDefinition(name("q"), Map.of("x-max-length", "ten"))),
          Kind.INVALID_ARGUMENT, "arguments.x-max-length");
      assertFails(() -> broker.declareQueue(queueDefinition(name("q"), Map.of("x-message-ttl", -1))),
          Kind.INVALID_ARGUMENT, "arguments.x-message-ttl");
      assertFails(() -> broker.declareQueue(queueDefinition(name("q"), Map.of("x-overflow", "explode"))),
          Kind.INVALID_ARGUMENT, "arguments.x-overflow");
      assertFails(() -> broker.declareQueue(queueDefinition(name("q"), Map.of("x-max-lenght", 1))),
          Kind.INVALID_ARGUMENT, "arguments.x-max-lenght");
      assertFails(() -> broker.declareQueue(queueDefinition(name("q"), Map.of("x-dead-letter-routing-key", "k"))),
          Kind.INVALID_ARGUMENT, "arguments.x-dead-letter-routing-key");
    }

    @Test
    void invalidExchangeDefinitionsFailNamingTheField() {
      assertFails(() -> broker.declareExchange(new ExchangeDefinition(new ExchangeId(VHOST, name("x")), null, true, false,
          false, Map.of())), Kind.INVALID_ARGUMENT, "type");
      assertFails(() -> broker.declareExchange(new ExchangeDefinition(new ExchangeId(VHOST, name("x")),
          ExchangeType.DIRECT, true, false, false, Map.of("alternate-exchange", 7))),
          Kind.INVALID_ARGUMENT, "arguments.alternate-exchange");
      assertFails(() -> broker.declareExchange(ExchangeDefinition.of(VHOST, "bad\nname", ExchangeType.DIRECT)),
          Kind.INVALID_ARGUMENT, "name");
    }

    @Test
    void namesStartingWithAmqDotAreRefused() {
      assertFails(() -> broker.declareQueue(QueueDefinition.of(VHOST, "amq." + name("q"))), Kind.ACCESS_REFUSED, "name");
      assertFails(() -> broker.declareExchange(ExchangeDefinition.of(VHOST, "amq." + name("x"), ExchangeType.DIRECT)),
          Kind.ACCESS_REFUSED, "name");
      assertFails(() -> broker.declareExchange(ExchangeDefinition.of(VHOST, "", ExchangeType.DIRECT)),
          Kind.ACCESS_REFUSED, "name");
    }
  }

  // ------------------------------------------------------------------ deletion and purge

  @Nested
  class DeletionAndPurge {

    @Test
    void aQueueDeletedAndDeclaredAgainStartsEmptyAndUnbound() {
      String x = declareExchange(ExchangeType.DIRECT);
      QueueId q = declareQueue();
      bind(x, q, "k");
      publish(x, "k", "old-1");
      publish(x, "k", "old-2");

      assertThat(await(broker.deleteQueue(q, false, false))).isEqualTo(2);
      assertThat(broker.topology().queue(q)).isEmpty();
      DeclareOk again = await(broker.declareQueue(QueueDefinition.of(VHOST, q.name())));

      assertThat(again.messageCount()).isZero();
      assertThat(await(broker.counts(q)).total()).isZero();
      assertThat(publish(x, "k", "new").routed()).as("the binding went with the old queue").isFalse();
      publish("", q.name(), "new");
      assertThat(bodiesIn(q)).containsExactly("new");
    }

    @Test
    void deleteIfEmptyRefusesAQueueWithMessages() {
      QueueId q = declareQueue();
      publish("", q.name(), "1");

      assertFails(() -> broker.deleteQueue(q, false, true), Kind.PRECONDITION_FAILED, "if-empty");

      assertThat(broker.topology().queue(q)).isPresent();
      assertThat(bodiesIn(q)).containsExactly("1");
      assertThat(await(broker.deleteQueue(q, false, true))).isZero();
      assertThat(broker.topology().queue(q)).isEmpty();
    }

    @Test
    void deleteIfUnusedRefusesAConsumedQueueAndDeletingItCancelsItsConsumers() {
      QueueId q = declareQueue();
      BrokerChannel channel = channel("conn");
      ConcurrentLinkedQueue<String> cancelled = new ConcurrentLinkedQueue<>();
      String tag = await(channel.basicConsume(q, "", true, false, (t, e) -> {}, cancelled::add));

      assertFails(() -> broker.deleteQueue(q, true, false), Kind.PRECONDITION_FAILED, "if-unused");
      assertThat(broker.topology().queue(q)).isPresent();

      await(broker.deleteQueue(q, false, false));
      eventually("the consumer is told its queue went away", () -> cancelled.contains(tag));
    }

    @Test
    void purgeRemovesReadyMessagesAndLeavesUnackedOnes() {
      QueueId q = declareQueue();
      for (int i = 0; i < 5; i++) {
        publish("", q.name(), "m" + i);
      }
      BrokerChannel channel = channel("conn");
      await(channel.basicGet(q, false)).orElseThrow();
      await(channel.basicGet(q, false)).orElseThrow();

      assertThat(await(broker.purgeQueue(q))).isEqualTo(3);

      QueueCounts counts = await(broker.counts(q));
      assertThat(counts.ready()).isZero();
      assertThat(counts.unacked()).isEqualTo(2);
      await(channel.closeAsync());
      channels.remove(channel);
      List<Envelope> back = drain(q);
      assertThat(back).extracting(BrokerBehaviourTest::body).containsExactly("m0", "m1");
      assertThat(back).allMatch(Envelope::redelivered);
    }
  }

  // ------------------------------------------------------------------ consumers and acknowledgements

  @Nested
  class Consumers {

    @Test
    void twoConsumersOnAQueueGetMessagesRoundRobin() {
      QueueId q = declareQueue();
      Recorder first = new Recorder();
      Recorder second = new Recorder();
      await(channel("a").basicConsume(q, "first", true, false, first, null));
      await(channel("b").basicConsume(q, "second", true, false, second, null));

      List<Message> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        batch.add(message("", q.name(), "m" + i));
      }
      await(broker.publish(VHOST, batch));
      eventually("all ten delivered", () -> first.size() + second.size() == 10);

      assertThat(first.bodies()).hasSize(5);
      assertThat(second.bodies()).hasSize(5);
      List<String> all = new ArrayList<>(first.bodies());
      all.addAll(second.bodies());
      assertThat(all).containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
      // Strict alternation: one consumer has the even messages, the other the odd ones.
      assertThat(Set.of(first.bodies(), second.bodies())).containsExactlyInAnyOrder(
          List.of("m0", "m2", "m4", "m6", "m8"), List.of("m1", "m3", "m5", "m7", "m9"));
    }

    @Test
    void withPrefetchOneAConsumerThatDoesNotAckGetsNoMore() {
      QueueId q = declareQueue();
      BrokerChannel slowChannel = channel("slow");
      BrokerChannel busyChannel = channel("busy");
      await(slowChannel.basicQos(1));
      await(busyChannel.basicQos(1));
      Recorder slow = new Recorder();
      Recorder busy = new Recorder((tag, e) -> busyChannel.basicAck(e.deliveryTag(), false));
      await(slowChannel.basicConsume(q, "slow", false, false, slow, null));
      await(busyChannel.basicConsume(q, "busy", false, false, busy, null));

      for (int i = 0; i < 10; i++) {
        publish("", q.name(), "m" + i);
      }
      eventually("all ten delivered", () -> slow.size() + busy.size() == 10);
      eventually("only the slow consumer's message is unacked", () -> {
        QueueCounts c = await(broker.counts(q));
        return c.ready() == 0 && c.unacked() == 1;
      });

      assertThat(slow.size()).isEqualTo(1);
      assertThat(busy.size()).isEqualTo(9);
    }

    @Test
    void manualAcksRemoveMessagesFromTheQueue() {
      QueueId q = declareQueue();
      BrokerChannel channel = channel("conn");
      Recorder consumer = new Recorder((tag, e) -> channel.basicAck(e.deliveryTag(), false));
      await(channel.basicConsume(q, "", false, false, consumer, null));

      for (int i = 0; i < 5; i++) {
        publish("", q.name(), "m" + i);
      }
      consumer.awaitCount(5);

      eventually("the queue is empty", () -> await(broker.counts(q)).total() == 0);
      assertThat(consumer.envelopes()).noneMatch(Envelope::redelivered);
    }

    @Test
    void acksSentJustBeforeTheChannelClosesAreNotOvertakenByTheClose() {
      for (int round = 0; round < 20; round++) {
        QueueId q = declareQueue();
        for (int i = 0; i < 3; i++) {
          publish("", q.name(), "m" + i);
        }
        BrokerChannel channel = channel("conn-" + round);
        Recorder consumer = new Recorder((tag, e) -> { });
        await(channel.basicQos(3));
        await(channel.basicConsume(q, "", false, false, consumer, null));
        consumer.awaitCount(3);
        // No waiting for the acks: the close right behind them must find them settled, as it does
        // when a client sends basic.ack then channel.close, rather than requeue the messages.
        consumer.envelopes().forEach(e -> channel.basicAck(e.deliveryTag(), false));
        channel.close();
        assertThat(await(broker.counts(q)).total()).as("round %d", round).isZero();
      }
    }

    @Test
    void nackWithRequeueRedeliversTheMessageFlaggedRedelivered() {
      QueueId q = declareQueue();
      BrokerChannel channel = channel("conn");
      Recorder consumer = new Recorder((tag, e) -> {
        if (e.redelivered()) {
          channel.basicAck(e.deliveryTag(), false);
        } else {
          channel.basicNack(e.deliveryTag(), false, true);
        }
      });
      await(channel.basicConsume(q, "", false, false, consumer, null));

      publish("", q.name(), "once");

      List<Envelope> deliveries = consumer.awaitCount(2);
      assertThat(deliveries).extracting(BrokerBehaviourTest::body).containsExactly("once", "once");
      assertThat(deliveries).extracting(Envelope::redelivered).containsExactly(false, true);
      eventually("the queue is empty", () -> await(broker.counts(q)).total() == 0);
    }

    @Test
    void rejectWithoutRequeueDeadLettersWithReasonRejected() {
      DeadLetterSetup dl = deadLetterSetup(Map.of());
      publish("", dl.queue().name(), "bad");
      BrokerChannel channel = channel("conn");
      GetResponse got = await(channel.basicGet(dl.queue(), false)).orElseThrow();

      await(channel.basicReject(got.envelope().deliveryTag(), false));

      Envelope dead = awaitOne(dl.deadLetterQueue());
      assertThat(body(dead)).isEqualTo("bad");
      assertSingleDeath(dead, "rejected", dl.queue());
      eventually("the original is gone", () -> await(broker.counts(dl.queue())).total() == 0);
    }

    @Test
    void ackWithMultipleSettlesEveryTagUpToTheGivenOne() {
      QueueId q = declareQueue();
      for (int i = 0; i < 4; i++) {
        publish("", q.name(), "m" + i);
      }
      BrokerChannel channel = channel("conn");
      List<Long> tags = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        tags.add(await(channel.basicGet(q, false)).orElseThrow().envelope().deliveryTag());
      }

      await(channel.basicAck(tags.get(2), true));

      QueueCounts counts = await(broker.counts(q));
      assertThat(counts.unacked()).isEqualTo(1);
      assertThat(counts.ready()).isZero();
      assertFails(() -> channel.basicAck(tags.get(0), false), Kind.PRECONDITION_FAILED, "delivery_tag");
      await(channel.basicAck(tags.get(3), false));
      assertThat(await(broker.counts(q)).total()).isZero();
    }

    @Test
    void ackingAnUnknownDeliveryTagFailsPreconditionFailed() {
      BrokerChannel channel = channel("conn");

      assertFails(() -> channel.basicAck(42, false), Kind.PRECONDITION_FAILED, "delivery_tag");
      assertFails(() -> channel.basicAck(42, true), Kind.PRECONDITION_FAILED, "delivery_tag");
      assertFails(() -> channel.basicNack(7, false, true), Kind.PRECONDITION_FAILED, "delivery_tag");
    }

    @Test
    void closingAChannelHandsItsUnackedMessagesToAnotherConsumerFlaggedRedelivered() {
      QueueId q = declareQueue();
      for (int i = 0; i < 10; i++) {
        publish("", q.name(), "m" + i);
      }
      BrokerChannel first = channel("first");
      await(first.basicQos(3));
      Recorder firstConsumer = new Recorder();
      await(first.basicConsume(q, "", false, false, firstConsumer, null));
      firstConsumer.awaitCount(3);

      await(first.closeAsync());
      channels.remove(first);
      BrokerChannel second = channel("second");
      Recorder secondConsumer = new Recorder((tag, e) -> second.basicAck(e.deliveryTag(), false));
      await(second.basicConsume(q, "", false, false, secondConsumer, null));
      secondConsumer.awaitCount(10);

      List<String> heldByFirst = firstConsumer.bodies();
      assertThat(secondConsumer.bodies()).containsExactlyInAnyOrder(
          "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
      assertThat(secondConsumer.envelopes()).allSatisfy(e ->
          assertThat(e.redelivered()).as("redelivered flag of %s", body(e)).isEqualTo(heldByFirst.contains(body(e))));
      // No message went out twice without the flag.
      List<String> unflagged = new ArrayList<>();
      firstConsumer.envelopes().stream().filter(e -> !e.redelivered()).forEach(e -> unflagged.add(body(e)));
      secondConsumer.envelopes().stream().filter(e -> !e.redelivered()).forEach(e -> unflagged.add(body(e)));
      assertThat(unflagged).doesNotHaveDuplicates().hasSize(10);
      eventually("the queue is empty", () -> await(broker.counts(q)).total() == 0);
    }
  }

  // ------------------------------------------------------------------ basic.get

  @Nested
  class BasicGet {

    @Test
    void autoAckGetTakesTheMessageAndReportsHowManyRemain() {
      QueueId q = declareQueue();
      publish("", q.name(), "m0");
      publish("", q.name(), "m1");
      BrokerChannel channel = channel("conn");

      GetResponse first = await(channel.basicGet(q, true)).orElseThrow();
      GetResponse second = await(channel.basicGet(q, true)).orElseThrow();

      assertThat(body(first.envelope())).isEqualTo("m0");
      assertThat(first.messageCount()).isEqualTo(1);
      assertThat(first.envelope().redelivered()).isFalse();
      assertThat(body(second.envelope())).isEqualTo("m1");
      assertThat(second.messageCount()).isZero();
      assertThat(await(channel.basicGet(q, true))).isEmpty();
      assertThat(await(broker.counts(q)).total()).isZero();
    }

    @Test
    void aManualGetIsUnackedUntilAckedAndReturnsFlaggedWhenTheChannelClosesWithoutAck() {
      QueueId q = declareQueue();
      publish("", q.name(), "kept");
      publish("", q.name(), "acked");
      BrokerChannel channel = channel("conn");

      GetResponse kept = await(channel.basicGet(q, false)).orElseThrow();
      GetResponse acked = await(channel.basicGet(q, false)).orElseThrow();
      assertThat(kept.envelope().deliveryTag()).isPositive();
      assertThat(await(broker.counts(q)).unacked()).isEqualTo(2);
      await(channel.basicAck(acked.envelope().deliveryTag(), false));
      await(channel.closeAsync());
      channels.remove(channel);

      GetResponse again = await(channel("other").basicGet(q, true)).orElseThrow();
      assertThat(body(again.envelope())).isEqualTo("kept");
      assertThat(again.envelope().redelivered()).isTrue();
      assertThat(await(broker.counts(q)).total()).isZero();
    }
  }

  // ------------------------------------------------------------------ limits and dead letters

  @Nested
  class LimitsAndDeadLetters {

    @Test
    void messagesOutlivingTheQueueTtlAreDeadLetteredWithReasonExpired() {
      DeadLetterSetup dl = deadLetterSetup(Map.of("x-message-ttl", 200));

      publish("", dl.queue().name(), "stale");

      Envelope dead = awaitOne(dl.deadLetterQueue());
      assertThat(body(dead)).isEqualTo("stale");
      assertSingleDeath(dead, "expired", dl.queue());
      eventually("the original is gone", () -> await(broker.counts(dl.queue())).total() == 0);
    }

    @Test
    void aDeadLetterCycleWithoutRejectionIsBrokenInsteadOfCirculatingForever() throws Exception {
      // a and b dead-letter expired messages into each other through the default exchange.
      String a = name("cycle-a");
      String b = name("cycle-b");
      await(broker.declareQueue(queueDefinition(a, Map.of("x-message-ttl", 100,
          "x-dead-letter-exchange", "", "x-dead-letter-routing-key", b))));
      await(broker.declareQueue(queueDefinition(b, Map.of("x-message-ttl", 100,
          "x-dead-letter-exchange", "", "x-dead-letter-routing-key", a))));
      QueueId qa = new QueueId(VHOST, a);
      QueueId qb = new QueueId(VHOST, b);

      publish("", a, "round and round");

      // a -> b (expired in a) -> back to a would be a cycle with no rejection: dropped there.
      eventually("the message has left both queues", () -> held(qa) + held(qb) == 0);
      long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(600);
      while (System.nanoTime() < until) {
        assertThat(held(qa) + held(qb)).as("the message does not come back").isZero();
        Thread.sleep(20);
      }
    }

    /** Messages a queue holds in any state, including dead letters waiting to be published. */
    private long held(QueueId q) {
      var c = await(broker.counts(q));
      return c.total() + c.pendingDeadLetters();
    }

    @Test
    void rejectPublishOverflowNacksThePublishBeyondMaxLength() {
      QueueId q = declareQueue(Map.of("x-max-length", 2, "x-overflow", "reject-publish"));

      assertThat(publish("", q.name(), "1")).isEqualTo(new PublishOutcome(true, true));
      assertThat(publish("", q.name(), "2")).isEqualTo(new PublishOutcome(true, true));
      assertThat(publish("", q.name(), "3")).isEqualTo(new PublishOutcome(true, false));

      assertThat(bodiesIn(q)).containsExactly("1", "2");
    }

    @Test
    void dropHeadOverflowDeadLettersTheOldestWithReasonMaxlen() {
      DeadLetterSetup dl = deadLetterSetup(Map.of("x-max-length", 2));

      publish("", dl.queue().name(), "oldest");
      publish("", dl.queue().name(), "middle");
      assertThat(publish("", dl.queue().name(), "newest")).isEqualTo(new PublishOutcome(true, true));

      Envelope dead = awaitOne(dl.deadLetterQueue());
      assertThat(body(dead)).isEqualTo("oldest");
      assertSingleDeath(dead, "maxlen", dl.queue());
      assertThat(bodiesIn(dl.queue())).containsExactly("middle", "newest");
    }
  }

  // ------------------------------------------------------------------ exclusive, auto-delete, expiry

  @Nested
  class QueueLifetimes {

    @Test
    void anotherConnectionCannotConsumeGetOrRedeclareAnExclusiveQueue() {
      QueueId q = new QueueId(VHOST, name("exclusive"));
      await(broker.declareQueue(new QueueDefinition(q, false, true, false, Map.of(), "owner-connection")));
      publish("", q.name(), "mine");
      BrokerChannel intruder = channel("other-connection");

      assertFails(() -> intruder.basicConsume(q, "", true, false, (t, e) -> {}, null), Kind.RESOURCE_LOCKED, null);
      assertFails(() -> intruder.basicGet(q, true), Kind.RESOURCE_LOCKED, null);
      assertFails(() -> broker.declareQueue(new QueueDefinition(q, false, true, false, Map.of(), "other-connection")),
          Kind.RESOURCE_LOCKED, null);

      GetResponse own = await(channel("owner-connection").basicGet(q, true)).orElseThrow();
      assertThat(body(own.envelope())).isEqualTo("mine");
    }

    @Test
    void closingTheOwningConnectionDeletesItsExclusiveQueuesAndNoOthers() {
      QueueId mine = new QueueId(VHOST, name("exclusive-mine"));
      QueueId theirs = new QueueId(VHOST, name("exclusive-theirs"));
      QueueId shared = new QueueId(VHOST, name("shared"));
      await(broker.declareQueue(new QueueDefinition(mine, false, true, false, Map.of(), "closing-connection")));
      await(broker.declareQueue(new QueueDefinition(theirs, false, true, false, Map.of(), "staying-connection")));
      await(broker.declareQueue(new QueueDefinition(shared, true, false, false, Map.of(), null)));

      assertThat(await(broker.connectionClosed("closing-connection"))).isEqualTo(1);

      assertThat(broker.topology().queue(mine)).isEmpty();
      assertThat(broker.topology().queue(theirs)).isPresent();
      assertThat(broker.topology().queue(shared)).isPresent();
    }

    @Test
    void anAutoDeleteQueueIsDeletedWhenItsLastConsumerCancels() {
      QueueId q = new QueueId(VHOST, name("auto-delete"));
      await(broker.declareQueue(new QueueDefinition(q, false, false, true, Map.of(), null)));
      BrokerChannel channel = channel("conn");
      String a = await(channel.basicConsume(q, "", true, false, (t, e) -> {}, null));
      String b = await(channel.basicConsume(q, "", true, false, (t, e) -> {}, null));

      await(channel.basicCancel(a));
      // One consumer left: the queue stays (checked again after the last cancel below).
      assertThat(await(broker.counts(q)).consumers()).isEqualTo(1);
      assertThat(broker.topology().queue(q)).isPresent();
      await(channel.basicCancel(b));

      eventually("the auto-delete queue is deleted", () -> broker.topology().queue(q).isEmpty());
    }

    @Test
    void aQueueWithXExpiresIsDeletedAfterBeingUnusedThatLong() {
      QueueId q = declareQueue(Map.of("x-expires", 500));
      long declaredAt = System.nanoTime();

      eventually("the expiring queue is deleted", () -> broker.topology().queue(q).isEmpty());

      assertThat(Duration.ofNanos(System.nanoTime() - declaredAt)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
    }
  }

  // ------------------------------------------------------------------ restart

  @Nested
  class Restart {

    @TempDir
    Path dataDir;

    @Test
    void durableResourcesAndTheirMessagesSurviveARestartAndTransientOnesAreGone() {
      QueueId durable = new QueueId(VHOST, "durable-q");
      QueueId transientQueue = new QueueId(VHOST, "transient-q");
      QueueId exclusive = new QueueId(VHOST, "exclusive-q");
      Binding binding = Binding.toQueue(VHOST, "orders", "durable-q", "k");
      try (TestNodes.Node first = TestNodes.start(dataDir)) {
        Broker b = first.broker();
        await(b.declareExchange(ExchangeDefinition.of(VHOST, "orders", ExchangeType.DIRECT)));
        await(b.declareExchange(new ExchangeDefinition(new ExchangeId(VHOST, "transient-x"), ExchangeType.FANOUT,
            false, false, false, Map.of())));
        await(b.declareQueue(QueueDefinition.of(VHOST, durable.name())));
        await(b.declareQueue(new QueueDefinition(transientQueue, false, false, false, Map.of(), null)));
        await(b.declareQueue(new QueueDefinition(exclusive, true, true, false, Map.of(), "connection-1")));
        await(b.bind(binding));
        await(b.bind(Binding.toQueue(VHOST, "orders", transientQueue.name(), "k")));
        assertThat(await(b.publish(VHOST, List.of(message("orders", "k", "m1"), message("orders", "k", "m2")))))
            .allMatch(o -> o.routed() && o.confirmed());
        await(b.publish(VHOST, message("", exclusive.name(), "x1")));
      }

      try (TestNodes.Node second = TestNodes.start(dataDir)) {
        Broker b = second.broker();
        assertThat(b.topology().exchange(new ExchangeId(VHOST, "orders"))).isPresent();
        assertThat(b.topology().queue(durable)).isPresent();
        assertThat(b.topology().bindings(VHOST)).contains(binding);
        assertThat(b.topology().exchange(new ExchangeId(VHOST, "transient-x"))).isEmpty();
        assertThat(b.topology().queue(transientQueue)).isEmpty();
        assertThat(b.topology().queue(exclusive)).isEmpty();

        assertThat(await(b.counts(durable)).ready()).isEqualTo(2);
        PublishOutcome after = await(b.publish(VHOST, message("orders", "k", "m3")));
        assertThat(after).as("the binding still routes").isEqualTo(new PublishOutcome(true, true));
        BrokerChannel channel = b.openChannel("conn");
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          bodies.add(body(await(channel.basicGet(durable, true)).orElseThrow().envelope()));
        }
        assertThat(bodies).containsExactly("m1", "m2", "m3");
        channel.close();
      }
    }

    @Test
    void aRestartedNodeIsReadyOnlyOnceTransientQueuesAreGone() {
      // The registry used to answer the node's first subscription before it dropped transient
      // resources, so a node could come up routing to them; it raced, so restart a few times.
      QueueId q = new QueueId(VHOST, "transient-q");
      for (int start = 0; start < 4; start++) {
        try (TestNodes.Node n = TestNodes.start(dataDir)) {
          assertThat(n.broker().topology().queue(q)).as("transient queue right after start %d", start).isEmpty();
          await(n.broker().declareQueue(new QueueDefinition(q, false, false, false, Map.of(), null)));
        }
      }
    }

    @Test
    void aDeliveredUnackedMessageComesBackRedeliveredAndNeverDeliveredOnesUnflagged() {
      QueueId consumed = new QueueId(VHOST, "consumed-q");
      QueueId untouched = new QueueId(VHOST, "untouched-q");
      try (TestNodes.Node first = TestNodes.start(dataDir)) {
        Broker b = first.broker();
        await(b.declareQueue(QueueDefinition.of(VHOST, consumed.name())));
        await(b.declareQueue(QueueDefinition.of(VHOST, untouched.name())));
        await(b.publish(VHOST, List.of(message("", consumed.name(), "delivered"), message("", consumed.name(), "waiting"),
            message("", untouched.name(), "u1"), message("", untouched.name(), "u2"))));
        BrokerChannel channel = b.openChannel("conn");
        await(channel.basicQos(1));
        Recorder consumer = new Recorder();
        await(channel.basicConsume(consumed, "", false, false, consumer, null));
        consumer.awaitCount(1);
        assertThat(consumer.bodies()).containsExactly("delivered");
        // The node stops with the delivery unacked and the channel still open.
      }

      try (TestNodes.Node second = TestNodes.start(dataDir)) {
        Broker b = second.broker();
        BrokerChannel channel = b.openChannel("conn");
        GetResponse delivered = await(channel.basicGet(consumed, true)).orElseThrow();
        GetResponse waiting = await(channel.basicGet(consumed, true)).orElseThrow();
        GetResponse u1 = await(channel.basicGet(untouched, true)).orElseThrow();
        GetResponse u2 = await(channel.basicGet(untouched, true)).orElseThrow();

        assertThat(body(delivered.envelope())).isEqualTo("delivered");
        assertThat(delivered.envelope().redelivered()).isTrue();
        // "waiting" was never delivered but lies within the persisted delivery mark
        // (weir.queue.delivery-mark-ahead), so it may come back flagged: not asserted.
        assertThat(body(waiting.envelope())).isEqualTo("waiting");
        assertThat(List.of(body(u1.envelope()), body(u2.envelope()))).containsExactly("u1", "u2");
        assertThat(u1.envelope().redelivered()).isFalse();
        assertThat(u2.envelope().redelivered()).isFalse();
        channel.close();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /** A queue with a dead-letter exchange (fanout) and the queue it dead-letters into. */
  record DeadLetterSetup(QueueId queue, QueueId deadLetterQueue) {}

  private DeadLetterSetup deadLetterSetup(Map<String, Object> extraArguments) {
    String dlx = declareExchange(ExchangeType.FANOUT);
    QueueId dlq = declareQueue();
    bind(dlx, dlq, "");
    Map<String, Object> args = new HashMap<>(extraArguments);
    args.put("x-dead-letter-exchange", dlx);
    return new DeadLetterSetup(declareQueue(args), dlq);
  }

  private static void assertSingleDeath(Envelope dead, String reason, QueueId from) {
    Object deaths = dead.properties().headers().get("x-death");
    assertThat(deaths).isInstanceOf(List.class);
    assertThat((List<?>) deaths).hasSize(1);
    Map<?, ?> death = (Map<?, ?>) ((List<?>) deaths).get(0);
    assertThat(death.get("reason")).isEqualTo(reason);
    assertThat(death.get("queue")).isEqualTo(from.name());
    assertThat(death.get("count")).isEqualTo(1L);
    assertThat(dead.properties().headers().get("x-first-death-reason")).isEqualTo(reason);
  }

  private static String name(String base) {
    return base + "-" + NAMES.incrementAndGet();
  }

  private static String declareExchange(ExchangeType type) {
    String name = name(type.wireName());
    await(broker.declareExchange(ExchangeDefinition.of(VHOST, name, type)));
    return name;
  }

  private static QueueId declareQueue() {
    return declareQueue(Map.of());
  }

  private static QueueId declareQueue(Map<String, Object> arguments) {
    QueueDefinition def = queueDefinition(name("q"), arguments);
    await(broker.declareQueue(def));
    return def.id();
  }

  private static QueueDefinition queueDefinition(String name, Map<String, Object> arguments) {
    return new QueueDefinition(new QueueId(VHOST, name), true, false, false, arguments, null);
  }

  private static void bind(String exchange, QueueId queue, String key) {
    await(broker.bind(Binding.toQueue(VHOST, exchange, queue.name(), key)));
  }

  private static Message message(String exchange, String key, String body) {
    return message(exchange, key, body, Map.of());
  }

  private static Message message(String exchange, String key, String body, Map<String, Object> headers) {
    return new Message(exchange, key,
        MessageProperties.builder().persistent().messageId(body).headers(headers).build(),
        body.getBytes(StandardCharsets.UTF_8));
  }

  private static PublishOutcome publish(String exchange, String key, String body) {
    return publish(message(exchange, key, body));
  }

  private static PublishOutcome publish(Message message) {
    return await(broker.publish(VHOST, message));
  }

  private static String body(Envelope e) {
    return new String(e.body(), StandardCharsets.UTF_8);
  }

  private BrokerChannel channel(String connectionId) {
    BrokerChannel c = broker.openChannel(connectionId);
    channels.add(c);
    return c;
  }

  /** Takes every ready message from the queue with auto-ack gets, in order. */
  private List<Envelope> drain(QueueId queue) {
    BrokerChannel c = channel("drain");
    List<Envelope> out = new ArrayList<>();
    for (Optional<GetResponse> r = await(c.basicGet(queue, true)); r.isPresent(); r = await(c.basicGet(queue, true))) {
      out.add(r.get().envelope());
    }
    return out;
  }

  private List<String> bodiesIn(QueueId queue) {
    return drain(queue).stream().map(BrokerBehaviourTest::body).collect(Collectors.toList());
  }

  /** Waits for the one message a queue receives asynchronously (a dead letter) and takes it. */
  private Envelope awaitOne(QueueId queue) {
    eventually("a message in " + queue, () -> await(broker.counts(queue)).ready() > 0);
    List<Envelope> got = drain(queue);
    assertThat(got).hasSize(1);
    return got.get(0);
  }

  /** Polls a condition until it holds, failing after {@link #PATIENCE}. */
  private static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what);
      }
    }
  }

  /**
   * Runs a call expected to fail and checks the refusal's kind and field (null: any field). The
   * failure may come as a failed stage or be thrown by the call itself (validation in constructors
   * and some channel methods happens before anything is sent).
   */
  private static BrokerException assertFails(Supplier<? extends CompletionStage<?>> call, Kind kind, String field) {
    Throwable thrown = catchThrowable(() -> await(call.get()));
    assertThat(thrown).isInstanceOf(BrokerException.class);
    BrokerException e = (BrokerException) thrown;
    assertThat(e.kind()).as("kind of %s", e.getMessage()).isEqualTo(kind);
    if (field != null) {
      assertThat(e.field()).as("field of %s", e.getMessage()).isEqualTo(field);
    }
    return e;
  }

  /** A consumer that records its deliveries (thread-safe) and then runs an optional reaction. */
  private static final class Recorder implements BrokerChannel.DeliverCallback {
    private final List<Envelope> received = new CopyOnWriteArrayList<>();
    private final BrokerChannel.DeliverCallback then;

    Recorder() {
      this((tag, e) -> {});
    }

    Recorder(BrokerChannel.DeliverCallback then) {
      this.then = then;
    }

    @Override
    public void handle(String consumerTag, Envelope envelope) {
      received.add(envelope);
      then.handle(consumerTag, envelope);
    }

    int size() {
      return received.size();
    }

    List<Envelope> envelopes() {
      return List.copyOf(received);
    }

    List<String> bodies() {
      return received.stream().map(BrokerBehaviourTest::body).collect(Collectors.toList());
    }

    List<Envelope> awaitCount(int n) {
      eventually(n + " deliveries (have " + received.size() + ")", () -> received.size() >= n);
      return envelopes();
    }
  }
}
