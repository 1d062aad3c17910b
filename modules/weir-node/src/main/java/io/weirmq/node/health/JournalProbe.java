package io.weirmq.node.health;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.RetentionCriteria;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.serialization.CborSerializable;

/**
 * One per node: an event-sourced actor whose only job is to show that this node's journal takes
 * writes. Each {@link Probe} persists one tiny event, answered once the journal has confirmed it.
 * It snapshots every few writes and deletes the events before, so its journal stays small.
 *
 * <p>When the journal fails, the write fails and the actor restarts with back-off (recovery fails
 * too while the journal is down); probes meanwhile wait or go unanswered, which the readiness check
 * reports after its timeout.
 */
public final class JournalProbe
    extends EventSourcedBehaviorWithEnforcedReplies<JournalProbe.Command, JournalProbe.Probed, JournalProbe.State> {

  public static final String NAME = "weir-journal-probe";

  /** Local only: asked by this node's readiness check. */
  public sealed interface Command {}

  /** Writes one event; answers how many this probe has written, once the journal confirmed it. */
  public record Probe(ActorRef<Long> replyTo) implements Command {}

  /** The event: a probe at this time (epoch millis). */
  public record Probed(long at) implements CborSerializable {}

  public record State(long probes) implements CborSerializable {}

  /**
   * @param node this node's address as host:port, so every node probes with its own persistence id
   */
  public static Behavior<Command> create(String node, NodeSettings settings, int snapshotEvery) {
    return Behaviors.<Command>supervise(new JournalProbe(node, settings, snapshotEvery))
        .onFailure(SupervisorStrategy.restartWithBackoff(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2));
  }

  private final int snapshotEvery;

  private JournalProbe(String node, NodeSettings settings, int snapshotEvery) {
    super(PersistenceId.of(NAME, node),
        SupervisorStrategy.restartWithBackoff(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2));
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public State emptyState() {
    return new State(0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 1).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandlerWithReply<Command, Probed, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Probe.class, (state, cmd) -> Effect().persist(new Probed(System.currentTimeMillis()))
            .thenReply(cmd.replyTo(), State::probes))
        .build();
  }

  @Override
  public EventHandler<State, Probed> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> new State(state.probes() + 1));
  }
}
