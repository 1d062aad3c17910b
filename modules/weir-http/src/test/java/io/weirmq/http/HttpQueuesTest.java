package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.http.HttpTestServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /api/queues} on a real node: declare, list with counts, purge, delete. */
class HttpQueuesTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  static void assertError(Reply r, int status, String error, String reasonContains) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.json().get("error").asText()).as("%s", r).isEqualTo(error);
    assertThat(r.json().get("reason").asText()).as("%s", r).contains(reasonContains);
  }

  private static void publish(String queue, String payload) {
    Reply r = api.post("/api/exchanges/%2F/amq.default/publish",
        "{\"properties\":{},\"routing_key\":\"" + queue + "\",\"payload\":\"" + payload + "\",\"payload_encoding\":\"string\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.json().get("routed").asBoolean()).isTrue();
  }

  private static JsonNode find(JsonNode list, String name) {
    for (JsonNode q : list) {
      if (q.get("name").asText().equals(name)) {
        return q;
      }
    }
    throw new AssertionError(name + " not in " + list);
  }

  @Test
  void declareAnswersCreatedThenNoContentAndShowsRabbitMqFields() {
    String q = name("q");
    var created = api.put("/api/queues/%2F/" + q, "{\"durable\":true,\"auto_delete\":false,\"arguments\":{\"x-max-length\":10}}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body()).as("RabbitMQ answers 201 with an empty body").isEmpty();
    assertThat(api.put("/api/queues/%2F/" + q, "{\"durable\":true,\"arguments\":{\"x-max-length\":10}}").status())
        .isEqualTo(204);
    JsonNode shown = api.get("/api/queues/%2F/" + q).json();
    assertThat(shown.get("name").asText()).isEqualTo(q);
    assertThat(shown.get("vhost").asText()).isEqualTo("/");
    assertThat(shown.get("durable").asBoolean()).isTrue();
    assertThat(shown.get("auto_delete").asBoolean()).isFalse();
    assertThat(shown.get("exclusive").asBoolean()).isFalse();
    assertThat(shown.get("arguments").get("x-max-length").asLong()).isEqualTo(10);
    assertThat(shown.get("messages").asLong()).isZero();
    assertThat(shown.get("messages_ready").asLong()).isZero();
    assertThat(shown.get("messages_unacknowledged").asLong()).isZero();
    assertThat(shown.get("consumers").asInt()).isZero();
  }

  @Test
  void redeclaringWithDifferentPropertiesIsAConflictNamingTheProperty() {
    String q = name("q");
    api.put("/api/queues/%2F/" + q, "{\"durable\":true}");
    assertError(api.put("/api/queues/%2F/" + q, "{\"durable\":false}"), 409, "precondition_failed", "durable");
    assertError(api.put("/api/queues/%2F/" + q, "{\"arguments\":{\"x-message-ttl\":5}}"), 409, "precondition_failed",
        "arguments.x-message-ttl");
  }

  @Test
  void badDeclarationsAreRefusedNamingTheField() {
    assertError(api.put("/api/queues/%2F/" + name("q"), "{\"exclusive\":true}"), 400, "bad_request",
        "exclusive: unknown field");
    assertError(api.put("/api/queues/%2F/" + name("q"), "{\"arguments\":{\"x-max-length\":\"ten\"}}"), 400,
        "bad_request", "arguments.x-max-length");
    assertError(api.put("/api/queues/%2F/amq.q", "{}"), 403, "access_refused", "amq.");
    assertError(api.put("/api/queues/%2F/tab%09q", "{}"), 400, "bad_request", "control characters");
    assertError(api.put("/api/queues/nope/" + name("q"), "{}"), 404, "not_found", "nope");
    assertError(api.send("PUT", "/api/queues/%2F/" + name("q"), "text/plain", "{}"), 415, "unsupported_media_type",
        "application/json");
  }

  @Test
  void listingsCountReadyAndUnackedMessagesAfterPublishAndGet() {
    String q = name("q");
    api.put("/api/queues/%2F/" + q, "{}");
    publish(q, "one");
    publish(q, "two");
    publish(q, "three");

    JsonNode listed = find(api.get("/api/queues/%2F").json(), q);
    assertThat(listed.get("messages").asLong()).isEqualTo(3);
    assertThat(listed.get("messages_ready").asLong()).isEqualTo(3);
    assertThat(listed.get("message_bytes_ready").asLong()).isEqualTo(11);
    assertThat(find(api.get("/api/queues").json(), q).get("messages").asLong()).isEqualTo(3);

    Reply got = api.post("/api/queues/%2F/" + q + "/get", "{\"count\":1,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"auto\"}");
    assertThat(got.json().get(0).get("payload").asText()).isEqualTo("one");
    JsonNode after = api.get("/api/queues/%2F/" + q).json();
    assertThat(after.get("messages").asLong()).isEqualTo(2);
    assertThat(after.get("messages_unacknowledged").asLong()).isZero();
  }

  @Test
  void purgeEmptiesTheQueue() {
    String q = name("q");
    api.put("/api/queues/%2F/" + q, "{}");
    publish(q, "a");
    publish(q, "b");
    assertThat(api.delete("/api/queues/%2F/" + q + "/contents").status()).isEqualTo(204);
    assertThat(api.get("/api/queues/%2F/" + q).json().get("messages").asLong()).isZero();
    assertError(api.delete("/api/queues/%2F/" + name("missing") + "/contents"), 404, "not_found", "queue");
    assertThat(api.post("/api/queues/%2F/" + q + "/contents", "{}").status()).isEqualTo(405);
  }

  @Test
  void deleteIfEmptyRefusesANonEmptyQueueThenDeleteRemovesIt() {
    String q = name("q");
    api.put("/api/queues/%2F/" + q, "{}");
    publish(q, "keep me");
    assertError(api.delete("/api/queues/%2F/" + q + "?if-empty=true"), 409, "precondition_failed", "if-empty");
    assertThat(api.delete("/api/queues/%2F/" + q + "?if-unused=true").status()).isEqualTo(204);
    assertError(api.get("/api/queues/%2F/" + q), 404, "not_found", q);
    assertError(api.delete("/api/queues/%2F/" + q), 404, "not_found", q);

    String empty = name("q");
    api.put("/api/queues/%2F/" + empty, "{}");
    assertThat(api.delete("/api/queues/%2F/" + empty + "?if-empty=true&if-unused=true").status()).isEqualTo(204);
  }

  @Test
  void aMissingVhostOrQueueIsNotFound() {
    assertError(api.get("/api/queues/nope"), 404, "not_found", "vhost");
    assertError(api.get("/api/queues/%2F/" + name("missing")), 404, "not_found", "queue");
    assertError(api.post("/api/queues/%2F/" + name("missing") + "/get", "{\"ackmode\":\"ack_requeue_false\"}"), 404,
        "not_found", "queue");
  }

  @Test
  void aWrongMethodIsMethodNotAllowed() {
    Reply r = api.post("/api/queues/%2F/" + name("q"), "{}");
    assertError(r, 405, "method_not_allowed", "PUT");
    assertThat(r.header("allow")).contains("GET", "PUT", "DELETE");
  }
}
