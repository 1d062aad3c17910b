package io.weirmq.node.queue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import io.weirmq.node.NodeSettings;
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
 */
final class QueueFront extends AbstractBehavior<QueueEntity.Command> {

  static Behavior<QueueEntity.Command> create(QueueRef queue, NodeSettings settings, QueueEnvironment environment) {
    return Behaviors.setup(ctx -> new QueueFront(ctx, queue, settings, environment));
  }

  private final ActorRef<QueueEntity.Command> entity;
  private final int maxBatchMessages;
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

  private QueueFront(ActorContext<QueueEntity.Command> context, QueueRef queue, NodeSettings settings,
      QueueEnvironment environment) {
    super(context);
    this.entity = context.spawn(QueueEntity.create(queue, settings, environment), "journal");
    this.maxBatchMessages = settings.maxBatchMessages();
    context.watch(entity);
  }

  @Override
  public Receive<QueueEntity.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(QueueEntity.Publish.class, p -> {
          publishes.add(p);
          return writeIfIdle();
        })
        .onMessage(QueueEntity.Settle.class, s -> {
          settles.add(s);
          return writeIfIdle();
        })
        .onMessage(QueueEntity.BatchWritten.class, w -> {
          writing = false;
          return writeIfIdle();
        })
        .onMessage(QueueEntity.Command.class, c -> {
          if (publishes.isEmpty() && settles.isEmpty() && deferred.isEmpty()) {
            entity.tell(c);
          } else {
            deferred.add(new Deferred(c, publishes.size()));
          }
          return this;
        })
        // The entity stops when its queue is deleted; the sharded entity goes with it.
        .onSignal(Terminated.class, t -> Behaviors.stopped())
        .build();
  }

  private Behavior<QueueEntity.Command> writeIfIdle() {
    if (writing || (publishes.isEmpty() && settles.isEmpty())) {
      return this;
    }
    List<QueueEntity.Publish> batch = new ArrayList<>();
    int messages = 0;
    while (!publishes.isEmpty()
        && (batch.isEmpty() || messages + publishes.get(0).messages().size() <= maxBatchMessages)) {
      QueueEntity.Publish p = publishes.remove(0);
      messages += p.messages().size();
      batch.add(p);
    }
    entity.tell(new QueueEntity.WriteBatch(batch, List.copyOf(settles), getContext().getSelf()));
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
