package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frame parser reads with Jackson's streaming parser and keeps a publish's payload as bytes:
 * what it builds must be what {@code readTree} built, and the payload's bytes what
 * {@code String.getBytes(UTF_8)} of the string gives.
 */
class WsFrameTest {

  private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void payloadBytesAreTheStringsUtf8ForEscapesAndEveryPlane() throws Exception {
    String[] payloads = {"plain ascii", "", "tab\\there \\\"quoted\\\" \\\\ back\\/slash \\n",
        "caf\\u00e9 é ü 中文", "emoji 😀 and escaped \\ud83d\\ude00", "lone surrogate \\ud800 end"};
    for (String json : payloads) {
      String frame = "{\"method\":\"basic.publish\",\"channel\":1,\"routing_key\":\"k\",\"payload\":\"" + json + "\"}";
      String expected = mapper.readTree(frame).get("payload").textValue();

      WsFrame.Payload fromBytes = WsFrame.parse(mapper, utf8(frame)).get(0).payload();
      WsFrame.Payload fromText = WsFrame.parse(mapper, frame).get(0).payload();

      assertThat(fromBytes.utf8()).as(json).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
      assertThat(fromText.utf8()).as(json).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void base64PayloadsDecodeAsTheStringDid() {
    byte[] binary = {0, 1, (byte) 0xff, 42};
    String frame = "{\"method\":\"basic.publish\",\"payload\":\"" + Base64.getEncoder().encodeToString(binary) + "\"}";
    assertThat(WsFrame.parse(mapper, utf8(frame)).get(0).payload().base64Decoded()).isEqualTo(binary);

    String notBase64 = "{\"method\":\"basic.publish\",\"payload\":\"é!\"}";
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8(notBase64)).get(0).payload().base64Decoded())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everythingButAFramesStringPayloadIsTheTreeReadTreeBuilds() throws Exception {
    String batch = "[{\"method\":\"basic.publish\",\"id\":7,\"channel\":1,\"mandatory\":true,\"exchange\":\"x\","
        + "\"properties\":{\"headers\":{\"payload\":\"a header, not the payload\",\"n\":12345678901,"
        + "\"big\":123456789012345678901234567890,\"f\":1.5,\"list\":[1,\"two\",null,false,{\"deep\":[]}]},"
        + "\"delivery_mode\":2},\"payload\":\"body\"},"
        + "{\"method\":\"basic.ack\",\"channel\":1,\"delivery_tag\":3,\"multiple\":false,\"payload\":12}]";
    JsonNode expected = mapper.readTree(batch);

    List<WsFrame> frames = WsFrame.parse(mapper, utf8(batch));

    assertThat(frames).hasSize(2);
    JsonNode publish = frames.get(0).node.deepCopy();
    assertThat(((com.fasterxml.jackson.databind.node.ObjectNode) publish).remove("payload")).isNotNull();
    JsonNode expectedPublish = expected.get(0).deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) expectedPublish).remove("payload");
    assertThat(publish).isEqualTo(expectedPublish);
    assertThat(frames.get(0).payload().utf8()).isEqualTo(utf8("body"));
    assertThat(frames.get(1).node).isEqualTo(expected.get(1));
    assertThatThrownBy(() -> frames.get(1).payload()).isInstanceOf(WsFrame.Violation.class)
        .hasMessage("payload: must be a string");
  }

  @Test
  void malformedMessagesAreViolationsThatSayWhy() {
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8("[]"))).isInstanceOf(WsFrame.Violation.class)
        .hasMessageContaining("at least one frame");
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8("{\"method\":\"basic.qos\"} {}")))
        .isInstanceOf(WsFrame.Violation.class).hasMessageContaining("after the JSON value");
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8("[{\"method\":\"basic.qos\"}, 3]")))
        .isInstanceOf(WsFrame.Violation.class).hasMessageContaining("frame 2 of the batch");
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8("{\"method\":\"basic.publish\",\"payload\":\"unterminated")))
        .isInstanceOf(WsFrame.Violation.class).hasMessageStartingWith("frame: ");
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8(""))).isInstanceOf(WsFrame.Violation.class)
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> WsFrame.parse(mapper, utf8("{\"channel\":1}"))).isInstanceOf(WsFrame.Violation.class)
        .hasMessageContaining("method: must be present");
  }
}
