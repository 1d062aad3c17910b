package io.weirmq.node.channel;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import io.weirmq.core.channel.DeliveryTags;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.Delivery;
import io.weirmq.core.queue.MessageIds;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.Broker;
import io.weirmq.node.Envelope;
import io.weirmq.node.GetResponse;
import io.weirmq.node.queue.ChannelMessage;
import io.weirmq.node.queue.QueueEntity;
import io.weirmq.node.queue.QueueRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A channel on the broker, in the AMQP sense: it consumes and gets messages, numbers deliveries
 * with its own delivery tags and settles them. Unsettled deliveries go back to their queues,
 * flagged redelivered, when the channel closes or its actor dies.
 *
 * <p>Method names follow the RabbitMQ Java client. Callbacks run on the channel's actor, one at a
 * time, in delivery order; every method may be called from any thread.
 */
public final class BrokerChannel implements AutoCloseable {

  /** Receives deliveries for a consumer. */
  @FunctionalInterface
  public interface DeliverCallback {
    void handle(String consumerTag, Envelope envelope);
  }

  /**
   * Receives a consumer's deliveries several at a time: all those its queue sent together, in
   * order. For connections that forward them in bulk (the WebSocket protocol's batches).
   */
  @FunctionalInterface
  public interface BatchDeliverCallback {
    void handle(String consumerTag, List<Envelope> envelopes);
  }

  /** One settlement of {@link #settle}: basic.ack, basic.nack or basic.reject of a delivery tag. */
  public record Settlement(long deliveryTag, boolean multiple, QueueEntity.Outcome outcome) {}

  /** Told when the broker ends a consumer (its queue was deleted). */
  @FunctionalInterface
  public interface CancelCallback {
    void handle(String consumerTag);
  }

  private final Broker broker;
  private final String connectionId;
  private final ActorRef<Command> actor;
  private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Done>> closed =
      new java.util.concurrent.atomic.AtomicReference<>();

  private BrokerChannel(Broker broker, String connectionId, ActorRef<Command> actor) {
    this.broker = broker;
    this.connectionId = connectionId;
    this.actor = actor;
  }

  public static BrokerChannel open(Broker broker, String connectionId, String channelId) {
    ActorRef<Command> actor = broker.system().systemActorOf(ChannelActor.create(broker), "weir-channel-" + channelId,
        Props.empty());
    return new BrokerChannel(broker, connectionId, actor);
  }

  public String connectionId() {
    return connectionId;
  }

  /** Per-consumer prefetch for consumers started after this call; 0 is unlimited. */
  public CompletionStage<Done> basicQos(int prefetchCount) {
    if (prefetchCount < 0 || prefetchCount > 65535) {
      return CompletableFuture.failedFuture(
          BrokerException.invalid("prefetch_count", "must be between 0 and 65535, got " + prefetchCount));
    }
    return call(r -> new SetQos(prefetchCount, r));
  }

  /** Starts a consumer and answers its tag (generated when {@code consumerTag} is empty). */
  public CompletionStage<String> basicConsume(QueueId queue, String consumerTag, boolean autoAck, boolean exclusive,
      DeliverCallback deliver, CancelCallback cancel) {
    return basicConsumeBatches(queue, consumerTag, autoAck, exclusive,
        (tag, envelopes) -> envelopes.forEach(e -> deliver.handle(tag, e)), cancel);
  }

  /** {@link #basicConsume}, with deliveries handed over in the batches their queue sent. */
  public CompletionStage<String> basicConsumeBatches(QueueId queue, String consumerTag, boolean autoAck,
      boolean exclusive, BatchDeliverCallback deliver, CancelCallback cancel) {
    QueueRef ref;
    try {
      ref = accessible(queue);
    } catch (BrokerException e) {
      return CompletableFuture.failedFuture(e);
    }
    return call(r -> new Consume(ref, consumerTag, autoAck, exclusive, deliver, cancel, r));
  }

  public CompletionStage<Done> basicCancel(String consumerTag) {
    return call(r -> new Cancel(consumerTag, r));
  }

  public CompletionStage<Optional<GetResponse>> basicGet(QueueId queue, boolean autoAck) {
    QueueRef ref;
    try {
      ref = accessible(queue);
    } catch (BrokerException e) {
      return CompletableFuture.failedFuture(e);
    }
    return call(r -> new Get(ref, autoAck, r));
  }

