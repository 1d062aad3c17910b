package io.weirmq.node.queue;

import akka.actor.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.Cluster;
import akka.pattern.Patterns;
import akka.persistence.Persistence;
import akka.persistence.SelectedSnapshot;
import akka.persistence.SnapshotMetadata;
import akka.persistence.SnapshotProtocol;
import akka.persistence.SnapshotSelectionCriteria;
import akka.persistence.snapshot.japi.SnapshotStore;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weirmq.core.cluster.RecentEvents;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.core.queue.QueueState;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * A snapshot-store plugin for queues that fail over: when a queue's leader starts on a node that
 * holds a mirror of it, the snapshot it loads is that mirror's own in-memory {@link QueueState} (the
 * object, adopted, never serialized) at the sequence number the mirror holds, so the new leader
 * replays only the events after it. Failover then costs the few events the mirror lacked, not the
 * backlog. Everything else (saves, deletes, queues with no local mirror, other persistent actors)
 * goes to the real snapshot store named by {@code delegate}.
 *
 * <p>Loading never fails because of this store: when the local mirror does not hand over within
 * {@code adopt-timeout} (no host yet, a mirror that just stopped) the load goes to the delegate, and
 * the delegate gets {@code load-timeout}, longer than its own circuit breaker's call-timeout, so a
 * slow store answers (or fails by its own rules) instead of being cut off here. A slow load makes a
 * slower recovery, never a failed one; and this store's own circuit breaker is configured not to
 * open on a run of slow loads (reference.conf says why).
 */
public final class MirrorSnapshotStore extends SnapshotStore {

  /**
   * The snapshot a leader recovers from when it adopts its node's mirror: the mirror's state at
   * {@code seqNr} and its latest events, ending at {@code seqNr}, for the other mirrors.
   */
  record AdoptedState(QueueState state, long seqNr, RecentEvents<QueueEvent> recent) {}

  private final String delegateId;
  private final Duration adoptTimeout;
  private final Duration loadTimeout;
  private ActorRef delegate;

  public MirrorSnapshotStore(Config config) {
    this.delegateId = config.getString("delegate");
    this.adoptTimeout = config.getDuration("adopt-timeout");
    this.loadTimeout = config.getDuration("load-timeout");
  }

  private ActorRef delegate() {
    if (delegate == null) {
      delegate = Persistence.get(context().system()).snapshotStoreFor(delegateId, ConfigFactory.empty());
    }
    return delegate;
  }

  private String queuePrefix() {
    return QueueEntity.ENTITY_KEY.name() + "|";
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    if (!persistenceId.startsWith(queuePrefix())) {
      return FutureConverters.asScala(loadFromDelegate(persistenceId, criteria));
    }
    String entityId = persistenceId.substring(queuePrefix().length());
    var typedSystem = Adapter.toTyped(context().system());
    akka.actor.typed.ActorRef<MirrorHost.Command> host = ActorRefResolver.get(typedSystem)
        .resolveActorRef(Cluster.get(context().system()).selfAddress() + MirrorHost.PATH);
    CompletionStage<Optional<SelectedSnapshot>> loaded = AskPattern.<MirrorHost.Command, MirrorHost.Adopted>ask(
            host, r -> new MirrorHost.Adopt(entityId, r), adoptTimeout, typedSystem.scheduler())
        .handle((adopted, failure) -> {
          if (failure != null) {
            // No answer from this node's mirrors: the journal plus the delegate's snapshot are
            // always a correct start, only a slower one.
            log().warning("{}: this node's mirror host did not answer within {} ({}); recovering from {}",
                persistenceId, adoptTimeout, failure.toString(), delegateId);
            return null;
          }
          return adopted;
        })
        .thenCompose(adopted -> {
          if (adopted == null || adopted.state() == null || adopted.seqNr() > criteria.maxSequenceNr()) {
            return loadFromDelegate(persistenceId, criteria);
          }
          log().info("{} recovers from its mirror on this node at sequence number {}", persistenceId, adopted.seqNr());
          SnapshotMetadata metadata = new SnapshotMetadata(persistenceId, adopted.seqNr(), System.currentTimeMillis());
          return java.util.concurrent.CompletableFuture.completedFuture(
              Optional.of(SelectedSnapshot.create(metadata,
                  new AdoptedState(adopted.state(), adopted.seqNr(), adopted.recent()))));
        });
    return FutureConverters.asScala(loaded);
  }

  private CompletionStage<Optional<SelectedSnapshot>> loadFromDelegate(String persistenceId,
      SnapshotSelectionCriteria criteria) {
    return Patterns.ask(delegate(), new SnapshotProtocol.LoadSnapshot(persistenceId, criteria, Long.MAX_VALUE), loadTimeout)
        .thenApply(reply -> {
          if (reply instanceof SnapshotProtocol.LoadSnapshotResult r) {
            return r.snapshot().isDefined() ? Optional.of(r.snapshot().get()) : Optional.<SelectedSnapshot>empty();
          }
          if (reply instanceof SnapshotProtocol.LoadSnapshotFailed f) {
            throw new java.util.concurrent.CompletionException(f.cause());
          }
          throw new IllegalStateException("unexpected reply from " + delegateId + ": " + reply.getClass().getName());
        });
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return forward(new SnapshotProtocol.SaveSnapshot(metadata, snapshot));
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return forward(new SnapshotProtocol.DeleteSnapshot(metadata));
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return forward(new SnapshotProtocol.DeleteSnapshots(persistenceId, criteria));
  }

  private Future<Void> forward(Object request) {
    return FutureConverters.asScala(Patterns.ask(delegate(), request, loadTimeout).thenApply(reply -> {
      if (reply instanceof akka.persistence.SaveSnapshotFailure f) {
        throw new java.util.concurrent.CompletionException(f.cause());
      }
      if (reply instanceof akka.persistence.DeleteSnapshotFailure f) {
        throw new java.util.concurrent.CompletionException(f.cause());
      }
      if (reply instanceof akka.persistence.DeleteSnapshotsFailure f) {
        throw new java.util.concurrent.CompletionException(f.cause());
      }
      return (Void) null;
    }));
  }
}
