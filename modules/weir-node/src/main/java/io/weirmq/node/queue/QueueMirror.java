package io.weirmq.node.queue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.persistence.typed.PersistenceId;
import akka.stream.javadsl.Sink;
import io.weirmq.core.cluster.RecentEvents;
import io.weirmq.core.queue.HeapBodyStore;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.core.queue.QueueState;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One queue's mirror on this node: a {@link QueueState} that folds the leader's events with the
 * same {@code QueueState.apply} as the leader's recovery, and tells the leader the sequence number it
 * holds.
 *
 * <p>Live events come from the leader after each journal write, numbered. A mirror that sees a gap
 * (it is new, its node came back, or a message was lost) reads the missing events from the journal,
 * a page at a time, keeping the live ones that arrive meanwhile, and then goes on from them.
 */
final class QueueMirror extends AbstractBehavior<QueueMirror.Command> {

  sealed interface Command {}

  /** Events {@code firstSeq..} from the leader; with none, an announcement that the leader holds {@code firstSeq - 1}. */
  record Apply(ActorRef<QueueEntity.Command> leader, long firstSeq, List<QueueEvent> events) implements Command {}

  record GetStatus(ActorRef<MirrorHost.MirrorStatus> replyTo) implements Command {}

  enum Stop implements Command { INSTANCE }

  record ReportHeld(ActorRef<MirrorHost.Held> replyTo) implements Command {}

  /** The queue's leader starts on this node: hand the state and the latest events over and stop (no copy is made). */
  record HandOver(ActorRef<MirrorHost.Adopted> replyTo) implements Command {}

  private record Page(List<EventEnvelope> events) implements Command {}

  private record PageFailed(Throwable failure) implements Command {}

  private enum ReadAgain implements Command { INSTANCE }

  static Behavior<Command> create(QueueRef queue, String selfNode, MirrorSettings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new QueueMirror(ctx, timers, queue, selfNode, settings)));
  }

  private final TimerScheduler<Command> timers;
  private final QueueRef queue;
  private final String selfNode;
  private final MirrorSettings settings;
  private final String persistenceId;
  private final QueueState state;
  /** Sequence number of the last event folded into {@link #state}. */
  private long held;
  /** The latest events folded into {@link #state}, ending at {@link #held}: handed over with it. */
  private final RecentEvents<QueueEvent> recent;
  private ActorRef<QueueEntity.Command> leader;
  /** While reading from the journal: the sequence number to reach, and live events that arrived meanwhile. */
  private boolean reading;
  private long target;
  private final ArrayDeque<Apply> waiting = new ArrayDeque<>();

  private QueueMirror(ActorContext<Command> context, TimerScheduler<Command> timers, QueueRef queue, String selfNode,
      MirrorSettings settings) {
    super(context);
    this.timers = timers;
    this.queue = queue;
    this.selfNode = selfNode;
    this.settings = settings;
    this.persistenceId = PersistenceId.of(QueueEntity.ENTITY_KEY.name(), queue.entityId()).id();
    this.state = new QueueState(queue.id(), new HeapBodyStore());
    this.recent = new RecentEvents<>(settings.handOverBytes(), QueueMirror::estimatedBytes);
  }

  /** A rough size of an event as a message: its bodies plus a fixed allowance for everything else. */
  static long estimatedBytes(QueueEvent event) {
    long overhead = 256;
    if (event instanceof QueueEvent.MessagesEnqueued e) {
      long bytes = overhead;
      for (QueueEvent.EnqueuedMessage m : e.messages()) {
        bytes += m.body().length + overhead;
      }
      return bytes;
    }
    return overhead;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Apply.class, a -> {
          onApply(a);
          return this;
        })
        .onMessage(Page.class, this::onPage)
        .onMessage(PageFailed.class, f -> {
          getContext().getLog().warn("Mirror of {} could not read the journal from {}; retrying: {}", queue.id(),
              held + 1, f.failure().toString());
          timers.startSingleTimer(ReadAgain.INSTANCE, settings.catchUpRetry());
          return this;
        })
        .onMessage(ReadAgain.class, r -> {
          readPage();
          return this;
        })
        .onMessage(GetStatus.class, g -> {
          g.replyTo().tell(new MirrorHost.MirrorStatus(queue.entityId(), held, reading, state.counts()));
          return this;
        })
        .onMessage(Stop.class, s -> Behaviors.stopped())
        .onMessage(ReportHeld.class, r -> {
          r.replyTo().tell(new MirrorHost.Held(held));
          return this;
        })
        .onMessage(HandOver.class, h -> {
          getContext().getLog().info("Mirror of {} at {} handed over to its new leader on this node", queue.id(), held);
          h.replyTo().tell(new MirrorHost.Adopted(held > 0 ? state : null, held, recent));
          return Behaviors.stopped();
        })
        .build();
  }

  private void onApply(Apply a) {
    leader = a.leader();
    if (reading) {
      waiting.add(a);
      target = Math.max(target, a.firstSeq() - 1);
      return;
    }
    if (a.firstSeq() > held + 1) {
      getContext().getLog().debug("Mirror of {} holds {}, the leader sent from {}: catching up from the journal",
          queue.id(), held, a.firstSeq());
      waiting.add(a);
      reading = true;
      target = a.firstSeq() - 1;
      readPage();
      return;
    }
    long seq = a.firstSeq();
    for (QueueEvent e : a.events()) {
      if (seq > held) {
        state.apply(e);
        held = seq;
        recent.add(seq, e);
      }
      seq++;
    }
    acknowledge();
  }

  private void readPage() {
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(getContext().getSystem()))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.readJournal());
    long to = Math.min(target, held + settings.catchUpBatch());
    getContext().pipeToSelf(
        journal.currentEventsByPersistenceId(persistenceId, held + 1, to).runWith(Sink.seq(), getContext().getSystem()),
        (events, failure) -> failure == null ? new Page(events) : new PageFailed(failure));
  }

  private Behavior<Command> onPage(Page page) {
    long before = held;
    for (EventEnvelope e : page.events()) {
      if (e.sequenceNr() == held + 1) {
        state.apply((QueueEvent) e.event());
        held = e.sequenceNr();
        recent.add(held, (QueueEvent) e.event());
      }
    }
    if (held < target) {
      if (held == before) {
        // The journal does not show them yet (a lagging replica of the store): ask again shortly.
        timers.startSingleTimer(ReadAgain.INSTANCE, settings.catchUpRetry());
      } else {
        readPage();
      }
      return this;
    }
    reading = false;
    getContext().getLog().debug("Mirror of {} caught up to {}", queue.id(), held);
    while (!waiting.isEmpty() && !reading) {
      onApply(waiting.poll());
    }
    if (!reading) {
      acknowledge();
    }
    return this;
  }

  private void acknowledge() {
    if (leader != null) {
      leader.tell(new QueueEntity.MirrorAck(selfNode, held));
    }
  }

}