  public CompletionStage<Done> basicAck(long deliveryTag, boolean multiple) {
    return settle(List.of(new Settlement(deliveryTag, multiple, QueueEntity.Outcome.ACK)));
  }

  public CompletionStage<Done> basicNack(long deliveryTag, boolean multiple, boolean requeue) {
    return settle(List.of(new Settlement(deliveryTag, multiple,
        requeue ? QueueEntity.Outcome.REQUEUE : QueueEntity.Outcome.REJECT)));
  }

  /**
   * Settles several delivery tags in order, as that many basic.ack/nack/reject calls would, with
   * one request per queue and outcome. Fails with the first tag the channel does not hold (the
   * others are settled all the same).
   */
  public CompletionStage<Done> settle(List<Settlement> settlements) {
    return call(r -> new Settle(List.copyOf(settlements), r));
  }

  public CompletionStage<Done> basicReject(long deliveryTag, boolean requeue) {
    return basicNack(deliveryTag, false, requeue);
  }

  /** Returns unsettled deliveries to their queues, ends the consumers and stops the channel. */
  @Override
  public void close() {
    closeAsync().toCompletableFuture().join();
  }

  /** Closes the channel; later calls answer the same completion. */
  public CompletionStage<Done> closeAsync() {
    CompletableFuture<Done> mine = new CompletableFuture<>();
    if (!closed.compareAndSet(null, mine)) {
      return closed.get();
    }
    actor.tell(new CloseChannel(mine));
    return mine;
  }

  private QueueRef accessible(QueueId queue) {
    var topology = broker.topology();
    QueueRef ref = broker.refOf(topology, queue);
    QueueDefinition def = topology.queue(queue).orElseThrow();
    if (def.exclusive() && !connectionId.equals(def.exclusiveOwner())) {
      throw BrokerException.locked("queue", "cannot obtain exclusive access to locked " + queue);
    }
    return ref;
  }

  private <T> CompletionStage<T> call(java.util.function.Function<CompletableFuture<T>, Command> message) {
    CompletableFuture<T> result = new CompletableFuture<>();
    actor.tell(message.apply(result));
    return result;
  }

  // ------------------------------------------------------------------ the actor

  /** Messages of the channel actor; local only (they carry callbacks and futures). */
  interface Command {}

  record FromQueue(ChannelMessage message) implements Command {}

  /**
   * Subscribes a consumer again to its queue, which stopped (its node left and handed it over, or it
   * restarted) or may have died with a node ({@code probe}: the queue may just as well be alive).
   */
  record Resubscribe(String consumerTag, QueueRef queue, boolean probe) implements Command {}

  record Resubscribed(Resubscribe request, long forgetUpTo, Throwable failure) implements Command {}

  /** A cluster member was removed (it left, or was downed after a crash). */
  record MemberGone(akka.cluster.ClusterEvent.MemberRemoved removed) implements Command {}

  record SetQos(int prefetch, CompletableFuture<Done> result) implements Command {}

  record Consume(QueueRef queue, String consumerTag, boolean autoAck, boolean exclusive, BatchDeliverCallback deliver,
      CancelCallback cancel, CompletableFuture<String> result) implements Command {}

  record Cancel(String consumerTag, CompletableFuture<Done> result) implements Command {}

  record Get(QueueRef queue, boolean autoAck, CompletableFuture<Optional<GetResponse>> result) implements Command {}

  record Settle(List<Settlement> settlements, CompletableFuture<Done> result) implements Command {}

  record CloseChannel(CompletableFuture<Done> result) implements Command {}

  enum CheckSettleDeadlines implements Command { INSTANCE }

  /** A settle request a queue has not answered yet; {@code oneByOne} ones are not split again. */
  private record PendingSettle(QueueRef queue, MessageIds ids, QueueEntity.Outcome outcome, boolean oneByOne,
      long deadlineNanos, CompletableFuture<Done> result) {}

  record Stopped(CompletableFuture<Done> result) implements Command {}

  private static final class ChannelActor extends AbstractBehavior<Command> {

    private record ConsumerEntry(QueueRef queue, boolean autoAck, boolean exclusive, int prefetch,
        BatchDeliverCallback deliver, CancelCallback cancel) {}

    static Behavior<Command> create(Broker broker) {
      return Behaviors.setup(ctx -> new ChannelActor(ctx, broker));
    }

