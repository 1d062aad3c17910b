package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The WebSocket protocol's happy paths on a real node: confirms, consume, ack, returns, prefetch, get. */
class WsProtocolTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  static String declareQueue(WsTestClient ws, int channel) {
    String q = name("wsq");
    JsonNode ok = ws.ok("queue.declare", channel, "name", q, "durable", true);
    assertThat(ok.get("name").asText()).isEqualTo(q);
    return q;
  }

  static void publish(WsTestClient ws, int channel, String queue, String payload) {
    ws.send("basic.publish", channel, "exchange", "", "routing_key", queue, "payload", payload);
  }

  static long messages(String queue) {
    return api.get("/api/queues/%2F/" + queue).json().get("messages").asLong();
  }

  @Test
  void confirmedPublishesAreConsumedAckedAndLeaveTheQueueEmpty() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      assertThat(ws.start.get("connection_id").asText()).startsWith("ws-");
      ws.openChannel(1);
      String q = declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      for (int i = 1; i <= 3; i++) {
        publish(ws, 1, q, "m" + i);
      }
      for (int i = 1; i <= 3; i++) {
        JsonNode ack = ws.expect("basic.ack");
        assertThat(ack.get("channel").asInt()).isEqualTo(1);
        assertThat(ack.get("delivery_tag").asLong()).isEqualTo(i);
      }
      assertThat(messages(q)).isEqualTo(3);

      JsonNode consumeOk = ws.ok("basic.consume", 1, "queue", q, "consumer_tag", "c1");
      assertThat(consumeOk.get("consumer_tag").asText()).isEqualTo("c1");
      long last = 0;
      for (int i = 1; i <= 3; i++) {
        JsonNode d = ws.expect("basic.deliver");
        assertThat(d.get("consumer_tag").asText()).isEqualTo("c1");
        assertThat(d.get("payload").asText()).isEqualTo("m" + i);
        assertThat(d.get("redelivered").asBoolean()).isFalse();
        assertThat(d.get("routing_key").asText()).isEqualTo(q);
        assertThat(d.get("delivery_tag").asLong()).isGreaterThan(last);
        last = d.get("delivery_tag").asLong();
      }
      ws.send("basic.ack", 1, "delivery_tag", last, "multiple", true);
      // The ack has no reply; a later request on the same connection is answered after it.
      ws.ok("basic.cancel", 1, "consumer_tag", "c1");
      awaitCount(q, 0);
      ws.ok("channel.close", 1);
      ws.ok("connection.close", 0, "code", 200, "reason", "done");
    }
  }

  @Test
  void aMandatoryPublishThatRoutesNowhereIsReturnedBeforeItsAck() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ws.ok("confirm.select", 1);
      ws.send("basic.publish", 1, "exchange", "", "routing_key", name("nowhere"), "mandatory", true,
          "payload", "lost?", "properties", Map.of("message_id", "m-1"));
      JsonNode returned = ws.expect("basic.return");
      assertThat(returned.get("reply_code").asInt()).isEqualTo(312);
      assertThat(returned.get("reply_text").asText()).isEqualTo("NO_ROUTE");
      assertThat(returned.get("payload").asText()).isEqualTo("lost?");
      assertThat(returned.get("properties").get("message_id").asText()).isEqualTo("m-1");
      assertThat(ws.expect("basic.ack").get("delivery_tag").asLong()).isEqualTo(1);
    }
  }

  @Test
  void withPrefetchOneTheSecondMessageComesOnlyAfterTheFirstIsAcked() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      String q = declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      publish(ws, 1, q, "first");
      publish(ws, 1, q, "second");
      ws.expect("basic.ack");
      ws.expect("basic.ack");
      ws.ok("basic.qos", 1, "prefetch_count", 1);
      ws.ok("basic.consume", 1, "queue", q);
      JsonNode first = ws.expect("basic.deliver");
      assertThat(first.get("payload").asText()).isEqualTo("first");
      // Nothing more may come while the first is unacked; a bounded wait is the only way to see absence.
      assertThat(ws.poll(Duration.ofMillis(500))).isNull();
      ws.send("basic.ack", 1, "delivery_tag", first.get("delivery_tag").asLong());
      JsonNode second = ws.expect("basic.deliver");
      assertThat(second.get("payload").asText()).isEqualTo("second");
    }
  }

  @Test
  void getAnswersAMessageOrEmptyAndDeclaresBindAndDeleteWorkAsInRest() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(3);
      String x = name("wsx");
      ws.ok("exchange.declare", 3, "name", x, "type", "direct", "durable", false);
      String q = declareQueue(ws, 3);
      ws.ok("queue.bind", 3, "queue", q, "exchange", x, "routing_key", "k");
      ws.ok("confirm.select", 3);
      ws.send("basic.publish", 3, "exchange", x, "routing_key", "k", "payload", "AAE=", "payload_encoding", "base64");
      ws.expect("basic.ack");
      JsonNode got = ws.call("basic.get", 3, "queue", q);
      assertThat(got.get("method").asText()).isEqualTo("basic.get-ok");
      assertThat(got.get("payload_encoding").asText()).isEqualTo("base64");
      assertThat(got.get("payload").asText()).isEqualTo("AAE=");
      assertThat(got.get("exchange").asText()).isEqualTo(x);
      assertThat(got.get("message_count").asLong()).isZero();
      ws.send("basic.ack", 3, "delivery_tag", got.get("delivery_tag").asLong());
      assertThat(ws.call("basic.get", 3, "queue", q).get("method").asText()).isEqualTo("basic.get-empty");
      ws.ok("queue.unbind", 3, "queue", q, "exchange", x, "routing_key", "k");

      JsonNode missing = ws.call("queue.declare", 3, "name", q, "durable", false);
      assertThat(missing.get("method").asText()).isEqualTo("error");
      assertThat(missing.get("error").asText()).isEqualTo("precondition_failed");
      assertThat(missing.get("code").asInt()).isEqualTo(406);
      JsonNode notFound = ws.call("basic.get", 3, "queue", name("absent"));
      assertThat(notFound.get("error").asText()).isEqualTo("not_found");
      assertThat(notFound.get("channel").asInt()).isEqualTo(3);

      ws.ok("queue.delete", 3, "name", q);
      ws.ok("exchange.delete", 3, "name", x);
      assertThat(api.get("/api/queues/%2F/" + q).status()).isEqualTo(404);
    }
  }

  @Test
  void publishesOfOneBatchAreConfirmedByOneCumulativeAckAfterTheirReturns() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      String q = declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      ws.sendBatch(
          WsTestClient.frame("basic.publish", 1, "routing_key", q, "payload", "a"),
          WsTestClient.frame("basic.publish", 1, "routing_key", name("nowhere"), "mandatory", true, "payload", "lost"),
          WsTestClient.frame("basic.publish", 1, "routing_key", q, "payload", "b"),
          WsTestClient.frame("basic.publish", 1, "routing_key", q, "payload", "c"));

      assertThat(ws.expect("basic.return").get("payload").asText()).isEqualTo("lost");
      JsonNode ack = ws.expect("basic.ack");
      assertThat(ack.get("delivery_tag").asLong()).isEqualTo(4);
      assertThat(ack.get("multiple").asBoolean()).isTrue();
      assertThat(messages(q)).isEqualTo(3);
    }
  }

  @Test
  void aBinaryMessageCarriesTheSameJsonFramesAsText() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      String q = declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      String batch = "[" + WsTestClient.frame("basic.publish", 1, "routing_key", q, "payload", "zürich")
          + "," + WsTestClient.frame("basic.publish", 1, "routing_key", q, "payload", "genève") + "]";
      ws.sendBinary(batch.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(ws.expect("basic.ack").get("delivery_tag").asLong()).isEqualTo(2);
      assertThat(ws.call("basic.get", 1, "queue", q, "auto_ack", true).get("payload").asText()).isEqualTo("zürich");
      assertThat(ws.call("basic.get", 1, "queue", q, "auto_ack", true).get("payload").asText()).isEqualTo("genève");
    }
  }

  /**
   * Deliveries are rendered straight from the message's bytes: text that JSON must escape, text
   * beyond ASCII, text with a control character and bytes that are not UTF-8 all come back as the
   * REST API shows them, in text messages and, when asked for, in binary ones.
   */
  @ParameterizedTest
  @ValueSource(strings = {"text", "binary"})
  void deliveriesCarryEveryKindOfBodyInTextOrBinaryMessages(String messages) {
    byte[] notUtf8 = {(byte) 0xff, 0, 'a', (byte) 0xc3};
    String[][] bodies = {
        {"quote \" backslash \\ slash / tab \t end", "string"},
        {"grüße ✓ 東京", "string"},
        {"bell \u0007", "base64"},
    };
    try (WsTestClient ws = WsTestClient.connect(api, "?messages=" + messages)) {
      ws.openChannel(1);
      String q = declareQueue(ws, 1);
      // No confirms: acks of publishes sent one message each may come in any order (a later
      // publish's write can finish first), and this test is about deliveries. One channel, one
      // queue: they arrive in publish order.
      for (String[] body : bodies) {
        ws.send("basic.publish", 1, "routing_key", q, "payload", body[0]);
      }
      ws.send("basic.publish", 1, "routing_key", q, "payload", Base64.getEncoder().encodeToString(notUtf8),
          "payload_encoding", "base64", "properties", Map.of("content_type", "application/octet-stream",
              "headers", Map.of("trace", "t-1", "hops", 2), "priority", 3, "timestamp", 1700000000));
      ws.call("basic.consume", 1, "queue", q, "consumer_tag", "c1");
      for (String[] body : bodies) {
        JsonNode d = ws.expect("basic.deliver");
        assertThat(d.get("payload_encoding").asText()).isEqualTo(body[1]);
        String payload = body[1].equals("string") ? d.get("payload").asText()
            : new String(Base64.getDecoder().decode(d.get("payload").asText()), StandardCharsets.UTF_8);
        assertThat(payload).isEqualTo(body[0]);
        assertThat(d.get("properties").isObject()).isTrue();
        assertThat(d.get("consumer_tag").asText()).isEqualTo("c1");
      }
      JsonNode last = ws.expect("basic.deliver");
      assertThat(last.get("payload_encoding").asText()).isEqualTo("base64");
      assertThat(Base64.getDecoder().decode(last.get("payload").asText())).isEqualTo(notUtf8);
      JsonNode props = last.get("properties");
      assertThat(props.get("content_type").asText()).isEqualTo("application/octet-stream");
      assertThat(props.get("headers").get("trace").asText()).isEqualTo("t-1");
      assertThat(props.get("headers").get("hops").asInt()).isEqualTo(2);
      assertThat(props.get("priority").asInt()).isEqualTo(3);
      assertThat(props.get("timestamp").asLong()).isEqualTo(1700000000L);
      assertThat(props.has("reply_to")).as("unset properties are left out").isFalse();
      assertThat(last.get("routing_key").asText()).isEqualTo(q);
      assertThat(last.get("exchange").asText()).isEmpty();
      assertThat(ws.binaryMessagesReceived.get() > 0).isEqualTo(messages.equals("binary"));
      if (messages.equals("binary")) {
        assertThat(ws.binaryMessagesReceived.get()).isEqualTo(ws.messagesReceived.get());
      }
    }
  }

  @Test
  void anUnknownKindOfMessagesIsRefusedBeforeTheUpgrade() throws Exception {
    // The query is checked before the upgrade, so a plain GET (the JDK will not send upgrade
    // headers by hand) shows the refusal a WebSocket client would get.
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(api.base + "/ws?messages=cbor")).header("Authorization", HttpTestServer.GUEST)
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("messages").contains("text or binary");
  }

  @Test
  void deliveriesAreSentInBatchesAndAcksOfOneBatchSettleThemAll() {
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      String q = declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      ObjectNode[] publishes = new ObjectNode[20];
      for (int i = 0; i < publishes.length; i++) {
        publishes[i] = WsTestClient.frame("basic.publish", 1, "routing_key", q, "payload", "m" + i);
      }
      ws.sendBatch(publishes);
      assertThat(ws.expect("basic.ack").get("delivery_tag").asLong()).isEqualTo(20);

      int before = ws.messagesReceived.get();
      ws.ok("basic.qos", 1, "prefetch_count", 50);
      ws.ok("basic.consume", 1, "queue", q, "consumer_tag", "c1");
      ObjectNode[] acks = new ObjectNode[20];
      for (int i = 0; i < 20; i++) {
        JsonNode d = ws.expect("basic.deliver");
        assertThat(d.get("payload").asText()).isEqualTo("m" + i);
        acks[i] = WsTestClient.frame("basic.ack", 1, "delivery_tag", d.get("delivery_tag").asLong());
      }
      // 2 replies and 20 deliveries: the deliveries of one turn of the queue travel together.
      assertThat(ws.messagesReceived.get() - before).isLessThan(2 + 20);

      ws.sendBatch(acks);
      awaitCount(q, 0);
    }
  }

  @Test
  void aTagSettledTwiceInOneBatchClosesTheConnectionWithPreconditionFailed() {
    String q;
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      q = declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      publish(ws, 1, q, "once");
      ws.expect("basic.ack");
      ws.ok("basic.consume", 1, "queue", q);
      long tag = ws.expect("basic.deliver").get("delivery_tag").asLong();
      ws.sendBatch(WsTestClient.frame("basic.ack", 1, "delivery_tag", tag),
          WsTestClient.frame("basic.ack", 1, "delivery_tag", tag));
      assertThat(ws.expectClosedBy(406).get("reason").asText()).contains(String.valueOf(tag));
    }
    awaitCount(q, 0); // the first ack counted
  }

  static void awaitCount(String queue, long expected) {
    awaitCount(api, queue, expected);
  }

  static void awaitCount(HttpTestServer server, String queue, long expected) {
    long deadline = System.nanoTime() + WsTestClient.WAIT.toNanos();
    while (server.get("/api/queues/%2F/" + queue).json().get("messages").asLong() != expected) {
      assertThat(System.nanoTime()).as("queue %s reaching %d messages", queue, expected).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // polling the REST API, not waiting blind
    }
  }
}
