package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static io.weirmq.http.WsProtocolTest.publish;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What happens when connections die or misbehave: nothing lost, exclusive queues go, others carry on. */
class WsFailuresTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  @Test
  void unackedDeliveriesOfADeadConnectionGoToAnotherConsumerFlaggedRedelivered() {
    String q;
    try (WsTestClient publisher = WsTestClient.connect(api)) {
      publisher.openChannel(1);
      q = WsProtocolTest.declareQueue(publisher, 1);
      publisher.ok("confirm.select", 1);
      for (int i = 0; i < 3; i++) {
        publish(publisher, 1, q, "m" + i);
        publisher.expect("basic.ack");
      }
    }
    WsTestClient doomed = WsTestClient.connect(api);
    doomed.openChannel(1);
    doomed.ok("basic.consume", 1, "queue", q);
    for (int i = 0; i < 3; i++) {
      assertThat(doomed.expect("basic.deliver").get("redelivered").asBoolean()).isFalse();
    }
    doomed.abort();

    try (WsTestClient survivor = WsTestClient.connect(api)) {
      survivor.openChannel(1);
      survivor.ok("basic.consume", 1, "queue", q);
      Set<String> payloads = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        JsonNode d = survivor.expect("basic.deliver");
        assertThat(d.get("redelivered").asBoolean()).as("%s", d).isTrue();
        payloads.add(d.get("payload").asText());
        survivor.send("basic.ack", 1, "delivery_tag", d.get("delivery_tag").asLong());
      }
      assertThat(payloads).containsExactlyInAnyOrder("m0", "m1", "m2");
      WsProtocolTest.awaitCount(api, q, 0);
    }
  }

  @Test
  void anExclusiveQueueIsLockedToItsConnectionAndDeletedWhenItCloses() {
    String q = name("excl");
    try (WsTestClient other = WsTestClient.connect(api)) {
      other.openChannel(1);
      try (WsTestClient owner = WsTestClient.connect(api)) {
        owner.openChannel(1);
        owner.ok("queue.declare", 1, "name", q, "exclusive", true, "durable", false);
        assertThat(api.get("/api/queues/%2F/" + q).json().get("exclusive").asBoolean()).isTrue();

        JsonNode locked = other.call("basic.consume", 1, "queue", q);
        assertThat(locked.get("method").asText()).isEqualTo("error");
        assertThat(locked.get("error").asText()).isEqualTo("resource_locked");
        assertThat(locked.get("code").asInt()).isEqualTo(405);
      }
      long deadline = System.nanoTime() + WsTestClient.WAIT.toNanos();
      while (api.get("/api/queues/%2F/" + q).status() != 404) {
        assertThat(System.nanoTime()).as("exclusive queue deleted").isLessThan(deadline);
        LockSupport.parkNanos(20_000_000);
      }
      // The other connection was not disturbed.
      other.ok("queue.declare", 1, "name", name("after"), "durable", false);
    }
  }

  @Test
  void malformedJsonClosesOnlyThatConnectionWithSyntaxError() {
    assertClosedWhileAnotherConnectionWorks("{not json", 502);
  }

  @Test
  void anUnknownMethodClosesTheConnectionWithCommandInvalid() {
    assertClosedWhileAnotherConnectionWorks("{\"method\":\"basic.teleport\",\"channel\":1}", 503);
  }

  @Test
  void aFrameOnAChannelThatIsNotOpenClosesTheConnectionWithChannelError() {
    assertClosedWhileAnotherConnectionWorks("{\"method\":\"basic.get\",\"channel\":9,\"queue\":\"q\"}", 504);
  }

  @Test
  void anUnknownDeliveryTagClosesTheConnectionWithPreconditionFailed() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ws.send("basic.ack", 1, "delivery_tag", 42);
      JsonNode close = ws.expectClosedBy(406);
      assertThat(close.get("reason").asText()).contains("42");
    }
  }

  @Test
  void anUnknownFieldIsASyntaxErrorNamingTheField() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ws.send("queue.declare", 1, "name", "q", "durabel", true);
      assertThat(ws.expectClosedBy(502).get("reason").asText()).contains("durabel");
    }
  }

  /** A publish's fields are checked one by one (no copy of the frame): each refusal names its field. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"routing_key\":7,\"payload\":\"x\"}                               | routing_key: must be a string",
      "{\"routing_key\":\"k\",\"payload\":{}}                              | payload: must be a string",
      "{\"routing_key\":\"k\",\"payload\":\"x\",\"payload_encoding\":1}    | payload_encoding: must be a string",
      "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":[]}         | properties: must be a JSON object",
      "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":{\"priority\":\"hi\"}} | properties.priority: must be an integer",
      "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":{\"colour\":1}} | properties.colour: unknown field",
      "{\"routing_key\":\"k\",\"payload\":\"x\",\"routingkey\":\"k\"}      | routingkey: unknown field for basic.publish",
  })
  void aMistypedPublishFieldIsASyntaxErrorNamingIt(String fields, String reason) throws Exception {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ObjectNode frame = (ObjectNode) new ObjectMapper().readTree(fields);
      frame.put("method", "basic.publish").put("channel", 1);
      ws.sendText(frame.toString());
      assertThat(ws.expectClosedBy(502).get("reason").asText()).startsWith(reason);
    }
  }

  @Test
  void aBinaryMessageThatIsNotUtf8JsonIsASyntaxError() {
    try (WsTestClient good = WsTestClient.connect(api); WsTestClient bad = WsTestClient.connect(api)) {
      bad.sendBinary(new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'});
      assertThat(bad.expectClosedBy(502).get("reason").asText()).startsWith("frame:");
      good.openChannel(1);
    }
  }

  @Test
  void anEmptyBatchIsASyntaxError() {
    assertClosedWhileAnotherConnectionWorks("[]", 502);
  }

  @Test
  void aBatchWithAnElementThatIsNotAFrameIsRefusedWholeNamingThatElement() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.sendText("[{\"method\":\"channel.open\",\"channel\":1},42]");
      assertThat(ws.expectClosedBy(502).get("reason").asText()).contains("frame 2 of the batch");
    }
  }

  @Test
  void framesAfterAViolationInABatchAreNotHandled() {
    String q = name("after-violation");
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.sendText("[{\"method\":\"channel.open\",\"channel\":1},{\"method\":\"basic.teleport\",\"channel\":1},"
          + "{\"method\":\"queue.declare\",\"channel\":1,\"name\":\"" + q + "\"}]");
      ws.expect("channel.open-ok");
      ws.expectClosedBy(503);
    }
    assertThat(api.get("/api/queues/%2F/" + q).status()).isEqualTo(404);
  }

  private static void assertClosedWhileAnotherConnectionWorks(String frame, int code) {
    try (WsTestClient good = WsTestClient.connect(api); WsTestClient bad = WsTestClient.connect(api)) {
      good.openChannel(1);
      bad.openChannel(1);
      bad.sendText(frame);
      JsonNode close = bad.expectClosedBy(code);
      assertThat(close.get("reason").asText()).isNotBlank();

      String q = WsProtocolTest.declareQueue(good, 1);
      good.ok("confirm.select", 1);
      publish(good, 1, q, "still here");
      good.expect("basic.ack");
      assertThat(good.call("basic.get", 1, "queue", q, "auto_ack", true).get("payload").asText())
          .isEqualTo("still here");
    }
  }
}