    private final Broker broker;
    private final ActorRef<ChannelMessage> self;
    private final DeliveryTags<QueueRef> tags = new DeliveryTags<>();
    private final Map<String, ConsumerEntry> consumers = new HashMap<>();
    private final Set<QueueRef> touched = new HashSet<>();
    private int prefetch;
    private int nextConsumer = 1;
    private final java.time.Duration resubscribeInterval;
    /** Settles sent to queues and not answered yet, by request id, oldest first. */
    private final Map<Long, PendingSettle> pendingSettles = new java.util.LinkedHashMap<>();
    private long lastSettleRequest;
    private boolean settleDeadlineScheduled;
    private final java.time.Duration settleTimeout;
    private final java.time.Duration settleDeadlineCheck;

    private ChannelActor(ActorContext<Command> context, Broker broker) {
      super(context);
      this.broker = broker;
      this.self = context.messageAdapter(ChannelMessage.class, FromQueue::new);
      this.resubscribeInterval = context.getSystem().settings().config()
          .getDuration("weir.channel.resubscribe-interval");
      this.settleTimeout = broker.settings().askTimeout();
      // Checked a few times per timeout: a settle fails between 1 and 1.25 timeouts after it was sent.
      this.settleDeadlineCheck = settleTimeout.dividedBy(4);
      // A queue whose node crashes tells its consumers nothing: the channel finds out from the
      // cluster, and asks each of its queues whether it still knows the consumer.
      akka.cluster.typed.Cluster.get(context.getSystem()).subscriptions().tell(akka.cluster.typed.Subscribe.create(
          context.messageAdapter(akka.cluster.ClusterEvent.MemberRemoved.class, MemberGone::new),
          akka.cluster.ClusterEvent.MemberRemoved.class));
      broker.metrics().channelOpened(); // undone in stopped(), whichever behaviour the actor stops in
    }

    private Behavior<Command> stopped() {
      pendingSettles.values().forEach(p -> p.result().completeExceptionally(
          new BrokerException(BrokerException.Kind.UNAVAILABLE, null,
              "the channel closed before queue " + p.queue().id() + " answered a settle")));
      pendingSettles.clear();
      broker.metrics().channelClosed();
      return Behaviors.same();
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          // The hot messages first: a ReceiveBuilder tries its cases in order, allocating for each.
          .onMessage(FromQueue.class, m -> onQueueMessage(m.message()))
          .onMessage(Settle.class, this::onSettle)
          .onMessage(SetQos.class, m -> {
            prefetch = m.prefetch();
            m.result().complete(Done.getInstance());
            return this;
          })
          .onMessage(Consume.class, this::onConsume)
          .onMessage(Resubscribe.class, this::onResubscribe)
          .onMessage(Resubscribed.class, this::onResubscribed)
          .onMessage(MemberGone.class, m -> {
            consumers.forEach((tag, c) -> getContext().getSelf().tell(new Resubscribe(tag, c.queue(), true)));
            return this;
          })
          .onMessage(Cancel.class, this::onCancel)
          .onMessage(Get.class, this::onGet)
          .onMessage(FromGet.class, this::onGetAnswered)
          .onMessage(CheckSettleDeadlines.class, m -> onCheckSettleDeadlines())
          .onMessage(CloseChannel.class, this::onClose)
          .onSignal(PostStop.class, s -> stopped())
          .build();
    }

    private Behavior<Command> onQueueMessage(ChannelMessage message) {
      if (message instanceof ChannelMessage.Settled answer) {
        onSettled(answer);
      } else if (message instanceof ChannelMessage.Delivered d) {
        // A batch may hold several consumers' deliveries; each consumer gets its own in order.
        Map<String, List<Envelope>> byConsumer = new java.util.LinkedHashMap<>();
        for (Delivery delivery : d.deliveries()) {
          ConsumerEntry consumer = consumers.get(delivery.consumerId());
          if (consumer == null) {
            // Cancelled meanwhile: the message stays unacked with this channel until it settles or closes.
            tags.assign(d.queue(), delivery.messageId());
            continue;
          }
          long tag = consumer.autoAck() ? 0 : tags.assign(d.queue(), delivery.messageId());
          byConsumer.computeIfAbsent(delivery.consumerId(), c -> new ArrayList<>()).add(envelope(tag, delivery));
        }
        byConsumer.forEach((consumerTag, envelopes) -> {
          try {
            consumers.get(consumerTag).deliver().handle(consumerTag, envelopes);
          } catch (RuntimeException e) {
            getContext().getLog().warn("Consumer {} callback failed: {}", consumerTag, e.toString());
          }
        });
      } else if (message instanceof ChannelMessage.ConsumerCancelled c) {
        ConsumerEntry consumer = consumers.get(c.consumerId());
        if (consumer != null && consumer.queue().equals(c.queue()) && stillDeclared(c.queue())) {
          // The queue stopped but exists: its node is leaving (its shards hand over) or it restarted.
          // Its deliveries to us come again from its new start, flagged redelivered; the consumer
          // follows it there instead of being cancelled.
          int forgotten = tags.forget(c.queue(), tags.lastTag());
          getContext().getLog().info("Consumer {} on {}: queue stopped ({}); {} unacked deliveries will come again, "
              + "re-subscribing", c.consumerId(), c.queue().id(), c.reason(), forgotten);
          getContext().scheduleOnce(resubscribeInterval, getContext().getSelf(),
              new Resubscribe(c.consumerId(), c.queue(), false));
        } else if (consumer != null) {
          cancelled(c.consumerId());
        }
      }
      return this;
    }

