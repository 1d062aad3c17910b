package io.weirmq.node.queue;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.PreRestart;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.persistence.typed.javadsl.EffectBuilder;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotCompleted;
import akka.persistence.typed.SnapshotMetadata;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import io.weirmq.core.message.Message;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.DeadLetter;
import io.weirmq.core.queue.Delivery;
import io.weirmq.core.queue.HeapBodyStore;
import io.weirmq.core.queue.MessageIds;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.queue.QueueSnapshot;
import io.weirmq.core.queue.QueueState;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.metrics.QueueMeters;
import io.weirmq.node.serialization.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A queue: a Cluster Sharding entity, event-sourced, whose state is the core {@link QueueState}.
 *
 * <p>Thin wiring: commands become calls on the core, the core's events are persisted and folded
 * back with the same {@code QueueState.apply} that replay and mirrors use, and deliveries go to
 * consumers' channels. Group commit: publishes and settlements that arrive while a journal write is
 * in flight are stashed by Akka, gathered into a buffer when it unstashes them, and written together
 * by the next {@link Flush}, so throughput is not one journal round trip per message.
 */
public final class QueueEntity
    extends EventSourcedBehaviorWithEnforcedReplies<QueueEntity.Command, QueueEvent, QueueState> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "weir-queue");

  /** Everything a queue entity understands. */
  public sealed interface Command extends CborSerializable {}

  /** Declares or reconfigures the queue; answers its counts (for declare-ok). */
  public record Configure(QueueSettings settings, ActorRef<StatusReply<QueueCounts>> replyTo) implements Command {}

  /** Offers messages; answered once they are in the journal, one accepted flag per message. */
  /** Enqueues messages; the queue answers {@code replyTo} with a {@link PublishAnswer} naming {@code requestId}. */
  public record Publish(List<Message> messages, long requestId, ActorRef<PublishAnswer> replyTo) implements Command {}

  /** The answer to {@link Publish} {@code requestId}: its confirmation, or why the queue could not take it. */
  public record PublishAnswer(long requestId, Confirmation confirmation, String failure) implements CborSerializable {

    public static PublishAnswer confirmed(long requestId, Confirmation confirmation) {
      return new PublishAnswer(requestId, confirmation, null);
    }

    public static PublishAnswer failed(long requestId, String reason) {
      return new PublishAnswer(requestId, null, reason);
    }
  }

  /** Per message of a {@link Publish}: true when enqueued, false when refused by an overflow limit. */
  public record Confirmation(List<Boolean> accepted, String node) implements CborSerializable {}

  /** Registers a consumer whose deliveries go to {@code channel}. */
  public record Subscribe(String consumerId, ActorRef<ChannelMessage> channel, int prefetch, boolean autoAck,
      boolean exclusive, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Ends {@code channel}'s consumer {@code consumerId}. Consumer tags are unique per channel only: after a
   * client's recovery another channel may hold the same tag, and its consumer stays.
   */
  public record Unsubscribe(String consumerId, ActorRef<ChannelMessage> channel, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** How a channel settles deliveries. */
  public enum Outcome { ACK, REQUEUE, REJECT }

  /**
   * Settles deliveries the queue made to {@code channel}, which gets the answer as a
   * {@link ChannelMessage.Settled} with {@code requestId}: the channel keeps the deadline, so a settle
   * costs no temporary actor and no scheduled timeout of its own.
   */
  public record Settle(ActorRef<ChannelMessage> channel, MessageIds ids, Outcome outcome, long requestId)
      implements Command {}

  /** The channel is closing: requeue everything it holds and drop its consumers. */
  public record Release(ActorRef<ChannelMessage> channel, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** basic.get; the answer carries the delivery (if any) and the ready count after it. */
  public record Get(ActorRef<ChannelMessage> channel, boolean autoAck, ActorRef<StatusReply<GetResult>> replyTo)
      implements Command {}

  public record GetResult(Optional<Delivery> delivery, long messageCount) implements CborSerializable {}

  public record Purge(ActorRef<StatusReply<Long>> replyTo) implements Command {}

  public record GetCounts(ActorRef<StatusReply<QueueCounts>> replyTo) implements Command {}

  /** The queue was deleted: cancel consumers, answer the final counts and stop. */
  public record Shutdown(String reason, ActorRef<StatusReply<QueueCounts>> replyTo) implements Command {}

  /**
   * Publishes and settlements gathered by the {@link QueueFront} while the previous write was in
   * flight, written as one; {@code written} is told when the write is done (or abandoned).
   */
  record WriteBatch(List<Publish> publishes, List<Settle> settles, ActorRef<Command> written) implements Command {}

  /** Tells the front that the entity can take the next batch. */
  enum BatchWritten implements Command { INSTANCE }

  /** To the front, from its own timer: the backoff after a failed entity is over, start a new one. */
  enum RestartEntity implements Command { INSTANCE }

  /** To the front, from its own timer: settlements waited weir.queue.settle-linger for a publish; write them. */
  enum SettleLingerOver implements Command { INSTANCE }

  /**
   * To the front, from an entity that stops (a journal failure, or its queue deleted), sent before it
   * cancels its consumers: commands that reach the front after that wait for the next entity instead
   * of going to this one, which would drop them (the front hears of the stop itself only later, as a
   * signal, after a client may already have re-subscribed).
   */
  enum EntityStopping implements Command { INSTANCE }

  /** A mirror on {@code node} holds the queue's events up to {@code seqNr}. */
  public record MirrorAck(String node, long seqNr) implements Command {}

  /** Where the queue's leader and mirrors are and how far behind each mirror is. */
  public record GetReplication(ActorRef<StatusReply<Replication>> replyTo) implements Command {}

  /** The leader's node and the sequence number it wrote last, and its mirrors. */
  public record Replication(String leader, long seqNr, List<MirrorInfo> mirrors, long replayedEvents,
      boolean adoptedMirror) implements CborSerializable {}

  /** One mirror as its leader sees it: {@code seqNr} is what it acknowledged (-1: nothing yet), {@code lag} the events it lacks. */
  public record MirrorInfo(String node, long seqNr, long lag, boolean inSync) implements CborSerializable {}

  // Internal messages.

  enum Maintain implements Command { INSTANCE }

  /** Cluster membership changed: the mirrors' placement may have too. */
  record MembersChanged(ClusterEvent.MemberEvent event) implements Command {}

  /** Confirms wait on mirrors: drop those that did not answer in time. */
  enum MirrorSyncCheck implements Command { INSTANCE }

  /** Some mirror is not in sync: tell it again where the leader is. */
  enum MirrorResync implements Command { INSTANCE }

  record ChannelTerminated(ActorRef<ChannelMessage> channel) implements Command {}

  record DeadLettersPublished(MessageIds ids) implements Command {}

  record DeadLettersFailed(MessageIds ids) implements Command {}

  // ------------------------------------------------------------------ wiring

  /**
   * Registers the entity type with Cluster Sharding on this node. Each sharded entity is a
   * {@link QueueFront} that batches writes for its event-sourced {@code QueueEntity} child.
   */
  public static void init(ActorSystem<?> system, NodeSettings settings, QueueEnvironment environment) {
    com.typesafe.config.Config least =
        system.settings().config().getConfig("akka.cluster.sharding.least-shard-allocation-strategy");
    var fallback = akka.cluster.sharding.ShardCoordinator.ShardAllocationStrategy$.MODULE$.leastShardAllocationStrategy(
        least.getInt("rebalance-absolute-limit"), least.getDouble("rebalance-relative-limit"));
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
            ctx -> QueueFront.create(QueueRef.fromEntityId(ctx.getEntityId()), settings, environment))
        .withMessageExtractor(new OneShardPerQueue())
        .withAllocationStrategy(new MirrorAwareAllocation(fallback, settings.askTimeout())));
  }

  /**
   * Each queue is its own shard, so that its leader can be placed on its own (where its best mirror
   * is, {@link MirrorAwareAllocation}) rather than with whatever other queues hash to its shard.
   */
  private static final class OneShardPerQueue
      extends akka.cluster.sharding.typed.ShardingMessageExtractor<akka.cluster.sharding.typed.ShardingEnvelope<Command>, Command> {
    @Override
    public String entityId(akka.cluster.sharding.typed.ShardingEnvelope<Command> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public Command unwrapMessage(akka.cluster.sharding.typed.ShardingEnvelope<Command> envelope) {
      return envelope.message();
    }
  }

  public static Behavior<Command> create(QueueRef queue, NodeSettings settings, QueueEnvironment environment) {
    return create(queue, settings, environment, new SpareCredit());
  }

  /** As {@link #create(QueueRef, NodeSettings, QueueEnvironment)}, telling {@code spareCredit} how its consumers stand. */
  static Behavior<Command> create(QueueRef queue, NodeSettings settings, QueueEnvironment environment,
      SpareCredit spareCredit) {
    return Behaviors.<Command>supervise(
            Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new QueueEntity(ctx, timers, queue, settings, environment, spareCredit))))
        .onFailure(SupervisorStrategy.restartWithBackoff(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final QueueRef queue;
  private final NodeSettings settings;
  private final QueueEnvironment environment;
  private final QueueMeters meters;
  private final SpareCredit spareCredit;

  // Transient: lives as long as this incarnation of the actor; never persisted.
  private final List<Publish> inFlightPublishes = new ArrayList<>();
  private ActorRef<Command> batchWritten;
  private boolean maintainScheduled;
  private final Map<String, ActorRef<ChannelMessage>> consumerChannels = new HashMap<>();
  private final Set<ActorRef<ChannelMessage>> watchedChannels = new HashSet<>();
  private final Set<Long> deadLettersInFlight = new HashSet<>();
  private boolean hadConsumers;
  private int writesSinceSnapshot;
  /** False while recovery replays events: only live events count in the metrics. */
  private boolean live;
  /** Events this incarnation replayed from the journal in its recovery, and whether it adopted a mirror's state. */
  private long replayedEvents;
  private boolean adoptedMirror;
  /**
   * From the adopted mirror: its latest events, to which recovery adds the events it replays after
   * them; handed to the other mirrors at the first placement (see {@link LeaderMirrors#place}).
   */
  private io.weirmq.core.cluster.RecentEvents<QueueEvent> handedOver;
  private long adoptedSeqNr;
  private final LeaderMirrors mirrors;
  /** Written publishes whose confirms wait for in-sync mirrors (x-mirror-sync), in write order. */
  private final java.util.ArrayDeque<PendingConfirms> pendingConfirms = new java.util.ArrayDeque<>();

  private record PendingConfirms(long seqNr, List<Publish> publishes, List<Runnable> confirms) {}

  private QueueEntity(ActorContext<Command> context, TimerScheduler<Command> timers, QueueRef queue,
      NodeSettings settings, QueueEnvironment environment, SpareCredit spareCredit) {
    // No restart strategy of persistence's own: a journal failure (a write or a recovery) stops
    // this actor's run and create()'s supervisor restarts it as a new QueueEntity. Persistence builds
    // emptyState() once per actor and restarts on that same object, and QueueState is mutable, so a
    // restart inside persistence recovered on top of the failed run's state: its consumers and their
    // used-up prefetch survived, their channels' re-subscriptions were refused as duplicates, and
    // the queue delivered nothing more (or to a consumer with no channel left).
    super(PersistenceId.of(ENTITY_KEY.name(), queue.entityId()));
    this.context = context;
    this.timers = timers;
    this.queue = queue;
    this.settings = settings;
    this.environment = environment;
    this.spareCredit = spareCredit;
    this.meters = environment.meters(queue);
    this.mirrors = new LeaderMirrors(context.getSystem(), queue, context.getSelf(), context.getLog(), settings.mirrors());
    if (mirrors.clustered()) {
      ActorRef<ClusterEvent.MemberEvent> membership =
          context.messageAdapter(ClusterEvent.MemberEvent.class, MembersChanged::new);
      Cluster.get(context.getSystem()).subscriptions().tell(akka.cluster.typed.Subscribe.create(membership, ClusterEvent.MemberEvent.class));
    }
  }

  /**
   * Persists events and, when the queue has mirrors, sends them to the mirrors once written. Every
   * write of the entity goes through here; without mirrors it is exactly {@code Effect().persist}.
   */
  private EffectBuilder<QueueEvent, QueueState> persist(List<QueueEvent> events) {
    EffectBuilder<QueueEvent, QueueState> effect = Effect().persist(events);
    if (!mirrors.active() || events.isEmpty()) {
      return effect;
    }
    return effect.thenRun(s -> mirrors.replicate(events, lastSequenceNumber(context)));
  }

  private void placeMirrors(QueueState state) {
    var recent = handedOver;
    handedOver = null;
    if (mirrors.place(state.settings().mirrorCount(), lastSequenceNumber(context), recent)) {
      releaseConfirms(state);
      resyncWhileBehind();
    }
  }

  /** Keeps re-announcing to mirrors that are not in sync, every resync-interval, until they are. */
  private void resyncWhileBehind() {
    if (mirrors.active() && !mirrors.allInSync()) {
      if (!timers.isTimerActive("mirror-resync")) {
        timers.startSingleTimer("mirror-resync", MirrorResync.INSTANCE, settings.mirrors().resyncInterval());
      }
    } else {
      timers.cancel("mirror-resync");
    }
  }

  private Replication replication() {
    long seqNr = lastSequenceNumber(context);
    List<MirrorInfo> infos = new ArrayList<>();
    mirrors.acknowledged().forEach((node, acked) ->
        infos.add(new MirrorInfo(node, acked, seqNr - Math.max(0, acked), mirrors.inSync(node))));
    return new Replication(mirrors.selfNode(), seqNr, infos, replayedEvents, adoptedMirror);
  }

  @Override
  public QueueState emptyState() {
    return new QueueState(queue.id(), new HeapBodyStore());
  }

  @Override
  public EventHandler<QueueState, QueueEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> {
      if (live) {
        meters.persisted(event);
      } else {
        replayedEvents++;
        if (handedOver != null) {
          // Recovery replays the journal after the adopted snapshot without a gap.
          handedOver.add(adoptedSeqNr + replayedEvents, event);
        }
      }
      return state.apply(event);
    });
  }

  /**
   * Snapshots every {@code snapshot-every} writes while the queue is small (see reference.conf);
   * each saved snapshot makes the older ones useless, and {@link #deleteOlderSnapshots} removes them.
   */
  @Override
  public boolean shouldSnapshot(QueueState state, QueueEvent event, long sequenceNr) {
    if (++writesSinceSnapshot < settings.snapshotEvery() || state.snapshotSizeEstimate() > settings.snapshotMaxBytes()) {
      return false;
    }
    writesSinceSnapshot = 0;
    return true;
  }

  private void deleteOlderSnapshots(SnapshotMetadata saved) {
    var persistence = akka.persistence.Persistence.get(Adapter.toClassic(context.getSystem()));
    var store = persistence.snapshotStoreFor("", com.typesafe.config.ConfigFactory.empty());
    var older = akka.persistence.SnapshotSelectionCriteria.create(saved.sequenceNr() - 1, Long.MAX_VALUE);
    store.tell(new akka.persistence.SnapshotProtocol.DeleteSnapshots(saved.persistenceId(), older),
        Adapter.toClassic(context.getSystem().ignoreRef()));
  }

  /** Snapshots are taken as an immutable {@link QueueSnapshot}, on the actor's thread. */
  @Override
  public SnapshotAdapter<QueueState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(QueueState state) {
        return state.snapshot();
      }

      @Override
      public QueueState fromJournal(Object from) {
        if (from instanceof MirrorSnapshotStore.AdoptedState adopted) {
          adoptedMirror = true;
          adoptedSeqNr = adopted.seqNr();
          handedOver = adopted.recent();
          return adopted.state();
        }
        return QueueState.restore(queue.id(), (QueueSnapshot) from, new HeapBodyStore());
      }
    };
  }

  @Override
  public SignalHandler<QueueState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          state.recoveryCompleted(System.currentTimeMillis());
          live = true;
          context.getLog().debug("{} recovered: {}", queue.id(), state.counts());
          placeMirrors(state);
          if (adoptedMirror) {
            // One line per fail-over: with the mirrors' "in sync" lines it times the hand-over.
            context.getLog().info("{} took over from its mirror on this node: at {} after replaying {} events; mirrors on {}",
                queue.id(), lastSequenceNumber(context), replayedEvents, mirrors.acknowledged().keySet());
          }
          scheduleMaintain();
        })
        .onSignal(SnapshotCompleted.class, (state, completed) -> deleteOlderSnapshots(completed.metadata()))
        .onSignal(PreRestart.instance(), state -> abandon("queue restarted after a failure", true))
        // Stopped (its queue deleted, its shard handed over, or its journal failed, when the front
        // starts a new entity): the front takes no batch from this one again.
        .onSignal(PostStop.instance(), state -> abandon("queue stopped", false))
        .build();
  }

  /** Tells everyone waiting on this incarnation that it is going away. */
  private void abandon(String reason, boolean continues) {
    if (batchWritten != null && !continues) {
      batchWritten.tell(EntityStopping.INSTANCE);
    }
    for (Publish p : inFlightPublishes) {
      p.replyTo().tell(PublishAnswer.failed(p.requestId(), reason));
    }
    for (PendingConfirms pending : pendingConfirms) {
      pending.publishes().forEach(p -> p.replyTo().tell(PublishAnswer.failed(p.requestId(), reason)));
    }
    pendingConfirms.clear();
    consumerChannels.forEach((consumerId, channel) ->
        channel.tell(new ChannelMessage.ConsumerCancelled(queue, consumerId, reason)));
    inFlightPublishes.clear();
    consumerChannels.clear();
    if (batchWritten != null && continues) {
      batchWritten.tell(BatchWritten.INSTANCE);
    }
    batchWritten = null;
  }

  @Override
  public CommandHandlerWithReply<Command, QueueEvent, QueueState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Publish.class, (state, cmd) -> write(state, List.of(cmd), List.of(), null))
        .onCommand(Settle.class, (state, cmd) -> write(state, List.of(), List.of(cmd), null))
        .onCommand(WriteBatch.class, (state, cmd) -> write(state, cmd.publishes(), cmd.settles(), cmd.written()))
        .onCommand(Maintain.class, (state, cmd) -> onMaintain(state))
        .onCommand(Configure.class, this::onConfigure)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, this::onUnsubscribe)
        .onCommand(Release.class, (state, cmd) -> release(state, cmd.channel(), cmd.replyTo()))
        .onCommand(ChannelTerminated.class, (state, cmd) -> release(state, cmd.channel(), null))
        .onCommand(Get.class, this::onGet)
        .onCommand(Purge.class, this::onPurge)
        .onCommand(GetCounts.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state.counts())))
        .onCommand(Shutdown.class, this::onShutdown)
        .onCommand(MembersChanged.class, (state, cmd) -> {
          mirrors.memberEvent(cmd.event());
          placeMirrors(state);
          return Effect().noReply();
        })
        .onCommand(MirrorAck.class, (state, cmd) -> {
          if (mirrors.acknowledge(cmd.node(), cmd.seqNr())) {
            releaseConfirms(state);
          }
          return Effect().noReply();
        })
        .onCommand(MirrorSyncCheck.class, (state, cmd) -> {
          mirrors.expire();
          releaseConfirms(state);
          resyncWhileBehind();
          return Effect().noReply();
        })
        .onCommand(MirrorResync.class, (state, cmd) -> {
          mirrors.reannounce(lastSequenceNumber(context));
          resyncWhileBehind();
          return Effect().noReply();
        })
        .onCommand(GetReplication.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(replication())))
        .onCommand(DeadLettersPublished.class, this::onDeadLettersPublished)
        .onCommand(DeadLettersFailed.class, (state, cmd) -> {
          for (long id : cmd.ids().values()) {
            deadLettersInFlight.remove(id);
          }
          timers.startSingleTimer("dead-letter-retry", Maintain.INSTANCE, settings.restartMinBackoff());
          return Effect().noReply();
        })
        .build();
  }

  // ------------------------------------------------------------------ group commit

  /** Decides a batch of settlements and publishes and writes its events as one journal write. */
  private ReplyEffect<QueueEvent, QueueState> write(QueueState state, List<Publish> publishes, List<Settle> settles,
      ActorRef<Command> written) {
    long now = System.currentTimeMillis();
    List<QueueEvent> events = new ArrayList<>();
    List<Runnable> replies = new ArrayList<>();
    List<Runnable> confirms = new ArrayList<>();

    Set<Long> settledNow = new HashSet<>();
    long acked = 0;
    for (Settle s : settles) {
      try {
        for (long id : s.ids().values()) {
          if (!settledNow.add(id)) {
            throw BrokerException.precondition("delivery_tag", "message " + id + " was already settled");
          }
        }
        String owner = ownerOf(s.channel());
        events.addAll(switch (s.outcome()) {
          case ACK -> state.ack(owner, s.ids());
          case REQUEUE -> state.nack(owner, s.ids(), true, now);
          case REJECT -> state.nack(owner, s.ids(), false, now);
        });
        state.releaseCredit(s.ids());
        if (s.outcome() == Outcome.ACK) {
          acked += s.ids().count();
        }
        replies.add(() -> s.channel().tell(ChannelMessage.Settled.done(s.requestId())));
      } catch (BrokerException e) {
        replies.add(() -> s.channel().tell(ChannelMessage.Settled.refused(s.requestId(), e)));
      }
    }

    if (!publishes.isEmpty()) {
      List<Message> messages = new ArrayList<>();
      publishes.forEach(p -> messages.addAll(p.messages()));
      QueueState.PublishDecision decision = state.publish(messages, now);
      events.addAll(decision.events());
      int offset = 0;
      for (Publish p : publishes) {
        List<Boolean> accepted = decision.accepted().subList(offset, offset + p.messages().size());
        offset += p.messages().size();
        Confirmation confirmation = new Confirmation(List.copyOf(accepted), mirrors.selfNode());
        confirms.add(() -> p.replyTo().tell(PublishAnswer.confirmed(p.requestId(), confirmation)));
      }
      meters.deadLettered(decision.rejectedDeadLetters().size());
      for (Message deadLetter : decision.rejectedDeadLetters()) {
        // Best effort, as in RabbitMQ: the publisher is nacked whatever happens to this copy.
        environment.publishDeadLetter(queue.id().vhost(), deadLetter);
      }
    }
    // Consumers get what the settlements above made room for now, while this write is in flight,
    // rather than a journal write later (the entity takes no command while it persists).
    if (!settles.isEmpty()) {
      events.addAll(deliverNow(state, now).events());
    }
    long ackedNow = acked;
    Runnable done = () -> {
      meters.acked(ackedNow);
      boolean holdConfirms = !confirms.isEmpty() && mirrors.active()
          && state.settings().mirrorSyncMode() != QueueSettings.MirrorSync.NONE;
      List<Publish> held = holdConfirms ? List.copyOf(inFlightPublishes) : List.of();
      inFlightPublishes.clear();
      // Settlements first, then confirms: the order replies had before mirrors.
      replies.forEach(Runnable::run);
      if (!holdConfirms) {
        confirms.forEach(Runnable::run);
      } else {
        long seqNr = lastSequenceNumber(context);
        mirrors.written(seqNr);
        pendingConfirms.add(new PendingConfirms(seqNr, held, confirms));
        releaseConfirms(state);
      }
      if (batchWritten != null) {
        batchWritten.tell(BatchWritten.INSTANCE);
        batchWritten = null;
      }
    };
    if (events.isEmpty()) {
      batchWritten = written;
      done.run();
      return Effect().noReply();
    }
    inFlightPublishes.addAll(publishes);
    batchWritten = written;
    long writeStarted = System.nanoTime();
    return persist(QueueEvent.coalesceAcks(events)).thenRun(s -> {
      meters.journalWritten(writeStarted);
      done.run();
      scheduleMaintain();
    }).thenNoReply();
  }

  /**
   * Confirms the waiting publishes whose write the in-sync mirrors now hold, as x-mirror-sync asks,
   * and keeps the sync check running while some still wait.
   */
  private void releaseConfirms(QueueState state) {
    if (pendingConfirms.isEmpty()) {
      return;
    }
    long upTo = mirrors.active() ? mirrors.confirmedUpTo(state.settings().mirrorSyncMode()) : Long.MAX_VALUE;
    while (!pendingConfirms.isEmpty() && pendingConfirms.peek().seqNr() <= upTo) {
      pendingConfirms.poll().confirms().forEach(Runnable::run);
    }
    if (!pendingConfirms.isEmpty() && !timers.isTimerActive("mirror-sync")) {
      timers.startSingleTimer("mirror-sync", MirrorSyncCheck.INSTANCE, settings.mirrors().syncCheckInterval());
    } else if (pendingConfirms.isEmpty()) {
      timers.cancel("mirror-sync");
    }
  }

  // ------------------------------------------------------------------ delivery, expiry, dead letters

  private void scheduleMaintain() {
    if (!maintainScheduled) {
      maintainScheduled = true;
      context.getSelf().tell(Maintain.INSTANCE);
    }
  }

  private ReplyEffect<QueueEvent, QueueState> onMaintain(QueueState state) {
    maintainScheduled = false;
    long now = System.currentTimeMillis();
    List<QueueEvent> expired = new ArrayList<>(state.expire(now));
    expired.addAll(state.dropOrphanedDeadLetters());
    if (!expired.isEmpty()) {
      return persist(expired).thenRun(s -> scheduleMaintain()).thenNoReply();
    }
    Delivering delivering = deliverNow(state, now);
    publishDeadLetters(state);
    scheduleTimers(state);
    if (delivering.events().isEmpty()) {
      if (delivering.more()) {
        scheduleMaintain();
      }
      return Effect().noReply();
    }
    return persist(delivering.events()).thenRun(s -> {
      if (delivering.more()) {
        scheduleMaintain();
      }
    }).thenNoReply();
  }

  /** What one turn of delivery needs persisted (auto-acks, a delivery mark), and whether to go on. */
  private record Delivering(List<QueueEvent> events, boolean more) {}

  /** Hands ready messages to consumers with room, each channel's in one message. */
  private Delivering deliverNow(QueueState state, long now) {
    QueueState.Dispatch dispatch = state.deliver(now, settings.maxDeliveriesPerTurn());
    Map<ActorRef<ChannelMessage>, List<Delivery>> byChannel = new java.util.LinkedHashMap<>();
    int redelivered = 0;
    for (Delivery d : dispatch.deliveries()) {
      byChannel.computeIfAbsent(consumerChannels.get(d.consumerId()), c -> new ArrayList<>()).add(d);
      redelivered += d.redelivered() ? 1 : 0;
    }
    meters.delivered(dispatch.deliveries().size(), redelivered);
    // Only deliveries use up credit, and settlements free it only in write(), which delivers next.
    // Set before the deliveries go out: a settlement of one of them must find it already set.
    spareCredit.set(state.creditToSpare());
    byChannel.forEach((channel, deliveries) -> channel.tell(new ChannelMessage.Delivered(queue, deliveries)));
    List<QueueEvent> events = new ArrayList<>(dispatch.events());
    if (dispatch.markWanted()) {
      events.addAll(state.markDeliveries(settings.deliveryMarkAhead()));
    }
    boolean more = dispatch.markWanted() || dispatch.deliveries().size() == settings.maxDeliveriesPerTurn();
    return new Delivering(events, more);
  }

  private void scheduleTimers(QueueState state) {
    long now = System.currentTimeMillis();
    long expiry = state.nextExpiryAt();
    if (expiry != Long.MAX_VALUE) {
      timers.startSingleTimer("message-expiry", Maintain.INSTANCE, Duration.ofMillis(Math.max(1, expiry - now + 1)));
    }
    long queueExpiry = state.queueExpiresAt();
    if (queueExpiry != Long.MAX_VALUE) {
      if (queueExpiry <= now) {
        environment.queueUnused(queue, "x-expires");
      } else {
        timers.startSingleTimer("queue-expiry", Maintain.INSTANCE, Duration.ofMillis(queueExpiry - now + 1));
      }
    }
  }

  /** Publishes the dead letters not already on their way; runs after every write, so it stays cheap. */
  private void publishDeadLetters(QueueState state) {
    for (long id : state.pendingDeadLetterIds()) {
      if (!deadLettersInFlight.add(id)) {
        continue;
      }
      DeadLetter dl = state.deadLetter(id);
      MessageIds ids = MessageIds.of(id);
      environment.publishDeadLetter(queue.id().vhost(), dl.message()).whenComplete((done, failure) ->
          context.getSelf().tell(failure == null ? new DeadLettersPublished(ids) : new DeadLettersFailed(ids)));
    }
  }

  private ReplyEffect<QueueEvent, QueueState> onDeadLettersPublished(QueueState state, DeadLettersPublished cmd) {
    for (long id : cmd.ids().values()) {
      deadLettersInFlight.remove(id);
    }
    return persist(state.settleDeadLetters(cmd.ids())).thenNoReply();
  }

  // ------------------------------------------------------------------ consumers and channels

  private ReplyEffect<QueueEvent, QueueState> onSubscribe(QueueState state, Subscribe cmd) {
    try {
      state.addConsumer(cmd.consumerId(), ownerOf(cmd.channel()), cmd.prefetch(), cmd.autoAck(), cmd.exclusive(),
          System.currentTimeMillis());
    } catch (BrokerException e) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(e));
    }
    consumerChannels.put(cmd.consumerId(), cmd.channel());
    watch(cmd.channel());
    hadConsumers = true;
    scheduleMaintain();
    return Effect().reply(cmd.replyTo(), StatusReply.ack());
  }

  private ReplyEffect<QueueEvent, QueueState> onUnsubscribe(QueueState state, Unsubscribe cmd) {
    if (cmd.channel().equals(consumerChannels.get(cmd.consumerId()))
        && state.removeConsumer(cmd.consumerId(), System.currentTimeMillis())) {
      consumerChannels.remove(cmd.consumerId());
      checkAutoDelete(state);
    }
    return Effect().reply(cmd.replyTo(), StatusReply.ack());
  }

  private ReplyEffect<QueueEvent, QueueState> release(QueueState state, ActorRef<ChannelMessage> channel,
      ActorRef<StatusReply<Done>> replyTo) {
    long now = System.currentTimeMillis();
    consumerChannels.entrySet().removeIf(e -> {
      if (e.getValue().equals(channel)) {
        state.removeConsumer(e.getKey(), now);
        return true;
      }
      return false;
    });
    if (watchedChannels.remove(channel)) {
      context.unwatch(channel);
    }
    checkAutoDelete(state);
    List<QueueEvent> events = state.release(ownerOf(channel), now);
    if (events.isEmpty()) {
      return replyTo == null ? Effect().noReply() : Effect().reply(replyTo, StatusReply.ack());
    }
    return persist(events).thenRun(s -> scheduleMaintain())
        .thenReply(replyTo == null ? context.getSystem().ignoreRef() : replyTo, s -> StatusReply.ack());
  }

  private void checkAutoDelete(QueueState state) {
    if (hadConsumers && state.consumerCount() == 0) {
      environment.queueUnused(queue, "auto-delete");
    }
  }

  private void watch(ActorRef<ChannelMessage> channel) {
    if (watchedChannels.add(channel)) {
      context.watchWith(channel, new ChannelTerminated(channel));
    }
  }

  /** Unacked messages belong to the channel that received them, named by its actor path. */
  private static String ownerOf(ActorRef<?> channel) {
    return channel.path().toSerializationFormat();
  }

  // ------------------------------------------------------------------ the rest

  private ReplyEffect<QueueEvent, QueueState> onConfigure(QueueState state, Configure cmd) {
    List<QueueEvent> events = state.configure(cmd.settings(), System.currentTimeMillis());
    return persist(events).thenRun(s -> {
          scheduleMaintain();
          placeMirrors(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.counts()));
  }

  private ReplyEffect<QueueEvent, QueueState> onGet(QueueState state, Get cmd) {
    long now = System.currentTimeMillis();
    QueueState.Dispatch dispatch = state.get(ownerOf(cmd.channel()), cmd.autoAck(), now);
    if (dispatch.markWanted()) {
      // Persist the delivery mark first, then answer the same request again.
      return persist(state.markDeliveries(settings.deliveryMarkAhead()))
          .thenRun(s -> context.getSelf().tell(cmd)).thenNoReply();
    }
    Optional<Delivery> delivery = dispatch.deliveries().stream().findFirst();
    if (delivery.isPresent() && !cmd.autoAck()) {
      watch(cmd.channel());
    }
    if (delivery.isPresent()) {
      meters.delivered(1, delivery.get().redelivered() ? 1 : 0);
    }
    return persist(dispatch.events()).thenRun(s -> scheduleTimers(s))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new GetResult(delivery, s.counts().ready())));
  }

  private ReplyEffect<QueueEvent, QueueState> onPurge(QueueState state, Purge cmd) {
    List<QueueEvent> events = state.purge();
    long purged = events.isEmpty() ? 0 : ((QueueEvent.MessagesPurged) events.get(0)).ids().count();
    return persist(events).thenReply(cmd.replyTo(), s -> StatusReply.success(purged));
  }

  private ReplyEffect<QueueEvent, QueueState> onShutdown(QueueState state, Shutdown cmd) {
    consumerChannels.forEach((consumerId, channel) ->
        channel.tell(new ChannelMessage.ConsumerCancelled(queue, consumerId, cmd.reason())));
    consumerChannels.clear();
    meters.retire();
    mirrors.stopAll(lastSequenceNumber(context));
    return Effect().stop().thenReply(cmd.replyTo(), s -> StatusReply.success(s.counts()));
  }

  private static <T> void reply(ActorRef<StatusReply<T>> replyTo, StatusReply<T> reply) {
    if (replyTo != null) {
      replyTo.tell(reply);
    }
  }
}
