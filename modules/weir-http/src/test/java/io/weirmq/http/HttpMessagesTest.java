package io.weirmq.http;

import static io.weirmq.http.HttpQueuesTest.assertError;
import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.http.HttpTestServer.Reply;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Publish (after the confirm), batch publish and get with every ackmode and encoding, on a real node. */
class HttpMessagesTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  private static String queue() {
    String q = name("q");
    assertThat(api.put("/api/queues/%2F/" + q, "{}").status()).isEqualTo(201);
    return q;
  }

  private static Reply publish(String queue, String payload) {
    return api.post("/api/exchanges/%2F/amq.default/publish",
        "{\"properties\":{},\"routing_key\":\"" + queue + "\",\"payload\":\"" + payload + "\",\"payload_encoding\":\"string\"}");
  }

  private static Reply get(String queue, String ackmode, int count) {
    return api.post("/api/queues/%2F/" + queue + "/get",
        "{\"count\":" + count + ",\"ackmode\":\"" + ackmode + "\",\"encoding\":\"auto\"}");
  }

  private static long messages(String queue) {
    return api.get("/api/queues/%2F/" + queue).json().get("messages").asLong();
  }

  @Test
  void aPublishedMessageComesBackWithItsPropertiesAndRoutingInformation() {
    String q = queue();
    Reply published = api.post("/api/exchanges/%2F/amq.default/publish", "{\"properties\":{"
        + "\"content_type\":\"text/plain\",\"content_encoding\":\"utf-8\",\"headers\":{\"h\":\"v\",\"n\":5},"
        + "\"delivery_mode\":2,\"priority\":3,\"correlation_id\":\"c1\",\"reply_to\":\"r\",\"expiration\":\"60000\","
        + "\"message_id\":\"m1\",\"timestamp\":1700000000,\"type\":\"t\",\"user_id\":\"guest\",\"app_id\":\"app\"},"
        + "\"routing_key\":\"" + q + "\",\"payload\":\"héllo\",\"payload_encoding\":\"string\"}");
    assertThat(published.status()).as("%s", published).isEqualTo(200);
    assertThat(published.json().get("routed").asBoolean()).isTrue();

    Reply got = get(q, "ack_requeue_false", 1);
    assertThat(got.status()).as("%s", got).isEqualTo(200);
    JsonNode m = got.json().get(0);
    assertThat(m.get("payload").asText()).isEqualTo("héllo");
    assertThat(m.get("payload_encoding").asText()).isEqualTo("string");
    assertThat(m.get("payload_bytes").asInt()).isEqualTo(6);
    assertThat(m.get("redelivered").asBoolean()).isFalse();
    assertThat(m.get("exchange").asText()).isEmpty();
    assertThat(m.get("routing_key").asText()).isEqualTo(q);
    assertThat(m.get("message_count").asLong()).isZero();
    JsonNode p = m.get("properties");
    assertThat(p.get("content_type").asText()).isEqualTo("text/plain");
    assertThat(p.get("content_encoding").asText()).isEqualTo("utf-8");
    assertThat(p.get("headers").get("h").asText()).isEqualTo("v");
    assertThat(p.get("headers").get("n").asLong()).isEqualTo(5);
    assertThat(p.get("delivery_mode").asInt()).isEqualTo(2);
    assertThat(p.get("priority").asInt()).isEqualTo(3);
    assertThat(p.get("correlation_id").asText()).isEqualTo("c1");
    assertThat(p.get("reply_to").asText()).isEqualTo("r");
    assertThat(p.get("expiration").asText()).isEqualTo("60000");
    assertThat(p.get("message_id").asText()).isEqualTo("m1");
    assertThat(p.get("timestamp").asLong()).isEqualTo(1700000000L);
    assertThat(p.get("type").asText()).isEqualTo("t");
    assertThat(p.get("user_id").asText()).isEqualTo("guest");
    assertThat(p.get("app_id").asText()).isEqualTo("app");
    assertThat(messages(q)).isZero();
  }

  @Test
  void ackRequeueFalseRemovesTheMessages() {
    String q = queue();
    publish(q, "a");
    publish(q, "b");
    publish(q, "c");
    JsonNode got = get(q, "ack_requeue_false", 2).json();
    assertThat(got).hasSize(2);
    assertThat(got.get(0).get("payload").asText()).isEqualTo("a");
    assertThat(got.get(1).get("payload").asText()).isEqualTo("b");
    assertThat(got.get(1).get("message_count").asLong()).isEqualTo(1);
    assertThat(messages(q)).isEqualTo(1);
  }

  @Test
  void ackRequeueTrueLeavesTheMessagesInOrderFlaggedRedelivered() {
    String q = queue();
    publish(q, "a");
    publish(q, "b");
    JsonNode first = get(q, "ack_requeue_true", 5).json();
    assertThat(first).hasSize(2);
    assertThat(first.get(0).get("redelivered").asBoolean()).isFalse();
    assertThat(messages(q)).isEqualTo(2);
    JsonNode again = get(q, "ack_requeue_true", 1).json();
    assertThat(again.get(0).get("payload").asText()).isEqualTo("a");
    assertThat(again.get(0).get("redelivered").asBoolean()).isTrue();
    assertThat(api.get("/api/queues/%2F/" + q).json().get("messages_unacknowledged").asLong()).isZero();
  }

  @Test
  void rejectRequeueTrueLeavesTheMessageAndRejectRequeueFalseDropsIt() {
    String q = queue();
    publish(q, "a");
    assertThat(get(q, "reject_requeue_true", 1).json()).hasSize(1);
    assertThat(messages(q)).isEqualTo(1);
    JsonNode dropped = get(q, "reject_requeue_false", 1).json();
    assertThat(dropped.get(0).get("redelivered").asBoolean()).isTrue();
    assertThat(messages(q)).isZero();
  }

  @Test
  void anEmptyQueueAnswersAnEmptyArray() {
    assertThat(get(queue(), "ack_requeue_false", 3).json()).isEmpty();
  }

  @Test
  void binaryPayloadsTravelAsBase64AndAutoEncodingPicksStringOnlyForUtf8() {
    String q = queue();
    byte[] binary = {0, (byte) 0xff, (byte) 0xfe, 65};
    String b64 = Base64.getEncoder().encodeToString(binary);
    Reply r = api.post("/api/exchanges/%2F/amq.default/publish",
        "{\"routing_key\":\"" + q + "\",\"payload\":\"" + b64 + "\",\"payload_encoding\":\"base64\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    // Valid UTF-8, but control characters: shown as base64 too.
    api.post("/api/exchanges/%2F/amq.default/publish",
        "{\"routing_key\":\"" + q + "\",\"payload\":\"AAEC\",\"payload_encoding\":\"base64\"}");
    publish(q, "text\\twith\\ttabs");
    publish(q, "more text");

    JsonNode auto = api.post("/api/queues/%2F/" + q + "/get",
        "{\"count\":3,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"auto\"}").json();
    assertThat(auto.get(0).get("payload_encoding").asText()).isEqualTo("base64");
    assertThat(Base64.getDecoder().decode(auto.get(0).get("payload").asText())).isEqualTo(binary);
    assertThat(auto.get(1).get("payload_encoding").asText()).isEqualTo("base64");
    assertThat(auto.get(1).get("payload").asText()).isEqualTo("AAEC");
    assertThat(auto.get(2).get("payload_encoding").asText()).isEqualTo("string");
    assertThat(auto.get(2).get("payload").asText()).isEqualTo("text\twith\ttabs");

    JsonNode forced = api.post("/api/queues/%2F/" + q + "/get",
        "{\"count\":1,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"base64\",\"truncate\":4}").json();
    assertThat(forced.get(0).get("payload_encoding").asText()).isEqualTo("base64");
    assertThat(new String(Base64.getDecoder().decode(forced.get(0).get("payload").asText()))).isEqualTo("more");
    assertThat(forced.get(0).get("payload_bytes").asInt()).isEqualTo(9);
  }

  @Test
  void truncateCutsTheShownPayload() {
    String q = queue();
    publish(q, "abcdefgh");
    JsonNode m = api.post("/api/queues/%2F/" + q + "/get",
        "{\"count\":1,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\",\"truncate\":3}").json().get(0);
    assertThat(m.get("payload").asText()).isEqualTo("abc");
    assertThat(m.get("payload_bytes").asInt()).isEqualTo(8);
  }

  @Test
  void anUnroutableMessageAnswersRoutedFalse() {
    Reply r = api.post("/api/exchanges/%2F/amq.direct/publish", "{\"routing_key\":\"" + name("nobody") + "\",\"payload\":\"x\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("routed").asBoolean()).isFalse();
  }

  @Test
  void aMessageTheQueueRefusesIsAConflictNotRouted() {
    String q = name("q");
    api.put("/api/queues/%2F/" + q, "{\"arguments\":{\"x-max-length\":1,\"x-overflow\":\"reject-publish\"}}");
    assertThat(publish(q, "fits").status()).isEqualTo(200);
    assertError(publish(q, "refused"), 409, "publish_rejected", "reject-publish");
    assertThat(messages(q)).isEqualTo(1);
  }

  @Test
  void aBatchAnswersOneResultPerMessageInOrder() {
    String q = queue();
    String body = "{\"messages\":["
        + "{\"routing_key\":\"" + q + "\",\"payload\":\"one\"},"
        + "{\"routing_key\":\"" + name("nobody") + "\",\"payload\":\"lost\"},"
        + "{\"routing_key\":\"" + q + "\",\"payload\":\"dHdv\",\"payload_encoding\":\"base64\",\"properties\":{\"priority\":1}}]}";
    Reply r = api.post("/api/exchanges/%2F/amq.default/publish-batch", body);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).get("routed").asBoolean()).isTrue();
    assertThat(results.get(0).get("confirmed").asBoolean()).isTrue();
    assertThat(results.get(1).get("routed").asBoolean()).isFalse();
    assertThat(results.get(2).get("routed").asBoolean()).isTrue();
    JsonNode got = get(q, "ack_requeue_false", 5).json();
    assertThat(got.findValuesAsText("payload")).containsExactly("one", "two");

    assertError(api.post("/api/exchanges/%2F/amq.default/publish-batch",
        "{\"messages\":[{\"routing_key\":\"k\",\"payload\":\"x\"},{\"routing_key\":\"k\",\"payload\":\"%%\",\"payload_encoding\":\"base64\"}]}"),
        400, "bad_request", "messages[1].payload");
    assertError(api.post("/api/exchanges/%2F/amq.default/publish-batch",
        "{\"messages\":[{\"routing_key\":\"k\",\"payload\":\"x\",\"mandatory\":true}]}"),
        400, "bad_request", "messages[0].mandatory: unknown field");
    assertError(api.post("/api/exchanges/%2F/amq.default/publish-batch", "{}"), 400, "bad_request", "messages");
  }

  @Test
  void badPublishesAreRefusedNamingTheField() {
    String path = "/api/exchanges/%2F/amq.default/publish";
    assertError(api.post(path, "{\"routing_key\":\"k\",\"payload\":\"not base64!\",\"payload_encoding\":\"base64\"}"),
        400, "bad_request", "payload: is not valid base64");
    assertError(api.post(path, "{\"routing_key\":\"k\",\"payload\":\"x\",\"payload_encoding\":\"hex\"}"),
        400, "bad_request", "payload_encoding");
    assertError(api.post(path, "{\"payload\":\"x\"}"), 400, "bad_request", "routing_key: must be present");
    assertError(api.post(path, "{\"routing_key\":\"k\"}"), 400, "bad_request", "payload: must be present");
    assertError(api.post(path, "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":{\"delivery_mode\":3}}"),
        400, "bad_request", "properties.delivery_mode");
    assertError(api.post(path, "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":{\"priority\":\"high\"}}"),
        400, "bad_request", "properties.priority: must be an integer");
    assertError(api.post(path, "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":{\"colour\":\"red\"}}"),
        400, "bad_request", "properties.colour: unknown field");
    assertError(api.post(path, "{\"routing_key\":\"k\",\"payload\":"), 400, "bad_request", "malformed JSON");
    assertError(api.send("POST", path, "text/plain", "hello"), 415, "unsupported_media_type", "application/json");
    assertError(api.post("/api/exchanges/%2F/" + name("nox") + "/publish", "{\"routing_key\":\"k\",\"payload\":\"x\"}"),
        404, "not_found", "exchange");
    assertError(api.post("/api/exchanges/nope/amq.direct/publish", "{\"routing_key\":\"k\",\"payload\":\"x\"}"),
        404, "not_found", "nope");
  }

  @Test
  void publishingToAnInternalExchangeIsRefused() {
    String x = name("x");
    api.put("/api/exchanges/%2F/" + x, "{\"type\":\"fanout\",\"internal\":true}");
    assertError(api.post("/api/exchanges/%2F/" + x + "/publish", "{\"routing_key\":\"\",\"payload\":\"x\"}"), 403,
        "access_refused", "internal");
  }

  @Test
  void aPublishOverTheBodyLimitIsPayloadTooLarge() {
    String q = queue();
    Reply r = publish(q, "a".repeat(HttpTestServer.MAX_BODY_BYTES + 1));
    assertError(r, 413, "payload_too_large", "weir.http.max-message-bytes");
    assertThat(messages(q)).isZero();
  }

  @Test
  void badGetsAreRefusedNamingTheField() {
    String q = queue();
    String path = "/api/queues/%2F/" + q + "/get";
    assertError(api.post(path, "{\"count\":1}"), 400, "bad_request", "ackmode: must be present");
    assertError(api.post(path, "{\"count\":1,\"ackmode\":\"ack\"}"), 400, "bad_request", "ackmode: must be");
    assertError(api.post(path, "{\"count\":0,\"ackmode\":\"ack_requeue_false\"}"), 400, "bad_request", "count");
    assertError(api.post(path, "{\"count\":1.5,\"ackmode\":\"ack_requeue_false\"}"), 400, "bad_request", "count");
    assertError(api.post(path, "{\"ackmode\":\"ack_requeue_false\",\"encoding\":\"hex\"}"), 400, "bad_request",
        "encoding");
    assertError(api.post(path, "{\"ackmode\":\"ack_requeue_false\",\"requeue\":true}"), 400, "bad_request",
        "requeue: unknown field");
    assertError(api.get(path), 405, "method_not_allowed", "POST");
  }
}