    private void cancelled(String consumerTag) {
      ConsumerEntry consumer = consumers.remove(consumerTag);
      if (consumer != null && consumer.cancel() != null) {
        consumer.cancel().handle(consumerTag);
      }
    }

    /** Whether this node's routing copy still has this incarnation of the queue. */
    private boolean stillDeclared(QueueRef queue) {
      var topology = broker.topology();
      return topology.queue(queue.id()).isPresent() && broker.refOf(topology, queue.id()).equals(queue);
    }

    private Behavior<Command> onResubscribe(Resubscribe m) {
      ConsumerEntry consumer = consumers.get(m.consumerTag());
      if (consumer == null || !consumer.queue().equals(m.queue())) {
        return this; // cancelled meanwhile
      }
      if (!stillDeclared(m.queue())) {
        cancelled(m.consumerTag());
        return this;
      }
      // Deliveries tagged up to here came from the queue before it restarted, if the subscription
      // turns out to be new to it; the restarted queue delivers only after this subscribe.
      long forgetUpTo = tags.lastTag();
      ActorRef<Command> me = getContext().getSelf();
      broker.<Done>askQueue(m.queue(), r -> new QueueEntity.Subscribe(m.consumerTag(), self, consumer.prefetch(),
              consumer.autoAck(), consumer.exclusive(), r))
          .whenComplete((done, failure) -> me.tell(new Resubscribed(m, forgetUpTo, failure)));
      return this;
    }

    private Behavior<Command> onResubscribed(Resubscribed m) {
      Resubscribe r = m.request();
      ConsumerEntry consumer = consumers.get(r.consumerTag());
      if (consumer == null || !consumer.queue().equals(r.queue())) {
        return this;
      }
      Throwable failure = m.failure() instanceof java.util.concurrent.CompletionException e && e.getCause() != null
          ? e.getCause() : m.failure();
      if (failure == null) {
        if (r.probe()) {
          // New to the queue: it started afresh on another node, and what it had delivered to us
          // comes again.
          int forgotten = tags.forget(r.queue(), m.forgetUpTo());
          getContext().getLog().info("Consumer {} on {}: the queue restarted after a node was removed; "
              + "re-subscribed, {} unacked deliveries will come again", r.consumerTag(), r.queue().id(), forgotten);
        } else {
          getContext().getLog().info("Consumer {} on {}: re-subscribed", r.consumerTag(), r.queue().id());
        }
      } else if (failure instanceof BrokerException b && b.kind() == BrokerException.Kind.PRECONDITION_FAILED) {
        // The queue already has this consumer: it did not move.
      } else if (failure instanceof BrokerException b && b.kind() == BrokerException.Kind.RESOURCE_LOCKED) {
        if (!r.probe()) {
          cancelled(r.consumerTag()); // another consumer took the queue exclusively meanwhile
        }
      } else {
        getContext().getLog().debug("Consumer {} on {}: re-subscribe failed ({}), retrying", r.consumerTag(),
            r.queue().id(), failure.toString());
        getContext().scheduleOnce(resubscribeInterval, getContext().getSelf(), r);
      }
      return this;
    }

