package io.weirmq.server.lease;

import akka.coordination.lease.LeaseSettings;
import java.time.Duration;

/**
 * The lease's clocks, from its config block (persistence-cassandra.conf, {@code weir.lease}). A
 * holder renews every {@code heartbeatInterval}. Another node takes a lease from a holder that is no
 * longer a member of its cluster (downed, removed, an incarnation that crashed) after
 * {@code heartbeatTimeout} of the holder's silence, and from any holder after
 * {@code memberHeartbeatTimeout}. So a holder counts its leases as held for
 * {@code memberHeartbeatTimeout - clockTolerance} after its last renewal was sent while its cluster
 * looks whole to it, and for only {@code heartbeatTimeout - clockTolerance} once it sees a member
 * unreachable or is no longer Up itself: the two sides of a partition always disagree in that
 * direction. {@code clockTolerance} absorbs the nodes' clock difference and the holder's stop.
 */
record LeaseTimings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration memberHeartbeatTimeout,
                    Duration operationTimeout, Duration clockTolerance, Duration checkInterval) {

  LeaseTimings {
    if (clockTolerance.isNegative() || clockTolerance.compareTo(heartbeatTimeout) >= 0) {
      throw new IllegalArgumentException("lease clock-tolerance (" + clockTolerance.toMillis()
          + " ms) must be at least 0 and below heartbeat-timeout (" + heartbeatTimeout.toMillis() + " ms)");
    }
    if (memberHeartbeatTimeout.compareTo(heartbeatTimeout) < 0) {
      throw new IllegalArgumentException("lease member-heartbeat-timeout (" + memberHeartbeatTimeout.toMillis()
          + " ms) must be at least heartbeat-timeout (" + heartbeatTimeout.toMillis() + " ms)");
    }
    Duration shortest = heartbeatTimeout.minus(clockTolerance);
    if (shortest.compareTo(heartbeatInterval.plus(operationTimeout)) < 0) {
      throw new IllegalArgumentException("lease heartbeat-timeout minus clock-tolerance ("
          + shortest.toMillis() + " ms) must cover one heartbeat-interval plus one lease-operation-timeout ("
          + heartbeatInterval.plus(operationTimeout).toMillis() + " ms), or a single slow renewal loses every lease");
    }
    if (checkInterval.isNegative() || checkInterval.isZero() || checkInterval.compareTo(clockTolerance) > 0) {
      throw new IllegalArgumentException("lease check-interval (" + checkInterval.toMillis()
          + " ms) must be positive and at most clock-tolerance (" + clockTolerance.toMillis() + " ms)");
    }
  }

  static LeaseTimings of(LeaseSettings settings) {
    var timeouts = settings.timeoutSettings();
    return new LeaseTimings(timeouts.getHeartbeatInterval(), timeouts.getHeartbeatTimeout(),
        settings.leaseConfig().getDuration("member-heartbeat-timeout"), timeouts.getOperationTimeout(),
        settings.leaseConfig().getDuration("clock-tolerance"), settings.leaseConfig().getDuration("check-interval"));
  }

  /** How long after its last renewal was sent a holder still counts its leases as held. */
  Duration validity(boolean clusterWhole) {
    return (clusterWhole ? memberHeartbeatTimeout : heartbeatTimeout).minus(clockTolerance);
  }

  /**
   * Whether a contender may take a lease from a holder whose row has been silent this long: a
   * holder still a live member of the contender's cluster keeps it for member-heartbeat-timeout.
   */
  boolean mayTakeOver(Duration silentFor, boolean holderIsLiveMember) {
    return silentFor.compareTo(holderIsLiveMember ? memberHeartbeatTimeout : heartbeatTimeout) > 0;
  }

  /**
   * Whether a holder still holds its leases this long after its last renewal was sent; it sees the
   * cluster whole (every member reachable, itself Up, and it did not just stall).
   */
  boolean holderValid(Duration sinceRenewal, boolean clusterWhole) {
    return sinceRenewal.compareTo(validity(clusterWhole)) < 0;
  }
}
