package io.weirmq.node.queue;

import static org.assertj.core.api.Assertions.assertThat;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.Delivery;
import io.weirmq.core.queue.MessageIds;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.queue.QueueSnapshot;
import io.weirmq.core.queue.QueueState;
import io.weirmq.core.queue.StoredMessage;
import io.weirmq.node.EntityTestKits;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.metrics.MetricsSettings;
import io.weirmq.node.metrics.NodeMetrics;
import io.weirmq.node.metrics.QueueMeters;
import io.weirmq.node.queue.QueueEntity.Command;
import io.weirmq.node.queue.QueueEntity.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class QueueEntityTest {

  private static ActorTestKit testKit;
  private static NodeSettings settings;
  private static NodeMetrics metrics;
  private static final AtomicInteger queueNames = new AtomicInteger();

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EntityTestKits.config());
    settings = NodeSettings.from(testKit.system().settings().config());
    metrics = new NodeMetrics(MetricsSettings.from(testKit.system().settings().config()),
        io.weirmq.core.routing.Topology::new);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** The node side of a queue, recorded: dead letters are taken at once, as by an unroutable DLX. */
  static final class RecordingEnvironment implements QueueEnvironment {
    final List<Message> deadLetters = new CopyOnWriteArrayList<>();
    final List<String> unused = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Done> publishDeadLetter(String vhost, Message message) {
      deadLetters.add(message);
      return CompletableFuture.completedFuture(Done.getInstance());
    }

    @Override
    public void queueUnused(QueueRef queue, String reason) {
      unused.add(reason);
    }

    @Override
    public QueueMeters meters(QueueRef queue) {
      return metrics.queue(queue);
    }
  }

  /** One queue under test: its entity in the testkit, its persistence id and its environment. */
  private record Q(EventSourcedBehaviorTestKit<Command, QueueEvent, QueueState> kit, QueueRef ref,
      String persistenceId, RecordingEnvironment env) {

    List<Object> journal() {
      return kit.persistenceTestKit().persistedInStorage(persistenceId);
    }
  }

  private static Q newQueue(NodeSettings nodeSettings) {
    QueueRef ref = new QueueRef(new QueueId("/", "q" + queueNames.incrementAndGet()), 1);
    RecordingEnvironment env = new RecordingEnvironment();
    EventSourcedBehaviorTestKit<Command, QueueEvent, QueueState> kit = EventSourcedBehaviorTestKit.create(
        testKit.system(), QueueEntity.create(ref, nodeSettings, env), EntityTestKits.serialization());
    return new Q(kit, ref, QueueEntity.ENTITY_KEY.name() + "|" + ref.entityId(), env);
  }

  private static Q newQueue() {
    return newQueue(settings);
  }

  private static Message message(String body) {
    MessageProperties properties = MessageProperties.builder().persistent().contentType("text/plain")
        .headers(Map.of("n", 1, "tags", List.of("a", 2))).build();
    return new Message("", "work", properties, body.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Boolean> publish(Q q, String... bodies) {
    List<Message> messages = new ArrayList<>();
    for (String b : bodies) {
      messages.add(message(b));
    }
    CommandResultWithReply<Command, QueueEvent, QueueState, QueueEntity.PublishAnswer> result =
        q.kit.runCommand(replyTo -> new QueueEntity.Publish(messages, 1, replyTo));
    assertThat(result.reply().failure()).isNull();
    return result.reply().confirmation().accepted();
  }

  private static void subscribe(Q q, String consumerId, ActorRef<ChannelMessage> channel, int prefetch, boolean autoAck) {
    StatusReply<Done> reply = q.kit.<StatusReply<Done>>runCommand(
        replyTo -> new QueueEntity.Subscribe(consumerId, channel, prefetch, autoAck, false, replyTo)).reply();
    assertThat(reply.isSuccess()).as("subscribe %s", consumerId).isTrue();
  }

  private static final java.util.concurrent.atomic.AtomicLong SETTLE_REQUESTS = new java.util.concurrent.atomic.AtomicLong();

  private static ChannelMessage.Settled settle(Q q, TestProbe<ChannelMessage> channel, Outcome outcome, long... ids) {
    long requestId = SETTLE_REQUESTS.incrementAndGet();
    q.kit.runCommand(new QueueEntity.Settle(channel.ref(), MessageIds.of(ids), outcome, requestId));
    return settled(channel, requestId);
  }

  /** The queue's answer to settle request {@code requestId}; deliveries before it wait for expectDelivery. */
  private static ChannelMessage.Settled settled(TestProbe<ChannelMessage> channel, long requestId) {
    while (true) {
      ChannelMessage m = channel.receiveMessage();
      if (m instanceof ChannelMessage.Settled answer && answer.requestId() == requestId) {
        return answer;
      } else if (m instanceof ChannelMessage.Delivered d) {
        BATCHED.computeIfAbsent(channel, c -> new java.util.ArrayDeque<>()).addAll(d.deliveries());
      } else {
        throw new AssertionError("expected the answer to settle request " + requestId + ", got " + m);
      }
    }
  }

  private static QueueCounts counts(Q q) {
    return q.kit.<StatusReply<QueueCounts>>runCommand(QueueEntity.GetCounts::new).reply().getValue();
  }

  /** Deliveries that came in a batch with an earlier one, per channel probe, not yet expected by the test. */
  private static final Map<TestProbe<ChannelMessage>, java.util.ArrayDeque<Delivery>> BATCHED = new java.util.HashMap<>();

  private static Delivery expectDelivery(TestProbe<ChannelMessage> channel) {
    java.util.ArrayDeque<Delivery> waiting = BATCHED.computeIfAbsent(channel, c -> new java.util.ArrayDeque<>());
    if (waiting.isEmpty()) {
      waiting.addAll(channel.expectMessageClass(ChannelMessage.Delivered.class).deliveries());
    }
    return waiting.poll();
  }

  private static String text(Delivery d) {
    return new String(d.body(), StandardCharsets.UTF_8);
  }

  /** Waits until the queue's counts satisfy the check (the entity settles some things on its own). */
  private static QueueCounts awaitCounts(Q q, java.util.function.Predicate<QueueCounts> check) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    QueueCounts c = counts(q);
    while (!check.test(c) && System.nanoTime() < deadline) {
      sleep(20);
      c = counts(q);
    }
    assertThat(check).as("counts %s", c).accepts(c);
    return c;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static <E> List<E> journalOf(Q q, Class<E> type) {
    return q.journal().stream().filter(type::isInstance).map(type::cast).toList();
  }

  // ------------------------------------------------------------------ tests

  @Test
  void configurePersistsQueueConfiguredAndAnswersCounts() {
    Q q = newQueue();
    QueueSettings withTtl = QueueSettings.fromArguments(Map.of("x-message-ttl", 60_000));

    CommandResultWithReply<Command, QueueEvent, QueueState, StatusReply<QueueCounts>> result =
        q.kit.runCommand(replyTo -> new QueueEntity.Configure(withTtl, replyTo));

    assertThat(result.events()).containsExactly(new QueueEvent.QueueConfigured(withTtl));
    assertThat(result.reply().getValue()).isEqualTo(new QueueCounts(0, 0, 0, 0, 0));
    assertThat(result.state().settings()).isEqualTo(withTtl);

    // The same settings again change nothing and persist nothing.
    CommandResultWithReply<Command, QueueEvent, QueueState, StatusReply<QueueCounts>> again =
        q.kit.runCommand(replyTo -> new QueueEntity.Configure(withTtl, replyTo));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().isSuccess()).isTrue();
  }

  @Test
  void publishPersistsOneEnqueuedEventForTheBatchAndConfirmsEachMessage() {
    Q q = newQueue();

    CommandResultWithReply<Command, QueueEvent, QueueState, QueueEntity.PublishAnswer> result =
        q.kit.runCommand(replyTo -> new QueueEntity.Publish(List.of(message("a"), message("b"), message("c")), 1, replyTo));

    assertThat(result.reply().confirmation().accepted()).containsExactly(true, true, true);
    QueueEvent.MessagesEnqueued enqueued = result.eventOfType(QueueEvent.MessagesEnqueued.class);
    assertThat(enqueued.messages()).extracting(QueueEvent.EnqueuedMessage::id).containsExactly(1L, 2L, 3L);
    assertThat(enqueued.messages()).extracting(m -> new String(m.body(), StandardCharsets.UTF_8))
        .containsExactly("a", "b", "c");
    assertThat(q.journal()).hasSize(1);
    assertThat(counts(q).ready()).isEqualTo(3);
  }

  @Test
  void subscribedConsumerGetsDeliveriesOnlyAfterTheDeliveryMarkIsPersisted() {
    Q q = newQueue();
    publish(q, "a", "b", "c");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();

    subscribe(q, "c1", channel.ref(), 10, false);

    Delivery first = expectDelivery(channel);
    // By the time the first delivery arrives the mark covering it is in the journal.
    List<QueueEvent.DeliveriesMarked> marks = journalOf(q, QueueEvent.DeliveriesMarked.class);
    assertThat(marks).isNotEmpty();
    assertThat(marks.get(0).upToId()).isGreaterThanOrEqualTo(3);
    assertThat(q.journal().indexOf(marks.get(0))).isEqualTo(1); // right after the publish

    List<Delivery> deliveries = List.of(first, expectDelivery(channel), expectDelivery(channel));
    assertThat(deliveries).extracting(QueueEntityTest::text).containsExactly("a", "b", "c");
    assertThat(deliveries).extracting(Delivery::consumerId).containsOnly("c1");
    assertThat(deliveries).extracting(Delivery::redelivered).containsOnly(false);
    assertThat(first.owner()).isEqualTo(channel.ref().path().toSerializationFormat());
    assertThat(counts(q)).isEqualTo(new QueueCounts(0, 3, 0, 1, 0));
  }

  @Test
  void ackPersistsMessagesAcked() {
    Q q = newQueue();
    publish(q, "a", "b");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 10, false);
    Delivery a = expectDelivery(channel);
    expectDelivery(channel);

    long requestId = SETTLE_REQUESTS.incrementAndGet();
    var result = q.kit.runCommand(new QueueEntity.Settle(channel.ref(), MessageIds.of(a.messageId()), Outcome.ACK, requestId));
    ChannelMessage.Settled answer = settled(channel, requestId);

    assertThat(answer.failure()).isNull();
    assertThat(result.events()).containsExactly(new QueueEvent.MessagesAcked(MessageIds.of(a.messageId())));
    assertThat(counts(q)).isEqualTo(new QueueCounts(0, 1, 0, 1, 0));
  }

  @Test
  void requeueRedeliversTheMessageFlaggedRedelivered() {
    Q q = newQueue();
    publish(q, "a");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 10, false);
    Delivery a = expectDelivery(channel);
    assertThat(a.redelivered()).isFalse();

    long requestId = SETTLE_REQUESTS.incrementAndGet();
    var result = q.kit.runCommand(new QueueEntity.Settle(channel.ref(), MessageIds.of(a.messageId()), Outcome.REQUEUE, requestId));
    ChannelMessage.Settled answer = settled(channel, requestId);

    assertThat(answer.failure()).isNull();
    assertThat(result.events()).containsExactly(new QueueEvent.MessagesRequeued(MessageIds.of(a.messageId())));
    Delivery again = expectDelivery(channel);
    assertThat(again.messageId()).isEqualTo(a.messageId());
    assertThat(again.redelivered()).isTrue();
    assertThat(again.deliveryCount()).isEqualTo(1);
  }

  @Test
  void rejectWithADeadLetterExchangePublishesTheCopyAndThenSettlesIt() {
    Q q = newQueue();
    QueueSettings dlx = QueueSettings.fromArguments(Map.of("x-dead-letter-exchange", "dlx"));
    q.kit.<StatusReply<QueueCounts>>runCommand(replyTo -> new QueueEntity.Configure(dlx, replyTo));
    publish(q, "poison");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 10, false);
    Delivery d = expectDelivery(channel);

    long requestId = SETTLE_REQUESTS.incrementAndGet();
    var result = q.kit.runCommand(new QueueEntity.Settle(channel.ref(), MessageIds.of(d.messageId()), Outcome.REJECT, requestId));
    ChannelMessage.Settled answer = settled(channel, requestId);

    assertThat(answer.failure()).isNull();
    QueueEvent.MessagesDeadLettered deadLettered = result.eventOfType(QueueEvent.MessagesDeadLettered.class);
    assertThat(deadLettered.ids()).isEqualTo(MessageIds.of(d.messageId()));
    assertThat(deadLettered.reason()).isEqualTo(io.weirmq.core.queue.DeadLetterReason.REJECTED);

    QueueCounts after = awaitCounts(q, c -> c.pendingDeadLetters() == 0);
    assertThat(after.total()).isZero();
    assertThat(q.env.deadLetters).hasSize(1);
    Message copy = q.env.deadLetters.get(0);
    assertThat(copy.exchange()).isEqualTo("dlx");
    assertThat(copy.routingKey()).isEqualTo("work");
    assertThat(new String(copy.body(), StandardCharsets.UTF_8)).isEqualTo("poison");
    assertThat(copy.properties().headers()).containsEntry("x-first-death-reason", "rejected");
    // Settled only after the copy was confirmed: the settle event follows the dead-lettering.
    List<Object> journal = q.journal();
    int deadLetteredAt = journal.indexOf(deadLettered);
    int settledAt = journal.indexOf(new QueueEvent.DeadLettersSettled(MessageIds.of(d.messageId())));
    assertThat(settledAt).isGreaterThan(deadLetteredAt).isGreaterThan(0);
  }

  @Test
  void getWithAutoAckHandsOutTheHeadAndAcksIt() {
    Q q = newQueue();
    publish(q, "a", "b");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();

    StatusReply<QueueEntity.GetResult> reply = q.kit.<StatusReply<QueueEntity.GetResult>>runCommand(
        replyTo -> new QueueEntity.Get(channel.ref(), true, replyTo)).reply();

    QueueEntity.GetResult result = reply.getValue();
    assertThat(result.delivery()).isPresent();
    assertThat(text(result.delivery().get())).isEqualTo("a");
    assertThat(result.delivery().get().consumerId()).isNull();
    assertThat(result.messageCount()).isEqualTo(1);
    assertThat(journalOf(q, QueueEvent.DeliveriesMarked.class)).hasSize(1);
    assertThat(journalOf(q, QueueEvent.MessagesAcked.class))
        .containsExactly(new QueueEvent.MessagesAcked(MessageIds.of(result.delivery().get().messageId())));
    assertThat(counts(q)).isEqualTo(new QueueCounts(1, 0, 1, 0, 0));

    q.kit.<StatusReply<QueueEntity.GetResult>>runCommand(replyTo -> new QueueEntity.Get(channel.ref(), true, replyTo));
    QueueEntity.GetResult empty = q.kit.<StatusReply<QueueEntity.GetResult>>runCommand(
        replyTo -> new QueueEntity.Get(channel.ref(), true, replyTo)).reply().getValue();
    assertThat(empty.delivery()).isEmpty();
    assertThat(empty.messageCount()).isZero();
  }

  @Test
  void purgeRemovesReadyMessagesAndAnswersHowMany() {
    Q q = newQueue();
    publish(q, "a", "b", "c");

    CommandResultWithReply<Command, QueueEvent, QueueState, StatusReply<Long>> result =
        q.kit.runCommand(QueueEntity.Purge::new);

    assertThat(result.reply().getValue()).isEqualTo(3L);
    assertThat(result.events()).containsExactly(new QueueEvent.MessagesPurged(MessageIds.of(1, 2, 3)));
    assertThat(counts(q).total()).isZero();
  }

  @Test
  void restartRecoversMessagesAndMakesUnackedOnesReadyAndRedelivered() {
    Q q = newQueue();
    publish(q, "a", "b", "c");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 10, false);
    Delivery a = expectDelivery(channel);
    expectDelivery(channel);
    expectDelivery(channel);
    settle(q, channel, Outcome.ACK, a.messageId());

    q.kit.restart();
    // Recovery queues a Maintain turn on the actor; a command answered after it means the state,
    // a mutable object the actor owns, is at rest when the test reads it (a ConcurrentModification
    // in readyMessages otherwise, now and then).
    assertThat(counts(q)).isEqualTo(new QueueCounts(2, 0, 2, 0, 0));
    QueueState recovered = q.kit.getState();
    assertThat(recovered.readyMessages()).extracting(StoredMessage::id).containsExactly(2L, 3L);
    assertThat(recovered.readyMessages()).extracting(StoredMessage::redelivered).containsOnly(true);
    // The stopped incarnation cancelled its consumer.
    ChannelMessage.ConsumerCancelled cancelled = channel.expectMessageClass(ChannelMessage.ConsumerCancelled.class);
    assertThat(cancelled.consumerId()).isEqualTo("c1");

    TestProbe<ChannelMessage> next = testKit.createTestProbe();
    subscribe(q, "c2", next.ref(), 10, false);
    Delivery b = expectDelivery(next);
    assertThat(text(b)).isEqualTo("b");
    assertThat(b.redelivered()).isTrue();
    assertThat(text(expectDelivery(next))).isEqualTo("c");
  }

  @Test
  void metersCountPublishesDeliveriesAcksRedeliveriesAndDeadLettersButNotReplayedEvents() {
    Q q = newQueue();
    QueueSettings dlx = QueueSettings.fromArguments(Map.of("x-dead-letter-exchange", "dlx"));
    q.kit.<StatusReply<QueueCounts>>runCommand(replyTo -> new QueueEntity.Configure(dlx, replyTo));
    QueueMeters meters = metrics.queue(q.ref);
    publish(q, "a", "b", "c");
    assertThat(meters.published()).isEqualTo(3);

    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 10, false);
    Delivery a = expectDelivery(channel);
    Delivery b = expectDelivery(channel);
    Delivery c = expectDelivery(channel);
    assertThat(meters.delivered()).isEqualTo(3);
    assertThat(meters.redelivered()).isZero();

    settle(q, channel, Outcome.ACK, a.messageId());
    settle(q, channel, Outcome.REQUEUE, b.messageId());
    assertThat(expectDelivery(channel).redelivered()).isTrue();
    settle(q, channel, Outcome.REJECT, c.messageId());
    assertThat(meters.acked()).isEqualTo(1);
    assertThat(meters.delivered()).isEqualTo(4);
    assertThat(meters.redelivered()).isEqualTo(1);
    assertThat(meters.deadLettered()).isEqualTo(1);
    // A refused settlement counts nothing.
    assertThat(settle(q, channel, Outcome.ACK, 99).failure()).isNotNull();
    assertThat(meters.acked()).isEqualTo(1);

    // Replaying the journal is not traffic: the same object keeps its counts, unchanged.
    q.kit.restart();
    assertThat(metrics.queue(q.ref)).isSameAs(meters);
    assertThat(meters.published()).isEqualTo(3);
    assertThat(meters.acked()).isEqualTo(1);
    assertThat(meters.deadLettered()).isEqualTo(1);
    publish(q, "d");
    assertThat(meters.published()).isEqualTo(4);
  }

  @Test
  void snapshotIsTakenAfterSnapshotEveryWritesAndRestartStillRecovers() {
    NodeSettings s = settings;
    NodeSettings everyThree = new NodeSettings(s.dataDir(), s.askTimeout(), s.publishTimeout(),
        s.maxDeliveriesPerTurn(), s.deliveryMarkAhead(), 3, s.snapshotMaxBytes(), s.maxBatchMessages(), s.settleLinger(),
        s.registryResubscribeInterval(), s.restartMinBackoff(), s.restartMaxBackoff(), s.mirrors());
    Q q = newQueue(everyThree);
    for (int i = 1; i <= 5; i++) {
      publish(q, "m" + i);
    }

    var snapshots = q.kit.snapshotTestKit().orElseThrow().persistedInStorage(q.persistenceId);
    assertThat(snapshots).hasSize(1);
    assertThat(snapshots.get(0).first().sequenceNr()).isEqualTo(3);
    QueueSnapshot snapshot = (QueueSnapshot) snapshots.get(0).second();
    assertThat(snapshot.nextId()).isEqualTo(4);
    assertThat(snapshot.messages()).extracting(QueueSnapshot.Entry::id).containsExactly(1L, 2L, 3L);

    QueueState recovered = q.kit.restart().state();
    assertThat(recovered.counts().ready()).isEqualTo(5);
    assertThat(recovered.nextId()).isEqualTo(6);

    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 0, true);
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      bodies.add(text(expectDelivery(channel)));
    }
    assertThat(bodies).containsExactly("m1", "m2", "m3", "m4", "m5");
  }

  @Test
  void settleOfAnUnknownDeliveryIsRefusedWithPreconditionFailed() {
    Q q = newQueue();
    publish(q, "a");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();

    long requestId = SETTLE_REQUESTS.incrementAndGet();
    var result = q.kit.runCommand(new QueueEntity.Settle(channel.ref(), MessageIds.of(99), Outcome.ACK, requestId));
    ChannelMessage.Settled answer = settled(channel, requestId);

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(answer.failure()).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.kind()).isEqualTo(BrokerException.Kind.PRECONDITION_FAILED);
      assertThat(e.field()).isEqualTo("delivery_tag");
    });
  }

  @Test
  void aTerminatedChannelsUnackedMessagesBecomeReadyAgain() {
    Q q = newQueue();
    publish(q, "a", "b");
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    subscribe(q, "c1", channel.ref(), 10, false);
    expectDelivery(channel);
    expectDelivery(channel);
    assertThat(counts(q).unacked()).isEqualTo(2);

    channel.stop();

    assertThat(awaitCounts(q, c -> c.unacked() == 0)).isEqualTo(new QueueCounts(2, 0, 2, 0, 0));
    assertThat(journalOf(q, QueueEvent.MessagesRequeued.class))
        .containsExactly(new QueueEvent.MessagesRequeued(MessageIds.of(1, 2)));
    TestProbe<ChannelMessage> next = testKit.createTestProbe();
    subscribe(q, "c2", next.ref(), 10, false);
    assertThat(expectDelivery(next).redelivered()).isTrue();
    assertThat(expectDelivery(next).redelivered()).isTrue();
  }

  /**
   * A client that recovers re-consumes with its old consumer tag on a new channel; a failed attempt
   * cancels that tag again. The cancel must not end another channel's consumer of the same tag.
   */
  @Test
  void unsubscribeEndsOnlyTheConsumerOfTheChannelThatAsks() {
    Q q = newQueue();
    TestProbe<ChannelMessage> first = testKit.createTestProbe();
    TestProbe<ChannelMessage> other = testKit.createTestProbe();
    subscribe(q, "amq.ctag-1", first.ref(), 10, false);

    StatusReply<Done> reply = q.kit.<StatusReply<Done>>runCommand(
        replyTo -> new QueueEntity.Unsubscribe("amq.ctag-1", other.ref(), replyTo)).reply();

    assertThat(reply.isSuccess()).isTrue();
    assertThat(counts(q).consumers()).isEqualTo(1);
    publish(q, "a");
    assertThat(text(expectDelivery(first))).isEqualTo("a");
    q.kit.<StatusReply<Done>>runCommand(replyTo -> new QueueEntity.Unsubscribe("amq.ctag-1", first.ref(), replyTo));
    assertThat(counts(q).consumers()).isZero();
  }

  /**
   * A failed journal write restarts the queue from its journal, as a fresh actor: Akka's persistence
   * builds the empty state once per actor, and our state is mutable, so restarting inside the same
   * actor recovered on top of the failed run's state, consumers and their used-up prefetch included.
   * The consumer's channel then re-subscribed into "already exists", and the queue delivered nothing
   * more (RollingRestartIT's stall), or handed a message to a consumer it no longer had a channel for
   * (the NullPointerException in deliverNow after a Cassandra write timeout).
   */
  @Test
  void aFailedJournalWriteRestartsTheQueueFromItsJournalAndItsConsumersSubscribeAgain() {
    QueueRef ref = new QueueRef(new QueueId("/", "q" + queueNames.incrementAndGet()), 1);
    String persistenceId = QueueEntity.ENTITY_KEY.name() + "|" + ref.entityId();
    // As sharding runs it: the front, which restarts its entity.
    ActorRef<Command> queue = testKit.spawn(QueueFront.create(ref, settings, new RecordingEnvironment()));
    TestProbe<QueueEntity.PublishAnswer> confirms = testKit.createTestProbe();
    queue.tell(new QueueEntity.Publish(List.of(message("a"), message("b")), 1, confirms.ref()));
    assertThat(confirms.receiveMessage().failure()).isNull();
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> subscribed = testKit.createTestProbe();
    queue.tell(new QueueEntity.Subscribe("c1", channel.ref(), 2, false, false, subscribed.ref()));
    assertThat(subscribed.receiveMessage().isSuccess()).isTrue();
    assertThat(List.of(text(expectDelivery(channel)), text(expectDelivery(channel)))).containsExactly("a", "b");

    akka.persistence.testkit.javadsl.PersistenceTestKit.create(testKit.system()).failNextPersisted(persistenceId);
    queue.tell(new QueueEntity.Publish(List.of(message("c")), 2, confirms.ref()));

    QueueEntity.PublishAnswer failed = confirms.receiveMessage();
    assertThat(failed.requestId()).isEqualTo(2);
    assertThat(failed.failure()).as("the failed write is not confirmed").isNotNull();
    assertThat(channel.expectMessageClass(ChannelMessage.ConsumerCancelled.class).consumerId()).isEqualTo("c1");
    queue.tell(new QueueEntity.Subscribe("c1", channel.ref(), 2, false, false, subscribed.ref()));
    StatusReply<Done> again = subscribed.receiveMessage(Duration.ofSeconds(10));
    assertThat(again.isSuccess()).as("re-subscribed after the restart: %s", again).isTrue();
    Delivery a = expectDelivery(channel);
    Delivery b = expectDelivery(channel);
    assertThat(List.of(text(a), text(b))).containsExactly("a", "b");
    assertThat(a.redelivered() && b.redelivered()).as("flagged redelivered").isTrue();
    TestProbe<StatusReply<QueueCounts>> counts = testKit.createTestProbe();
    queue.tell(new QueueEntity.GetCounts(counts.ref()));
    assertThat(counts.receiveMessage().getValue()).as("each message once").isEqualTo(new QueueCounts(0, 2, 0, 1, 0));
  }

  private static NodeSettings withSettleLinger(Duration linger) {
    NodeSettings s = settings;
    return new NodeSettings(s.dataDir(), s.askTimeout(), s.publishTimeout(), s.maxDeliveriesPerTurn(),
        s.deliveryMarkAhead(), s.snapshotEvery(), s.snapshotMaxBytes(), s.maxBatchMessages(), linger,
        s.registryResubscribeInterval(), s.restartMinBackoff(), s.restartMaxBackoff(), s.mirrors());
  }

  /** A front with a consumer subscribed, as sharding runs it; publishes confirmed to {@code confirms}. */
  private static ActorRef<Command> frontWithConsumer(NodeSettings nodeSettings, TestProbe<ChannelMessage> channel,
      int prefetch) {
    QueueRef ref = new QueueRef(new QueueId("/", "q" + queueNames.incrementAndGet()), 1);
    ActorRef<Command> queue = testKit.spawn(QueueFront.create(ref, nodeSettings, new RecordingEnvironment()));
    TestProbe<StatusReply<Done>> subscribed = testKit.createTestProbe();
    queue.tell(new QueueEntity.Subscribe("c1", channel.ref(), prefetch, false, false, subscribed.ref()));
    assertThat(subscribed.receiveMessage().isSuccess()).isTrue();
    return queue;
  }

  private static void publishTo(ActorRef<Command> queue, String body, long requestId,
      TestProbe<QueueEntity.PublishAnswer> confirms) {
    queue.tell(new QueueEntity.Publish(List.of(message(body)), requestId, confirms.ref()));
    QueueEntity.PublishAnswer answer = confirms.receiveMessage();
    assertThat(answer.requestId()).isEqualTo(requestId);
    assertThat(answer.failure()).isNull();
  }

  /**
   * weir.queue.settle-linger: while a publisher is active and the consumers have credit to spare, an
   * ack waits for the next publish, or for any other command, and is written with it.
   */
  @Test
  void anAckWaitsForTheNextPublishWhileConsumersHaveCreditToSpare() {
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    TestProbe<QueueEntity.PublishAnswer> confirms = testKit.createTestProbe();
    ActorRef<Command> queue = frontWithConsumer(withSettleLinger(Duration.ofSeconds(20)), channel, 10);
    publishTo(queue, "a", 1, confirms);
    Delivery a = expectDelivery(channel);

    queue.tell(new QueueEntity.Settle(channel.ref(), MessageIds.of(a.messageId()), Outcome.ACK, 1));
    channel.expectNoMessage(Duration.ofMillis(300));
    publishTo(queue, "b", 2, confirms);
    assertThat(settled(channel, 1).errorKind()).isNull();
    Delivery b = expectDelivery(channel);
    assertThat(text(b)).isEqualTo("b");

    // Any other command writes what waits ahead of it first, and sees it written.
    queue.tell(new QueueEntity.Settle(channel.ref(), MessageIds.of(b.messageId()), Outcome.ACK, 2));
    TestProbe<StatusReply<QueueCounts>> counts = testKit.createTestProbe();
    queue.tell(new QueueEntity.GetCounts(counts.ref()));
    assertThat(counts.receiveMessage().getValue()).isEqualTo(new QueueCounts(0, 0, 0, 1, 0));
    assertThat(settled(channel, 2).errorKind()).isNull();
  }

  /** A consumer without credit to spare (prefetch 1, holding its one) has its ack written at once. */
  @Test
  void anAckIsWrittenAtOnceWhenAConsumerIsShortOfCredit() {
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    TestProbe<QueueEntity.PublishAnswer> confirms = testKit.createTestProbe();
    ActorRef<Command> queue = frontWithConsumer(withSettleLinger(Duration.ofSeconds(20)), channel, 1);
    publishTo(queue, "a", 1, confirms);
    publishTo(queue, "b", 2, confirms);
    Delivery a = expectDelivery(channel);

    queue.tell(new QueueEntity.Settle(channel.ref(), MessageIds.of(a.messageId()), Outcome.ACK, 1));
    assertThat(settled(channel, 1).errorKind()).as("written without waiting 20 s for a publish").isNull();
    assertThat(text(expectDelivery(channel))).isEqualTo("b");
  }

  /** With no publish coming, an ack waits settle-linger and no longer. */
  @Test
  void anAckIsWrittenWhenTheLingerIsOver() {
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    TestProbe<QueueEntity.PublishAnswer> confirms = testKit.createTestProbe();
    ActorRef<Command> queue = frontWithConsumer(withSettleLinger(Duration.ofSeconds(1)), channel, 10);
    publishTo(queue, "a", 1, confirms);
    Delivery a = expectDelivery(channel);

    queue.tell(new QueueEntity.Settle(channel.ref(), MessageIds.of(a.messageId()), Outcome.ACK, 1));
    channel.expectNoMessage(Duration.ofMillis(300));
    assertThat(settled(channel, 1).errorKind()).isNull();
  }

  /**
   * A front that stops holding publishes it has not written nacks them at once, so the publisher
   * sends them again (to the queue's new home) instead of waiting out weir.publish-timeout: a shard
   * moving in a rolling restart stopped fronts with publishes waiting for the write in flight. Here
   * they wait while the entity restarts after a journal failure.
   */
  @Test
  void aStoppingFrontNacksThePublishesItHasNotWritten() {
    QueueRef ref = new QueueRef(new QueueId("/", "q" + queueNames.incrementAndGet()), 1);
    String persistenceId = QueueEntity.ENTITY_KEY.name() + "|" + ref.entityId();
    // As sharding runs it: a hand-off stops the entity with a PoisonPill, an ordinary message that
    // comes after those sent before it (an ActorTestKit stop would overtake them).
    ActorRef<Command> queue = testKit.spawn(Behaviors.intercept(akka.actor.typed.internal.PoisonPillInterceptor::new,
        QueueFront.create(ref, settings, new RecordingEnvironment())));
    TestProbe<QueueEntity.PublishAnswer> confirms = testKit.createTestProbe();
    queue.tell(new QueueEntity.Publish(List.of(message("a")), 1, confirms.ref()));
    assertThat(confirms.receiveMessage().failure()).isNull();
    akka.persistence.testkit.javadsl.PersistenceTestKit.create(testKit.system()).failNextPersisted(persistenceId);
    queue.tell(new QueueEntity.Publish(List.of(message("b")), 2, confirms.ref()));
    assertThat(confirms.receiveMessage().failure()).as("the failed write").isNotNull();

    queue.tell(new QueueEntity.Publish(List.of(message("c")), 3, confirms.ref())); // waits for the new entity
    akka.actor.typed.javadsl.Adapter.toClassic(queue).tell(akka.actor.PoisonPill.getInstance(), akka.actor.ActorRef.noSender());

    // (The failed write may be answered twice, by the entity and by its front: a second answer is ignored.)
    QueueEntity.PublishAnswer held;
    do {
      held = confirms.receiveMessage(Duration.ofSeconds(3));
    } while (held.requestId() == 2);
    assertThat(held.requestId()).isEqualTo(3);
    assertThat(held.failure()).contains("publish again");
  }

  @Test
  void shutdownCancelsConsumersAnswersCountsAndStops() {
    // Spawned directly: the behaviour testkit asks a stopped entity for its state, which never comes.
    QueueRef ref = new QueueRef(new QueueId("/", "q" + queueNames.incrementAndGet()), 1);
    ActorRef<Command> queue = testKit.spawn(QueueEntity.create(ref, settings, new RecordingEnvironment()));
    TestProbe<QueueEntity.PublishAnswer> confirms = testKit.createTestProbe();
    queue.tell(new QueueEntity.Publish(List.of(message("a"), message("b")), 1, confirms.ref()));
    confirms.expectMessageClass(QueueEntity.PublishAnswer.class);
    TestProbe<ChannelMessage> channel = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> subscribed = testKit.createTestProbe();
    queue.tell(new QueueEntity.Subscribe("c1", channel.ref(), 1, false, false, subscribed.ref()));
    assertThat(subscribed.receiveMessage().isSuccess()).isTrue();
    expectDelivery(channel);

    TestProbe<StatusReply<QueueCounts>> done = testKit.createTestProbe();
    queue.tell(new QueueEntity.Shutdown("queue deleted", done.ref()));

    assertThat(done.receiveMessage().getValue()).isEqualTo(new QueueCounts(1, 1, 1, 1, 0));
    ChannelMessage.ConsumerCancelled cancelled = channel.expectMessageClass(ChannelMessage.ConsumerCancelled.class);
    assertThat(cancelled).isEqualTo(new ChannelMessage.ConsumerCancelled(ref, "c1", "queue deleted"));
    done.expectTerminated(queue);
    channel.expectNoMessage(Duration.ofMillis(200));
  }
}
