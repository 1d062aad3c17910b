package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Heartbeats with a short configured interval: silent clients are closed, talking ones stay. */
class WsHeartbeatTest {

  private static final Duration HEARTBEAT = Duration.ofMillis(400);

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("weir.http.websocket.heartbeat = " + HEARTBEAT.toMillis() + "ms");

  @Test
  void theServerSendsHeartbeatsAndClosesASilentConnectionAfterAboutTwoIntervals() throws Exception {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      long opened = System.nanoTime();
      assertThat(ws.start.get("heartbeat_ms").asLong()).isEqualTo(HEARTBEAT.toMillis());
      JsonNode first = ws.pollRaw(HEARTBEAT.multipliedBy(3));
      assertThat(first).isNotNull();
      assertThat(first.get("method").asText()).isEqualTo("heartbeat");
      JsonNode close = ws.expectClosedBy(WsConnection.CONNECTION_FORCED);
      assertThat(close.get("reason").asText()).contains("heartbeat");
      Duration lived = Duration.ofNanos(System.nanoTime() - opened);
      // Two intervals, checked every quarter interval, plus scheduling slack on a busy machine.
      assertThat(lived).isGreaterThanOrEqualTo(HEARTBEAT.multipliedBy(2).minusMillis(50))
          .isLessThan(HEARTBEAT.multipliedBy(6));
    }
  }

  @Test
  void aClientThatSendsHeartbeatsStaysOpen() throws Exception {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      long until = System.nanoTime() + HEARTBEAT.multipliedBy(5).toNanos();
      while (System.nanoTime() < until) {
        ws.send("heartbeat", 0);
        // Paced by the server's own heartbeats, which arrive once an interval.
        ws.pollRaw(HEARTBEAT.dividedBy(2));
      }
      assertThat(ws.closed).isNotDone();
      ws.openChannel(1);
      assertThat(ws.closed.isDone()).isFalse();
    }
  }

  @Test
  void aClientMayAskForAShorterHeartbeatButNotALongerOne() {
    try (WsTestClient shorter = WsTestClient.connect(api, "?heartbeat=0.2");
        WsTestClient longer = WsTestClient.connect(api, "?heartbeat=60")) {
      assertThat(shorter.start.get("heartbeat_ms").asLong()).isEqualTo(200);
      assertThat(longer.start.get("heartbeat_ms").asLong()).isEqualTo(HEARTBEAT.toMillis());
      shorter.closed.orTimeout(WsTestClient.WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }
  }
}
