package io.weirmq.server.lease;

import akka.actor.ExtendedActorSystem;
import akka.coordination.lease.LeaseSettings;
import akka.coordination.lease.javadsl.Lease;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Akka lease kept in Cassandra, beside the journal it protects: cluster sharding takes one per
 * shard (a group of queues) before starting its queue leaders, and the cluster singletons one each,
 * so that two nodes never run, and write the journal of, the same queue or registry at once, even
 * when the cluster's membership is wrong for a while. That is what lets Akka's down-removal-margin
 * be short (docs/operations.md, "Leases"). The protocol is {@link LeaseOwner}'s: a lease row names
 * a node incarnation; it is free when that incarnation is fenced, or silent for heartbeat-timeout
 * and no longer a member of this node's cluster, or silent for member-heartbeat-timeout.
 */
public final class CassandraLease extends Lease {

  private static final Logger log = LoggerFactory.getLogger(CassandraLease.class);

  private final LeaseSettings settings;
  private final LeaseOwner owner;
  private final LeaseStore store;
  private final LeaseTimings timings;
  private final LeaseMembership membership;

  public CassandraLease(LeaseSettings settings, ExtendedActorSystem system) {
    this.settings = settings;
    LeaseOwners owners = LeaseOwners.get(system);
    this.owner = owners.owner(settings);
    this.store = owners.store(settings);
    this.timings = LeaseTimings.of(settings);
    this.membership = owners.membership();
  }

  @Override
  public LeaseSettings getSettings() {
    return settings;
  }

  @Override
  public CompletionStage<Boolean> acquire() {
    return acquire(lost -> { });
  }

  @Override
  public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
    String name = settings.leaseName();
    return owner.ownerId().thenCompose(me -> store.leaseOwner(name)
        .thenCompose(current -> current.isPresent()
            ? CompletableFuture.completedFuture(current)
            : store.insertLease(name, me))
        .thenCompose(current -> current.isEmpty() ? CompletableFuture.completedFuture(true) : takeFrom(me, current.get()))
        .thenApply(won -> {
          boolean held = won && owner.hold(this, me, leaseLostCallback);
          log.debug("Lease {} for {}: {}", name, me, held ? "acquired" : "not acquired");
          return held;
        }));
  }

  /** The lease row names {@code holder}: ours already, or taken over if that incarnation is fenced or silent. */
  private CompletionStage<Boolean> takeFrom(String me, String holder) {
    if (holder.equals(me)) {
      return CompletableFuture.completedFuture(true);
    }
    String name = settings.leaseName();
    return store.owner(holder).thenCompose(row -> {
      if (row.isPresent() && !row.get().fenced()) {
        long silentFor = System.currentTimeMillis() - row.get().renewedAt();
        // A holder still in the cluster keeps its leases through a longer silence (Cassandra slow
        // for it): it gives them up by itself only once it sees the cluster split.
        boolean member = LeaseMembership.nodeOf(holder)
            .map(n -> membership.isLiveMember(n.hostPort(), n.uid())).orElse(false);
        if (!timings.mayTakeOver(Duration.ofMillis(silentFor), member)) {
          return CompletableFuture.completedFuture(false);
        }
        return store.fence(holder, row.get().renewedAt()).thenCompose(fenced -> {
          if (!fenced) {
            return CompletableFuture.completedFuture(false);
          }
          log.warn("Lease owner {} silent for {} ms: fenced, its lease {} moves to {}", holder, silentFor, name, me);
          return store.takeLease(name, holder, me);
        });
      }
      return store.takeLease(name, holder, me);
    });
  }

  @Override
  public CompletionStage<Boolean> release() {
    owner.drop(this);
    String me = owner.currentOwnerId();
    if (me == null) {
      return CompletableFuture.completedFuture(false);
    }
    return store.releaseLease(settings.leaseName(), me);
  }

  @Override
  public boolean checkLease() {
    return owner.holds(this);
  }
}
