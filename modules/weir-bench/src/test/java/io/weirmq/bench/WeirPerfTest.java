package io.weirmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WeirPerfTest {

  @Test
  void parsesOptionsAndFlags() {
    WeirPerf.Options o = WeirPerf.parse(new String[] {"--uri", "ws://h:1/ws", "--producers", "2", "--consumers", "3",
        "--queue", "q1", "--exchange", "", "--size", "1024", "--confirm", "100", "--prefetch", "50", "--auto-ack",
        "--rate", "5000", "--duration", "30", "--persistent"});
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
  }

  @Test
  void rejectsUnknownOrBadOptions() {
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--bogus", "1"})).hasMessageContaining("unknown option --bogus");
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--rate", "-1"})).hasMessageContaining("--rate");
    assertThatThrownBy(() -> WeirPerf.parse(new String[] {"--size"})).hasMessageContaining("missing value");
  }

  @Test
  void bodyCarriesItsSendTime() {
    byte[] b = WeirPerf.body(1024, 123456789012345L);
    assertThat(b).hasSize(1024);
    assertThat(WeirPerf.timestamp(b)).isEqualTo(123456789012345L);
    assertThat(WeirPerf.timestamp("abc".getBytes())).isEqualTo(-1);
  }
}
