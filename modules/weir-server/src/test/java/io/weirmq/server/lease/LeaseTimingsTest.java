package io.weirmq.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaseTimingsTest {

  private static final LeaseTimings PROFILE = new LeaseTimings(Duration.ofMillis(500), Duration.ofSeconds(2),
      Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(100));

  @Test
  void aHolderAlwaysGivesItsLeasesUpBeforeAnyContenderMayTakeThemOverByAtLeastTheClockTolerance() {
    for (boolean holderSeesWhole : new boolean[] {true, false}) {
      for (boolean contenderSeesMember : new boolean[] {true, false}) {
        // A holder that sees a split is not a live member for the other side once it is downed;
        // one that sees the cluster whole may be taken over only after member-heartbeat-timeout.
        if (holderSeesWhole && !contenderSeesMember) {
          continue;
        }
        for (long ms = 0; ms <= 12_000; ms += 10) {
          Duration silence = Duration.ofMillis(ms);
          if (PROFILE.mayTakeOver(silence, contenderSeesMember)) {
            assertThat(PROFILE.holderValid(silence.minus(PROFILE.clockTolerance()), holderSeesWhole))
                .as("holder (whole %s) still valid %d ms after its renewal, taken over (member %s)",
                    holderSeesWhole, ms, contenderSeesMember)
                .isFalse();
          }
        }
      }
    }
  }

  @Test
  void aSilentHolderIsTakenOverAfterHeartbeatTimeoutOnceItLeftTheClusterAndAfterTheMemberTimeoutOtherwise() {
    assertThat(PROFILE.mayTakeOver(Duration.ofMillis(2000), false)).isFalse();
    assertThat(PROFILE.mayTakeOver(Duration.ofMillis(2001), false)).isTrue();
    assertThat(PROFILE.mayTakeOver(Duration.ofMillis(9999), true)).isFalse();
    assertThat(PROFILE.mayTakeOver(Duration.ofMillis(10_001), true)).isTrue();
  }

  @Test
  void aHolderKeepsItsLeasesThroughASlowCassandraWhileItsClusterIsWholeAndNotOnceItSeesASplit() {
    assertThat(PROFILE.holderValid(Duration.ofMillis(3000), true)).isTrue();
    assertThat(PROFILE.holderValid(Duration.ofMillis(9499), true)).isTrue();
    assertThat(PROFILE.holderValid(Duration.ofMillis(9500), true)).isFalse();
    assertThat(PROFILE.holderValid(Duration.ofMillis(1499), false)).isTrue();
    assertThat(PROFILE.holderValid(Duration.ofMillis(1500), false)).isFalse();
  }

  @Test
  void settingsThatCouldLoseEveryLeaseOnOneSlowRenewalOrTakeOneEarlyAreRefusedNamingTheSetting() {
    refused(2000, 10_000, 1500, 500, 100, "lease-operation-timeout");
    refused(2000, 10_000, 1000, 2000, 100, "clock-tolerance");
    refused(2000, 1000, 1000, 500, 100, "member-heartbeat-timeout");
    refused(2000, 10_000, 1000, 500, 0, "check-interval");
  }

  /** Timings with a 500 ms heartbeat-interval and these (ms) are refused, naming {@code setting}. */
  private static void refused(long heartbeatTimeout, long memberTimeout, long operationTimeout, long clockTolerance,
                              long checkInterval, String setting) {
    assertThatThrownBy(() -> new LeaseTimings(Duration.ofMillis(500), Duration.ofMillis(heartbeatTimeout),
        Duration.ofMillis(memberTimeout), Duration.ofMillis(operationTimeout), Duration.ofMillis(clockTolerance),
        Duration.ofMillis(checkInterval)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(setting);
  }
}
