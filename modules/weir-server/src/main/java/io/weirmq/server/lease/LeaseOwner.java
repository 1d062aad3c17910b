package io.weirmq.server.lease;

import akka.actor.ActorSystem;
import akka.actor.Cancellable;
import akka.coordination.lease.LeaseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's side of the Cassandra leases: its incarnation's row in {@code lease_owners}, renewed
 * every heartbeat-interval, and the leases it holds through that row. It holds them while its last
 * renewal was sent less than {@link LeaseTimings#validity} ago: long while its cluster looks whole
 * (a slow Cassandra then costs nothing), short once it sees a member unreachable or is no longer Up.
 * Past that every lease is lost at once and its users told, before any other node may take one: a
 * contender waits for the same silence plus clock-tolerance, by its own clock, and then fences the
 * row so that it is never renewed again. A fenced incarnation starts a new one: its leases are gone,
 * new ones are taken under the new name.
 */
final class LeaseOwner {

  private static final Logger log = LoggerFactory.getLogger(LeaseOwner.class);

  private final String ownerName;
  private final LeaseStore store;
  private final LeaseTimings timings;
  private final LeaseMembership membership;
  private final Cancellable ticks;

  private String ownerId;
  /** Completes with {@link #ownerId} once its row exists; replaced when registration failed or was fenced. */
  private CompletableFuture<String> registered;
  /** System.nanoTime() when the last successful renewal (or the registration) was sent. */
  private long confirmedAt;
  private boolean confirmedOnce;
  private boolean renewing;
  private long lastRenewalSentAt;
  private long lastTickAt;
  private boolean failing;
  private final Map<Object, Consumer<Optional<Throwable>>> held = new HashMap<>();

  LeaseOwner(String ownerName, LeaseStore store, LeaseTimings timings, LeaseMembership membership, ActorSystem system) {
    this.ownerName = ownerName;
    this.store = store;
    this.timings = timings;
    this.membership = membership;
    // System.nanoTime() has an arbitrary origin (it may be negative): start both clocks now rather
    // than compare against 0.
    this.lastRenewalSentAt = System.nanoTime();
    this.lastTickAt = lastRenewalSentAt;
    this.ticks = system.scheduler().scheduleWithFixedDelay(timings.checkInterval(), timings.checkInterval(),
        this::tick, system.dispatcher());
    system.registerOnTermination(ticks::cancel);
  }

  /** This incarnation's name in the lease rows, once its own row exists. */
  synchronized CompletionStage<String> ownerId() {
    if (registered == null || registered.isCompletedExceptionally()) {
      startIncarnation();
    }
    return registered;
  }

  /** The current incarnation's name, or null before its row exists. */
  synchronized String currentOwnerId() {
    return registered != null && registered.isDone() && !registered.isCompletedExceptionally() ? ownerId : null;
  }

  /** Whether this node holds its leases now: its row was renewed recently enough for what it sees of the cluster. */
  synchronized boolean valid() {
    return valid(System.nanoTime(), membership.whole());
  }

  private boolean valid(long now, boolean whole) {
    return confirmedOnce && timings.holderValid(Duration.ofNanos(now - confirmedAt), whole);
  }

  /**
   * Records a lease just won in Cassandra as held by {@code ownerId}, with the callback to run when
   * it is lost; false (not held) if this node's row is no longer valid or no longer that incarnation.
   */
  synchronized boolean hold(Object lease, String ownerId, Consumer<Optional<Throwable>> onLost) {
    if (!ownerId.equals(this.ownerId) || !valid()) {
      return false;
    }
    held.put(lease, onLost);
    return true;
  }

  synchronized boolean holds(Object lease) {
    return held.containsKey(lease) && valid();
  }

  synchronized void drop(Object lease) {
    held.remove(lease);
  }

  private void startIncarnation() {
    ownerId = LeaseMembership.ownerId(ownerName, membership.selfUid(), UUID.randomUUID().toString().substring(0, 8));
    confirmedOnce = false;
    CompletableFuture<String> result = new CompletableFuture<>();
    registered = result;
    String id = ownerId;
    long sentAt = System.nanoTime();
    store.register(id, System.currentTimeMillis()).whenComplete((applied, error) -> {
      synchronized (this) {
        if (error == null && applied && id.equals(ownerId)) {
          confirmed(sentAt);
          log.info("Lease owner {} registered", id);
          result.complete(id);
        } else {
          result.completeExceptionally(error != null ? error
              : new LeaseException("lease owner name " + id + " already taken"));
        }
      }
    });
  }

  private void confirmed(long sentAt) {
    if (!confirmedOnce || sentAt - confirmedAt > 0) {
      confirmedAt = sentAt;
    }
    confirmedOnce = true;
  }

  /** Every check-interval: renew when due, and give every lease up once the row is no longer valid. */
  void tick() {
    List<Consumer<Optional<Throwable>>> lost = List.of();
    String reason = null;
    synchronized (this) {
      long now = System.nanoTime();
      String id = currentOwnerId();
      if (id != null && !renewing && now - lastRenewalSentAt >= timings.heartbeatInterval().toNanos()) {
        renewing = true;
        lastRenewalSentAt = now;
        store.renew(id, System.currentTimeMillis()).whenComplete((applied, error) -> renewed(id, now, applied, error));
      }
      // A tick this late means the node stalled (a long pause, a starved CPU): its view of the
      // cluster is stale then, so it holds its leases only as long as a node that sees a split.
      boolean stalled = now - lastTickAt > timings.validity(false).toNanos();
      lastTickAt = now;
      boolean whole = membership.whole() && !stalled;
      if (!held.isEmpty() && !valid(now, whole)) {
        reason = "lease owner " + ownerId + " not renewed for " + (now - confirmedAt) / 1_000_000
            + " ms (Cassandra unreachable, or this node stalled) while "
            + (whole ? "its cluster looked whole" : stalled ? "it had just stalled"
                : "it saw a member unreachable or was no longer Up");
        lost = takeAll();
      }
    }
    notifyLost(lost, reason);
  }

  private void renewed(String id, long sentAt, Boolean applied, Throwable error) {
    List<Consumer<Optional<Throwable>>> lost = List.of();
    String reason = null;
    synchronized (this) {
      renewing = false;
      if (!id.equals(ownerId)) {
        return;
      }
      if (error != null) {
        if (!failing) {
          log.warn("Lease owner {}: renewal failed ({}); its leases stay held until {} ms without a renewal ({} ms "
              + "once it sees a member unreachable)", id, error.toString(), timings.validity(true).toMillis(),
              timings.validity(false).toMillis());
        }
        failing = true;
      } else if (applied) {
        if (failing) {
          log.info("Lease owner {}: renewed again", id);
        }
        failing = false;
        confirmed(sentAt);
      } else {
        reason = "lease owner " + id + " was fenced by another node, which found it silent for heartbeat-timeout";
        lost = takeAll();
        startIncarnation();
      }
    }
    notifyLost(lost, reason);
  }

  private List<Consumer<Optional<Throwable>>> takeAll() {
    List<Consumer<Optional<Throwable>>> callbacks = new ArrayList<>(held.values());
    held.clear();
    return callbacks;
  }

  private static void notifyLost(List<Consumer<Optional<Throwable>>> callbacks, String reason) {
    if (callbacks.isEmpty()) {
      return;
    }
    log.warn("{}: {} lease(s) lost", reason, callbacks.size());
    LeaseException cause = new LeaseException(reason);
    for (Consumer<Optional<Throwable>> callback : callbacks) {
      try {
        callback.accept(Optional.of(cause));
      } catch (RuntimeException e) {
        log.error("A lease-lost callback failed", e);
      }
    }
  }
}
