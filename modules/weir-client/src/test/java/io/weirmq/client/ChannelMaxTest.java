package io.weirmq.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's channel_max is refused by the client, channel by channel, not by losing the connection. */
class ChannelMaxTest {

  @TempDir static Path dataDir;
  private static WeirTestServer server;

  @BeforeAll
  static void start() {
    server = WeirTestServer.start(dataDir, "weir.http.websocket.channel-max = 2");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aChannelBeyondChannelMaxIsRefusedAndTheConnectionStaysOpen() throws Exception {
    try (Connection c = new ConnectionFactory().setUri(server.uri()).newConnection()) {
      Channel first = c.createChannel();
      Channel second = c.createChannel();
      assertThatThrownBy(c::createChannel).isInstanceOf(WeirClientException.class).hasMessageContaining("channel_max");
      assertThat(c.isOpen()).isTrue();
      first.close();
      Channel third = c.createChannel();
      String queue = third.queueDeclare(WeirTestServer.name("max"), false, false, true, null).queue();
      assertThat(second.queueDeclare(queue, false, false, true, null).queue()).isEqualTo(queue);
    }
  }
}
