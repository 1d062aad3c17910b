package io.weirmq.node.registry;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.ddata.Flag;
import akka.cluster.ddata.FlagKey;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Tells a registry that is starting whether the cluster itself is starting (every node is new, as
 * after a full restart) or whether it takes over from a registry on a node that left or died.
 * Non-durable and exclusive resources outlive a hand-over but not a cluster restart.
 */
public interface ClusterLifetime {

  /** Completes with true if no registry has run before in this cluster's lifetime. */
  CompletionStage<Boolean> isNew();

  /** Records that a registry has started, so that later starts in this lifetime are hand-overs. */
  void registryStarted();

  /** Every start is a cluster start: a node of its own whose registry restarts only with it (tests). */
  ClusterLifetime ALWAYS_NEW = new ClusterLifetime() {
    @Override
    public CompletionStage<Boolean> isNew() {
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public void registryStarted() {}
  };

  /**
   * A flag in Distributed Data, which lives in the memory of the cluster's nodes and nowhere else: it
   * survives as long as one node does, and is gone once the whole cluster has stopped. Written and
   * read at majority, so a registry starting after the flag's writer died still finds it.
   */
  static ClusterLifetime distributedData(ActorSystem<?> system, Duration timeout) {
    Key<Flag> key = FlagKey.create("weir-registry-started");
    ActorRef<Replicator.Command> replicator = DistributedData.get(system).replicator();
    return new ClusterLifetime() {
      @Override
      public CompletionStage<Boolean> isNew() {
        return AskPattern.<Replicator.Command, Replicator.GetResponse<Flag>>ask(replicator,
                replyTo -> new Replicator.Get<>(key, new Replicator.ReadMajority(timeout), replyTo),
                timeout.plusSeconds(1), system.scheduler())
            .thenApply(response -> {
              if (response instanceof Replicator.GetSuccess<Flag> found) {
                return !found.get(key).enabled();
              }
              if (response instanceof Replicator.NotFound<Flag>) {
                return true;
              }
              throw new IllegalStateException("no majority answered for " + key.id() + ": " + response);
            });
      }

      @Override
      public void registryStarted() {
        replicator.tell(new Replicator.Update<>(key, Flag.empty(), new Replicator.WriteMajority(timeout),
            system.ignoreRef(), Flag::switchOn));
      }
    };
  }
}
