package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A broken client never hurts other clients: while some misbehave, another publishes and consumes as usual. */
class WsIsolationTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  @Test
  void floodsOfMalformedOversizeAndChannelFramesLeaveAWellBehavedClientWorking() {
    int messages = 200;
    int channels = 500;
    List<WsTestClient> bad = new ArrayList<>();
    try (WsTestClient good = WsTestClient.connect(api)) {
      good.openChannel(1);
      String q = WsProtocolTest.declareQueue(good, 1);
      good.ok("confirm.select", 1);
      good.ok("basic.qos", 1, "prefetch_count", 20);
      good.ok("basic.consume", 1, "queue", q, "consumer_tag", "good");

      WsTestClient malformed = WsTestClient.connect(api);
      WsTestClient oversize = WsTestClient.connect(api);
      WsTestClient greedy = WsTestClient.connect(api);
      bad.addAll(List.of(malformed, oversize, greedy));
      for (int i = 0; i < 200; i++) {
        malformed.sendTextAsync(i % 2 == 0 ? "{not json" : "[1,2,3]");
      }
      String huge = "{\"method\":\"heartbeat\",\"pad\":\"" + "x".repeat(HttpTestServer.MAX_BODY_BYTES + 1) + "\"}";
      for (int i = 0; i < 5; i++) {
        oversize.sendTextAsync(huge);
      }
      for (int c = 1; c <= channels; c++) {
        greedy.sendTextAsync(WsTestClient.frame("channel.open", c).toString());
      }

      long started = System.nanoTime();
      Set<String> received = new HashSet<>();
      for (int i = 0; i < messages; i++) {
        WsProtocolTest.publish(good, 1, q, "m" + i);
      }
      int acked = 0;
      while (acked < messages || received.size() < messages) {
        JsonNode f = good.next();
        switch (f.get("method").asText()) {
          case "basic.ack" -> acked++;
          case "basic.deliver" -> {
            received.add(f.get("payload").asText());
            good.send("basic.ack", 1, "delivery_tag", f.get("delivery_tag").asLong());
          }
          default -> throw new AssertionError("unexpected frame: " + f);
        }
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(received).hasSize(messages);
      assertThat(tookMs).as("the good client's round trip").isLessThan(WsTestClient.WAIT.toMillis());

      assertThat(malformed.expect("connection.close").get("code").asInt()).isEqualTo(502);
      assertThat(oversize.expect("connection.close").get("reason").asText()).contains("max-message-bytes");
      for (int c = 1; c <= channels; c++) {
        assertThat(greedy.expect("channel.open-ok").get("channel").asInt()).isEqualTo(c);
      }
      greedy.close(); // its channels close with it
      WsProtocolTest.awaitCount(api, q, 0);
      good.ok("basic.cancel", 1, "consumer_tag", "good");
      good.ok("queue.delete", 1, "name", q);
    } finally {
      bad.forEach(WsTestClient::close);
    }
  }
}
