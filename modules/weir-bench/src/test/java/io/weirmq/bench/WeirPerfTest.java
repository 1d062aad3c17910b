package io.weirmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WeirPerfTest {

  @Test
  void parsesOptionsAndFlags() {
    WeirPerf.Options o = WeirPerf.parse(new String[] {"--uri", "ws://h:1/ws", "--producers", "2", "--consumers", "3",
        "--queue", "q1", "--exchange", "", "--size", "1024", "--confirm", "100", "--prefetch", "50", "--auto-ack",
        "--rate", "5000", "--duration", "30", "--persistent", "--slow-ms", "30"});
    assertThat(o.uri).isEqualTo("ws://h:1/ws");
    assertThat(o.producers).isEqualTo(2);
    assertThat(o.consumers).isEqualTo(3);
    assertThat(o.exchange).isEmpty();
    assertThat(o.routingKey()).isEqualTo("q1");
    assertThat(o.confirm).isEqualTo(100);
    assertThat(o.prefetch).isEqualTo(50);
    assertThat(o.autoAck).isTrue();
    assertThat(o.rate).isEqualTo(5000);
    assertThat(o.persistent).isTrue();
    assertThat(o.pacing).isEqualTo(WeirPerf.Pacing.MILLIS);
    assertThat(o.slowMillis).isEqualTo(30);
    assertThat(WeirPerf.parse(new String[] {"--pacing", "even"}).pacing).isEqualTo(WeirPerf.Pacing.EVEN);
  }

  @Test
  void millisPacingSleepsWholeMillisecondsAsPerfTestDoesOnJava17() {
    // TimeUnit.NANOSECONDS.sleep(200_000) sleeps 1 ms on Java 17: Thread.sleep(0, 200_000) rounds up.
    assertThat(WeirPerf.Pacing.MILLIS.sleepNanos(200_000)).isEqualTo(1_000_000);
    assertThat(WeirPerf.Pacing.MILLIS.sleepNanos(1_000_000)).isEqualTo(1_000_000);
    assertThat(WeirPerf.Pacing.MILLIS.sleepNanos(1_000_001)).isEqualTo(2_000_000);
    assertThat(WeirPerf.Pacing.EVEN.sleepNanos(200_000)).isEqualTo(200_000);
  }

  @Test
  void rejectsUnknownOrBadOptions() {
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--bogus", "1"})).hasMessageContaining("unknown option --bogus");
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--rate", "-1"})).hasMessageContaining("--rate");
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--size"})).hasMessageContaining("missing value");
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--pacing", "fast"})).hasMessageContaining("--pacing");
  }

  @Test
  void slowConfirmsAreCountedPerTenthOfASecondAboveTheThreshold() {
    WeirPerf.SlowConfirms off = new WeirPerf.SlowConfirms(0);
    off.record(5_000_000_000L);
    assertThat(off.lines()).isEmpty();

    WeirPerf.SlowConfirms slow = new WeirPerf.SlowConfirms(30_000_000L);
    slow.record(30_000_000L); // not over the threshold
    slow.record(31_000_000L);
    slow.record(68_400_000L);
    assertThat(slow.lines()).hasSizeBetween(1, 2); // two windows only if the clock crossed a tenth
    assertThat(String.join("\n", slow.lines())).matches("(?s)SLOW \\d\\d:\\d\\d:\\d\\d\\.\\d UTC: \\d confirms over 30 ms.*")
        .contains("68.4 ms");
    if (slow.lines().size() == 1) {
      assertThat(slow.lines().get(0)).contains(": 2 confirms over 30 ms, longest 68.4 ms");
    }
  }

  @Test
  void bodyCarriesItsSendTime() {
    byte[] b = WeirPerf.body(1024, 123456789012345L);
    assertThat(b).hasSize(1024);
    assertThat(WeirPerf.timestamp(b)).isEqualTo(123456789012345L);
    assertThat(WeirPerf.timestamp("abc".getBytes())).isEqualTo(-1);
  }
}
