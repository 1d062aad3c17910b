package io.weirmq.node.queue;

import akka.persistence.SelectedSnapshot;
import akka.persistence.SnapshotMetadata;
import akka.persistence.SnapshotSelectionCriteria;
import akka.persistence.snapshot.japi.SnapshotStore;
import com.typesafe.config.Config;
import java.util.Optional;
import scala.concurrent.Future;

/**
 * A snapshot store that fails its first {@code failures} loads, then answers every load with one
 * snapshot ("stored", sequence number 7) after {@code delay}: the delegate of
 * {@link MirrorSnapshotStore} in {@link MirrorSnapshotStoreTest}, standing for a Cassandra that is
 * overloaded for a while (no user runs a store like this, so it is not a mock of one).
 */
public final class FlakySnapshotStore extends SnapshotStore {

  private final int failures;
  private final java.time.Duration delay;
  private int loads;

  public FlakySnapshotStore(Config config) {
    this.failures = config.getInt("failures");
    this.delay = config.getDuration("delay");
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    if (++loads <= failures) {
      return scala.concurrent.Future$.MODULE$.failed(new IllegalStateException("load " + loads + " fails (the store is overloaded)"));
    }
    Optional<SelectedSnapshot> snapshot =
        Optional.of(SelectedSnapshot.create(new SnapshotMetadata(persistenceId, 7, 0), "stored"));
    return scala.jdk.javaapi.FutureConverters.asScala(akka.pattern.Patterns.after(delay, context().system().scheduler(),
        context().dispatcher(), () -> java.util.concurrent.CompletableFuture.completedFuture(snapshot)));
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return scala.concurrent.Future$.MODULE$.successful(null);
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return scala.concurrent.Future$.MODULE$.successful(null);
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return scala.concurrent.Future$.MODULE$.successful(null);
  }
}
