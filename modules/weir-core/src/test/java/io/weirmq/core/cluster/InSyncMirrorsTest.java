package io.weirmq.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.queue.QueueSettings.MirrorSync;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-sync set and what a confirm waits for. */
class InSyncMirrorsTest {

  private static final long TIMEOUT = 1000;

  /** Two mirrors, both caught up to 10 at time 0. */
  private static InSyncMirrors twoInSync() {
    InSyncMirrors s = new InSyncMirrors(TIMEOUT);
    s.written(10, 0);
    s.place(List.of("b", "c"));
    s.acked("b", 10);
    s.acked("c", 10);
    return s;
  }

  @Test
  void aNewMirrorIsInSyncOnlyOnceItHoldsWhatWasWrittenWhenItWasPlaced() {
    InSyncMirrors s = new InSyncMirrors(TIMEOUT);
    s.written(10, 0);
    s.place(List.of("b"));
    assertThat(s.inSync("b")).isFalse();
    s.acked("b", 9);
    assertThat(s.inSync("b")).isFalse();
    s.acked("b", 10);
    assertThat(s.inSync("b")).isTrue();
    assertThat(s.acked("x", 10)).as("an ack from a node not placed").isFalse();
  }

  @Test
  void majorityOfThreeCopiesWaitsForOneMirrorAndAllForBoth() {
    InSyncMirrors s = twoInSync();
    s.written(11, 100);
    assertThat(s.confirmedUpTo(MirrorSync.MAJORITY)).isEqualTo(10);
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(10);
    assertThat(s.confirmedUpTo(MirrorSync.NONE)).isEqualTo(11);
    s.acked("c", 11);
    assertThat(s.confirmedUpTo(MirrorSync.MAJORITY)).isEqualTo(11);
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(10);
    s.acked("b", 11);
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(11);
  }

  @Test
  void majorityOfFiveCopiesWaitsForTwoMirrors() {
    InSyncMirrors s = new InSyncMirrors(TIMEOUT);
    s.place(List.of("b", "c", "d", "e"));
    for (String n : List.of("b", "c", "d", "e")) {
      s.acked(n, 0);
    }
    s.written(1, 0);
    s.acked("b", 1);
    assertThat(s.confirmedUpTo(MirrorSync.MAJORITY)).isZero();
    s.acked("e", 1);
    assertThat(s.confirmedUpTo(MirrorSync.MAJORITY)).isEqualTo(1);
  }

  @Test
  void aMirrorThatDoesNotAnswerDropsOutAfterTheTimeoutSoConfirmsGoOn() {
    InSyncMirrors s = twoInSync();
    s.written(11, 100);
    assertThat(s.waiting()).isTrue();
    assertThat(s.expire(100 + TIMEOUT - 1)).isEmpty();
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(10);
    assertThat(s.expire(100 + TIMEOUT)).containsExactlyInAnyOrder("b", "c");
    assertThat(s.waiting()).isFalse();
    // Nobody in sync: the journal write alone confirms, under every mode.
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(11);
    assertThat(s.confirmedUpTo(MirrorSync.MAJORITY)).isEqualTo(11);
  }

  @Test
  void onlyTheSilentMirrorDropsOutAndRejoinsWhenCaughtUp() {
    InSyncMirrors s = twoInSync();
    s.written(11, 100);
    s.acked("c", 11);
    assertThat(s.expire(100 + TIMEOUT)).containsExactly("b");
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(11);
    s.written(12, 2000);
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(11);
    s.acked("b", 11); // 11 was the newest write when b dropped out: holding it brings b back
    assertThat(s.inSync("b")).isTrue();
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).as("b is back and has not acked 12").isEqualTo(11);
  }

  @Test
  void aDroppedMirrorMustReachWhatWasWrittenWhenItDropped() {
    InSyncMirrors s = twoInSync();
    s.written(11, 100);
    s.written(15, 150);
    s.acked("c", 15);
    s.expire(100 + TIMEOUT);
    assertThat(s.inSync("b")).isFalse();
    s.acked("b", 14);
    assertThat(s.inSync("b")).isFalse();
    s.acked("b", 15);
    assertThat(s.inSync("b")).isTrue();
  }

  @Test
  void replacingTheMirrorsKeepsTheStateOfThoseThatStay() {
    InSyncMirrors s = twoInSync();
    s.written(12, 100);
    s.place(List.of("c", "d"));
    assertThat(s.inSync("c")).isTrue();
    assertThat(s.inSync("d")).isFalse();
    assertThat(s.ackedBy("b")).isEqualTo(-1);
    // Majority of three copies: c's ack is enough; d does not count until it holds 12.
    s.acked("c", 12);
    assertThat(s.confirmedUpTo(MirrorSync.MAJORITY)).isEqualTo(12);
    assertThat(s.confirmedUpTo(MirrorSync.ALL)).isEqualTo(12);
  }
}
