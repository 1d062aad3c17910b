package io.weirmq.node.queue;

import akka.actor.ActorRef;
import akka.actor.ActorSystem;
import akka.actor.Address;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.Cluster;
import akka.cluster.sharding.ShardCoordinator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Map;
import scala.collection.immutable.Set;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * Where a queue's leader starts: on the node whose mirror of it holds the most of its journal, so a
 * new leader adopts that mirror's state ({@link MirrorSnapshotStore}) instead of replaying the whole
 * journal. Each queue is its own shard (shard id = entity id), so the choice is per queue. When no
 * node has a mirror (a new queue, a single node), and for rebalancing, Akka's least-shard strategy
 * decides.
 */
final class MirrorAwareAllocation implements ShardCoordinator.ActorSystemDependentAllocationStrategy {

  private static final Logger log = LoggerFactory.getLogger(MirrorAwareAllocation.class);

  private final ShardCoordinator.ShardAllocationStrategy fallback;
  private final Duration askTimeout;
  private ActorSystem system;

  MirrorAwareAllocation(ShardCoordinator.ShardAllocationStrategy fallback, Duration askTimeout) {
    this.fallback = fallback;
    this.askTimeout = askTimeout;
  }

  @Override
  public void start(ActorSystem system) {
    this.system = system;
    if (fallback instanceof ShardCoordinator.ActorSystemDependentAllocationStrategy s) {
      s.start(system);
    } else if (fallback instanceof ShardCoordinator.StartableAllocationStrategy s) {
      s.start();
    }
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    if (system == null || current.size() < 2) {
      return fallback.allocateShard(requester, shardId, current);
    }
    Address self = Cluster.get(system).selfAddress();
    List<ActorRef> regions = new ArrayList<>();
    List<CompletableFuture<Long>> held = new ArrayList<>();
    current.keys().foreach(region -> {
      Address address = region.path().address().hasLocalScope() ? self : region.path().address();
      akka.actor.typed.ActorRef<MirrorHost.Command> host = ActorRefResolver.get(Adapter.toTyped(system))
          .resolveActorRef(address + MirrorHost.PATH);
      regions.add(region);
      held.add(AskPattern.<MirrorHost.Command, MirrorHost.Held>ask(host, r -> new MirrorHost.GetHeld(shardId, r),
              askTimeout, Adapter.toTyped(system).scheduler())
          .toCompletableFuture().thenApply(MirrorHost.Held::seqNr).exceptionally(failure -> -1L));
      return null;
    });
    CompletableFuture<ActorRef> chosen = CompletableFuture.allOf(held.toArray(CompletableFuture[]::new))
        .thenCompose(v -> {
          int best = -1;
          for (int i = 0; i < regions.size(); i++) {
            long seq = held.get(i).join();
            if (seq > 0 && (best < 0 || seq > held.get(best).join())) {
              best = i;
            }
          }
          if (best < 0) {
            return FutureConverters.asJava(fallback.allocateShard(requester, shardId, current));
          }
          log.debug("Queue {} starts where its mirror holds {}: {}", shardId, held.get(best).join(), regions.get(best));
          return CompletableFuture.completedFuture(regions.get(best));
        });
    return FutureConverters.asScala(chosen);
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    return fallback.rebalance(current, inProgress);
  }
}
