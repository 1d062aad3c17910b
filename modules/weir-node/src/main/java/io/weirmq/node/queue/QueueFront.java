package io.weirmq.node.queue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.ChildFailed;
import akka.actor.typed.PostStop;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import io.weirmq.core.model.BrokerException;
import io.weirmq.node.NodeSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sharded entity in front of a queue's event-sourced {@link QueueEntity}: group commit.
 *
 * <p>While the entity's journal write is in flight, publishes and settlements wait here; when the
 * write is done they go to the entity together as one {@link QueueEntity.WriteBatch}, which it
 * writes as one journal write. Batching here rather than in the entity's own stash keeps that stash
 * small (Akka unstashes commands that persist nothing recursively, so thousands of them overflow
 * the stack). Every other command passes straight through.
 *
 * <p>Settlements alone may wait up to {@code weir.queue.settle-linger} for a publish to share their
 * write, while a publisher is active and every consumer has credit to spare ({@link SpareCredit}), so
 * that nobody waits on them: a consumer acks outside the rhythm of the publishes, and writing its acks
 * on their own cost about a third of the writes under a steady load. Nothing waits behind them: any
 * other command writes them at once.
 *
 * <p>The front also restarts the entity when its journal fails (a write or a recovery), with backoff,
 * as a new actor: persistence's own restart would recover into the failed run's {@code QueueState}
 * object, transient consumers and all (see {@link QueueEntity}'s constructor). Commands wait here
 * meanwhile.
 */
final class QueueFront extends AbstractBehavior<QueueEntity.Command> {

  static Behavior<QueueEntity.Command> create(QueueRef queue, NodeSettings settings, QueueEnvironment environment) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new QueueFront(ctx, timers, queue, settings, environment)));
  }

  private final TimerScheduler<QueueEntity.Command> timers;
  private final QueueRef queue;
  private final NodeSettings settings;
  private final QueueEnvironment environment;
  private ActorRef<QueueEntity.Command> entity;
  private long entityStarted;
  private int failures;
  /** Between a failed entity and its replacement: everything waits here. */
  private boolean restarting;
  private final int maxBatchMessages;
  private final long settleLingerNanos;
  private final SpareCredit spareCredit = new SpareCredit();
  /** When the last publish arrived; settlements wait for the next one only while publishes keep coming. */
  private long lastPublish;
  /** Settlements are waiting for a publish, or for the SettleLingerOver timer. */
  private boolean lingering;
  private final List<QueueEntity.Publish> publishes = new ArrayList<>();
  private final List<QueueEntity.Settle> settles = new ArrayList<>();
  /**
   * Other commands that arrived behind waiting publishes or settlements: they go to the entity after
   * those, never before (a channel's ack followed by its close must not see the close overtake the
   * ack and requeue the acked message).
   */
  private final java.util.ArrayDeque<Deferred> deferred = new java.util.ArrayDeque<>();

  /** A command held back, and how many of the waiting publishes arrived before it. */
  private static final class Deferred {
    final QueueEntity.Command command;
    int publishesAhead;

    Deferred(QueueEntity.Command command, int publishesAhead) {
      this.command = command;
      this.publishesAhead = publishesAhead;
    }
  }
  private boolean writing;
  /**
   * The batch the entity is writing (or holds while it recovers). If the entity fails or stops before
   * it answers, the front answers them as failed: a command stashed by a recovering entity would
   * otherwise go unanswered. An answer the entity gave first wins; a second one is ignored.
   */
  private List<QueueEntity.Publish> writingPublishes = List.of();
  private List<QueueEntity.Settle> writingSettles = List.of();

  private QueueFront(ActorContext<QueueEntity.Command> context, TimerScheduler<QueueEntity.Command> timers,
      QueueRef queue, NodeSettings settings, QueueEnvironment environment) {
    super(context);
    this.timers = timers;
    this.queue = queue;
    this.settings = settings;
    this.environment = environment;
    this.maxBatchMessages = settings.maxBatchMessages();
    this.settleLingerNanos = settings.settleLinger().toNanos();
    this.lastPublish = System.nanoTime() - settleLingerNanos - 1;
    startEntity();
  }

  private void startEntity() {
    // A new name each time: the failed child's name may not be free yet.
    entity = getContext().spawn(QueueEntity.create(queue, settings, environment, spareCredit), "journal-" + failures);
    entityStarted = System.nanoTime();
    getContext().watch(entity);
  }

  @Override
  public Receive<QueueEntity.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(QueueEntity.Publish.class, p -> {
          lastPublish = System.nanoTime();
          publishes.add(p);
          return writeIfIdle();
        })
        .onMessage(QueueEntity.Settle.class, s -> {
          settles.add(s);
          return writeIfIdle();
        })
        .onMessage(QueueEntity.BatchWritten.class, w -> {
          writing = false;
          writingPublishes = List.of();
          writingSettles = List.of();
          return writeIfIdle();
        })
        .onMessage(QueueEntity.SettleLingerOver.class, m -> {
          if (!lingering) {
            return this; // written meanwhile
          }
          lingering = false;
          return writing || restarting ? this : write();
        })
        .onMessage(QueueEntity.EntityStopping.class, m -> {
          restarting = true; // hold what comes next for the next entity (or drop it with the front)
          return this;
        })
        .onMessage(QueueEntity.RestartEntity.class, r -> {
          restarting = false;
          writing = false;
          startEntity();
          return writeIfIdle();
        })
        .onMessage(QueueEntity.Command.class, c -> {
          if (!restarting && publishes.isEmpty() && settles.isEmpty() && deferred.isEmpty()) {
            entity.tell(c);
          } else {
            deferred.add(new Deferred(c, publishes.size()));
            if (lingering && !writing && !restarting) {
              return write(); // the settlements it waits behind go now
            }
          }
          return this;
        })
        .onSignal(ChildFailed.class, this::onEntityFailed)
        // The entity stops when its queue is deleted; the sharded entity goes with it.
        .onSignal(Terminated.class, t -> Behaviors.stopped())
        .onSignal(PostStop.class, s -> answerWaiting())
        .build();
  }

  /**
   * The front stops (its shard moves to another node, its node shuts down, or its queue was deleted)
   * with publishes and settlements that never reached a journal write, or whose write did not
   * answer: they are answered now, as failed, so publishers are nacked and republish at once (to the
   * queue's new home) instead of waiting out weir.publish-timeout, and channels hear at once too.
   * A nack says "maybe not written", which is the truth: nothing is confirmed that was not written.
   */
  private Behavior<QueueEntity.Command> answerWaiting() {
    if (!publishes.isEmpty() || !settles.isEmpty()) {
      getContext().getLog().info("{} stopped with {} publishes and {} settlements not yet written: answered as failed",
          queue.id(), publishes.size(), settles.size());
    }
    String reason = "stopped before writing it (the queue moved to another node, or was deleted); publish again";
    fail(writingPublishes, writingSettles, reason);
    fail(publishes, settles, reason);
    publishes.clear();
    settles.clear();
    return this;
  }

  private static void fail(List<QueueEntity.Publish> publishes, List<QueueEntity.Settle> settles, String reason) {
    publishes.forEach(p -> p.replyTo().tell(QueueEntity.PublishAnswer.failed(p.requestId(), reason)));
    BrokerException unavailable = new BrokerException(BrokerException.Kind.UNAVAILABLE, "queue", reason);
    settles.forEach(s -> s.channel().tell(ChannelMessage.Settled.refused(s.requestId(), unavailable)));
  }

  private Behavior<QueueEntity.Command> onEntityFailed(ChildFailed failed) {
    // Backoff as the entity's supervisor had it: doubling from restart-min-backoff up to
    // restart-max-backoff, starting over once an entity has lived longer than that.
    if (Duration.ofNanos(System.nanoTime() - entityStarted).compareTo(settings.restartMaxBackoff()) > 0) {
      failures = 0;
    }
    long min = settings.restartMinBackoff().toMillis();
    long delay = Math.min(settings.restartMaxBackoff().toMillis(), min << Math.min(failures, 20));
    delay += (long) (delay * 0.2 * Math.random());
    failures++;
    getContext().getLog().warn("{} failed ({}); starting it again from its journal in {} ms", queue.id(),
        failed.getCause().toString(), delay);
    fail(writingPublishes, writingSettles, "the queue restarted after a journal failure; publish again");
    writingPublishes = List.of();
    writingSettles = List.of();
    restarting = true;
    timers.startSingleTimer(QueueEntity.RestartEntity.INSTANCE, Duration.ofMillis(delay));
    return this;
  }

  private Behavior<QueueEntity.Command> writeIfIdle() {
    if (writing || restarting) {
      return this;
    }
    if (publishes.isEmpty() && settles.isEmpty()) {
      // Only after a restart can commands wait here with no write ahead of them.
      while (!deferred.isEmpty()) {
        entity.tell(deferred.poll().command);
      }
      return this;
    }
    if (settlementsMayWait()) {
      if (!lingering) {
        lingering = true;
        timers.startSingleTimer(QueueEntity.SettleLingerOver.INSTANCE, settings.settleLinger());
      }
      return this;
    }
    return write();
  }

  /**
   * Only settlements wait, nothing is queued behind them, a publisher is active, and every consumer
   * can take half a prefetch window meanwhile: writing them with the next publish delays no delivery.
   */
  private boolean settlementsMayWait() {
    return settleLingerNanos > 0 && publishes.isEmpty() && deferred.isEmpty()
        && System.nanoTime() - lastPublish < settleLingerNanos && spareCredit.get();
  }

  /** Sends the entity the waiting publishes (up to max-batch-messages) and every waiting settlement as one write. */
  private Behavior<QueueEntity.Command> write() {
    if (lingering) {
      lingering = false;
      timers.cancel(QueueEntity.SettleLingerOver.INSTANCE);
    }
    List<QueueEntity.Publish> batch = new ArrayList<>();
    int messages = 0;
    while (!publishes.isEmpty()
        && (batch.isEmpty() || messages + publishes.get(0).messages().size() <= maxBatchMessages)) {
      QueueEntity.Publish p = publishes.remove(0);
      messages += p.messages().size();
      batch.add(p);
    }
    writingPublishes = batch;
    writingSettles = List.copyOf(settles);
    entity.tell(new QueueEntity.WriteBatch(batch, writingSettles, getContext().getSelf()));
    settles.clear();
    writing = true;
    // Commands whose every earlier publish and settlement is in this batch follow it, in order.
    int taken = batch.size();
    deferred.forEach(d -> d.publishesAhead = Math.max(0, d.publishesAhead - taken));
    while (!deferred.isEmpty() && deferred.peek().publishesAhead == 0) {
      entity.tell(deferred.poll().command);
    }
    return this;
  }
}