    private Behavior<Command> onConsume(Consume m) {
      String tag = m.consumerTag() == null || m.consumerTag().isEmpty()
          ? "amq.ctag-" + getContext().getSelf().path().name() + "-" + nextConsumer++ : m.consumerTag();
      if (consumers.containsKey(tag)) {
        m.result().completeExceptionally(BrokerException.precondition("consumer_tag", "consumer tag '" + tag + "' is already in use on this channel"));
        return this;
      }
      consumers.put(tag, new ConsumerEntry(m.queue(), m.autoAck(), m.exclusive(), prefetch, m.deliver(), m.cancel()));
      touched.add(m.queue());
      broker.<Done>askQueue(m.queue(), r -> new QueueEntity.Subscribe(tag, self, prefetch, m.autoAck(), m.exclusive(), r))
          .whenComplete((done, failure) -> {
            if (failure != null) {
              getContext().getSelf().tell(new Cancel(tag, new CompletableFuture<>()));
              m.result().completeExceptionally(failure);
            } else {
              m.result().complete(tag);
            }
          });
      return this;
    }

    private Behavior<Command> onCancel(Cancel m) {
      ConsumerEntry consumer = consumers.remove(m.consumerTag());
      if (consumer == null) {
        m.result().complete(Done.getInstance());
        return this;
      }
      complete(broker.askQueue(consumer.queue(), r -> new QueueEntity.Unsubscribe(m.consumerTag(), self, r)), m.result());
      return this;
    }

    private Behavior<Command> onGet(Get m) {
      touched.add(m.queue());
      broker.<QueueEntity.GetResult>askQueue(m.queue(), r -> new QueueEntity.Get(self, m.autoAck(), r))
          .whenComplete((result, failure) -> {
            if (failure != null) {
              m.result().completeExceptionally(failure);
            } else {
              // Tags are assigned on the actor; hop back before answering.
              getContext().getSelf().tell(new FromGet(m, result));
            }
          });
      return this;
    }

    private Behavior<Command> onSettle(Settle m) {
      // One queue request per queue and outcome, whatever the number of tags.
      Map<QueueEntity.Outcome, Map<QueueRef, List<long[]>>> byOutcome = new java.util.EnumMap<>(QueueEntity.Outcome.class);
      BrokerException refused = null;
      for (Settlement s : m.settlements()) {
        try {
          tags.settle(s.deliveryTag(), s.multiple()).forEach((queue, ids) -> byOutcome
              .computeIfAbsent(s.outcome(), o -> new HashMap<>())
              .computeIfAbsent(queue, q -> new ArrayList<>()).add(ids.values()));
        } catch (BrokerException e) {
          refused = refused == null ? e : refused;
        }
      }
      List<CompletableFuture<Done>> settled = new ArrayList<>();
      byOutcome.forEach((outcome, byQueue) -> byQueue.forEach((queue, idLists) -> {
        MessageIds ids = MessageIds.of(idLists.stream().flatMapToLong(java.util.Arrays::stream).toArray());
        settled.add(settle(queue, ids, outcome, false));
      }));
      if (refused != null) {
        m.result().completeExceptionally(refused); // the valid ones are on their way all the same
      } else {
        complete(CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance()),
            m.result());
      }
      return this;
    }

    /**
     * Settles tags the channel gave: tells the queue, which answers this actor with a
     * {@link ChannelMessage.Settled} naming the request. The channel, not each request, keeps the
     * deadline (weir.ask-timeout): an Akka ask would cost a temporary actor and a scheduler entry per
     * settle, and the scheduler keeps a cancelled entry until it is due, so at thousands of acks a
     * second the entries outlived many young collections and made every one of them longer.
     */
    private CompletableFuture<Done> settle(QueueRef queue, MessageIds ids, QueueEntity.Outcome outcome,
        boolean oneByOne) {
      long requestId = ++lastSettleRequest;
      PendingSettle pending = new PendingSettle(queue, ids, outcome, oneByOne,
          System.nanoTime() + settleTimeout.toNanos(), new CompletableFuture<>());
      pendingSettles.put(requestId, pending);
      if (!settleDeadlineScheduled) {
        settleDeadlineScheduled = true;
        getContext().scheduleOnce(settleDeadlineCheck, getContext().getSelf(), CheckSettleDeadlines.INSTANCE);
      }
      broker.entity(queue).tell(new QueueEntity.Settle(self, ids, outcome, requestId));
      return pending.result();
    }

