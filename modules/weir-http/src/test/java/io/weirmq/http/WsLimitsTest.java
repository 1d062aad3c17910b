package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A connection's limits protect the node from one broken client, and the others carry on. */
class WsLimitsTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("weir.http.websocket.channel-max = 3");

  @Test
  void aConnectionOpeningMoreThanChannelMaxChannelsIsClosedWithNotAllowed() {
    try (WsTestClient good = WsTestClient.connect(api); WsTestClient leaky = WsTestClient.connect(api)) {
      assertThat(leaky.start.get("channel_max").asInt()).isEqualTo(3);
      leaky.openChannel(1);
      leaky.openChannel(2);
      leaky.openChannel(3);
      // A closed channel no longer counts.
      assertThat(leaky.call("channel.close", 2).get("method").asText()).isEqualTo("channel.close-ok");
      leaky.openChannel(7);
      leaky.send("channel.open", 8);
      JsonNode close = leaky.expectClosedBy(530);
      assertThat(close.get("reason").asText()).contains("channel_max (3)");
      good.openChannel(1);
      assertThat(good.ok("queue.declare", 1, "name", HttpTestServer.name("limits"), "durable", false)
          .get("method").asText()).isEqualTo("queue.declare-ok");
    }
  }
}
