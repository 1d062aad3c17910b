package io.weirmq.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What the client's logs say of a frame: enough to find it, nothing of what it carries. */
class FrameLoggingTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aDeliveryIsDescribedByMethodChannelAndIdWithoutItsBodyOrHeaders() throws Exception {
    JsonNode delivery = JSON.readTree("""
        {"method":"basic.deliver","channel":3,"id":17,"consumer_tag":"c1","delivery_tag":9,
         "payload":"card 4111-1111","payload_encoding":"string",
         "properties":{"headers":{"password":"hunter2"}}}""");

    String described = Connection.describe(delivery);

    assertThat(described).isEqualTo("frame basic.deliver on channel 3 (id 17)");
  }

  @Test
  void aFrameWithoutMethodOrChannelIsStillDescribed() throws Exception {
    assertThat(Connection.describe(JSON.readTree("{\"payload\":\"secret\"}"))).isEqualTo("frame (no method)");
  }
}