    /**
     * A queue that refuses some settlements (PRECONDITION_FAILED: not awaiting an ack from this
     * channel) lost its deliveries to us since: it moved to another node or restarted while the acks
     * were on their way, and delivers those messages again. The others of the batch are settled one
     * by one, and the client's valid tags are not held against it.
     */
    private void onSettled(ChannelMessage.Settled answer) {
      PendingSettle pending = pendingSettles.remove(answer.requestId());
      if (pending == null) {
        return; // answered after its deadline: the client was told already
      }
      BrokerException failure = answer.failure();
      if (failure == null) {
        pending.result().complete(Done.getInstance());
      } else if (failure.kind() != BrokerException.Kind.PRECONDITION_FAILED) {
        pending.result().completeExceptionally(failure);
      } else if (pending.oneByOne() || pending.ids().count() == 1) {
        pending.result().complete(Done.getInstance());
      } else {
        getContext().getLog().debug("{}: {} settlements refused by the queue, which restarted ({}); settling them "
            + "one by one", pending.queue().id(), pending.ids().count(), failure.getMessage());
        List<CompletableFuture<Done>> each = new ArrayList<>();
        for (long id : pending.ids().values()) {
          each.add(settle(pending.queue(), MessageIds.of(id), pending.outcome(), true)
              .exceptionally(f -> Done.getInstance()));
        }
        CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
            .whenComplete((v, f) -> pending.result().complete(Done.getInstance()));
      }
    }

    /** Fails the settles whose queue has not answered within the deadline (oldest first). */
    private Behavior<Command> onCheckSettleDeadlines() {
      long now = System.nanoTime();
      var oldest = pendingSettles.entrySet().iterator();
      while (oldest.hasNext()) {
        PendingSettle pending = oldest.next().getValue();
        if (pending.deadlineNanos() - now > 0) {
          break; // requests are kept in the order they were made, so their deadlines are in order too
        }
        oldest.remove();
        pending.result().completeExceptionally(new BrokerException(BrokerException.Kind.UNAVAILABLE, null,
            "queue " + pending.queue().id() + " did not answer a settle within " + settleTimeout.toMillis() + " ms"));
      }
      settleDeadlineScheduled = !pendingSettles.isEmpty();
      if (settleDeadlineScheduled) {
        getContext().scheduleOnce(settleDeadlineCheck, getContext().getSelf(), CheckSettleDeadlines.INSTANCE);
      }
      return this;
    }

    private Behavior<Command> onClose(CloseChannel m) {
      List<CompletableFuture<Done>> released = new ArrayList<>();
      for (QueueRef queue : touched) {
        released.add(broker.<Done>askQueue(queue, r -> new QueueEntity.Release(self, r))
            .exceptionally(failure -> Done.getInstance()).toCompletableFuture());
      }
      // Stop only once every queue has handled the release: each queue watches this actor, and its
      // termination goes straight to the queue, where it could overtake acks still waiting in the
      // queue's front and requeue messages the client had acked.
      ActorRef<Command> self = getContext().getSelf();
      CompletableFuture.allOf(released.toArray(CompletableFuture[]::new))
          .whenComplete((v, failure) -> self.tell(new Stopped(m.result())));
      return Behaviors.receive(Command.class)
          .onMessage(Stopped.class, stop -> {
            stop.result().complete(Done.getInstance());
            return Behaviors.stopped();
          })
          .onMessage(CloseChannel.class, again -> {
            again.result().complete(Done.getInstance());
            return Behaviors.same();
          })
          .onMessage(FromQueue.class, late -> {
            if (late.message() instanceof ChannelMessage.Settled answer) {
              onSettled(answer); // acks sent before the close are answered before the queue's release
            }
            return Behaviors.same(); // closing: deliveries go back to their queues
          })
          .onAnyMessage(other -> Behaviors.same())
          .onSignal(PostStop.class, s -> stopped())
          .build();
    }

    private Envelope envelope(long tag, Delivery d) {
      return new Envelope(tag, d.consumerId(), d.redelivered(), d.exchange(), d.routingKey(), d.properties(), d.body());
    }

    private static <T> void complete(CompletionStage<T> stage, CompletableFuture<T> result) {
      stage.whenComplete((value, failure) -> {
        if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(value);
        }
      });
    }

    private Behavior<Command> onGetAnswered(FromGet m) {
      Optional<GetResponse> response = m.result().delivery().map(d -> {
        long tag = m.request().autoAck() ? 0 : tags.assign(m.request().queue(), d.messageId());
        return new GetResponse(envelope(tag, d), m.result().messageCount());
      });
      m.request().result().complete(response);
      return this;
    }
  }

  record FromGet(Get request, QueueEntity.GetResult result) implements Command {}
}
