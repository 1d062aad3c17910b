package io.weirmq.http;

import static io.weirmq.http.HttpQueuesTest.assertError;
import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.http.HttpTestServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /api/policies} on a real node: RabbitMQ's shapes and status codes, validation, live effect on queues. */
class HttpPoliciesTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  private static void publish(String queue, int count) {
    for (int i = 0; i < count; i++) {
      Reply r = api.post("/api/exchanges/%2F/amq.default/publish", "{\"properties\":{},\"routing_key\":\"" + queue
          + "\",\"payload\":\"m" + i + "\",\"payload_encoding\":\"string\"}");
      assertThat(r.status()).as("%s", r).isEqualTo(200);
    }
  }

  private static long ready(String queue) {
    return api.get("/api/queues/%2F/" + queue).json().get("messages_ready").asLong();
  }

  @Test
  void putAnswersCreatedThenNoContentAndTheListsShowRabbitMqFields() {
    String p = name("pol");
    String body = "{\"pattern\":\"^orders\\\\.\",\"apply-to\":\"queues\",\"priority\":2,"
        + "\"definition\":{\"max-length\":100,\"overflow\":\"reject-publish\"}}";
    Reply created = api.put("/api/policies/%2F/" + p, body);
    assertThat(created.status()).as("%s", created).isEqualTo(201);
    assertThat(created.body()).isEmpty();
    assertThat(api.put("/api/policies/%2F/" + p, body).status()).isEqualTo(204);

    JsonNode shown = api.get("/api/policies/%2F/" + p).json();
    assertThat(shown.get("vhost").asText()).isEqualTo("/");
    assertThat(shown.get("name").asText()).isEqualTo(p);
    assertThat(shown.get("pattern").asText()).isEqualTo("^orders\\.");
    assertThat(shown.get("apply-to").asText()).isEqualTo("queues");
    assertThat(shown.get("priority").asInt()).isEqualTo(2);
    assertThat(shown.get("definition").get("max-length").asLong()).isEqualTo(100);
    assertThat(shown.get("definition").get("overflow").asText()).isEqualTo("reject-publish");
    assertThat(api.get("/api/policies").json().findValuesAsText("name")).contains(p);
    assertThat(api.get("/api/policies/%2F").json().findValuesAsText("name")).contains(p);

    assertThat(api.delete("/api/policies/%2F/" + p).status()).isEqualTo(204);
    assertError(api.get("/api/policies/%2F/" + p), 404, "not_found", p);
    assertError(api.delete("/api/policies/%2F/" + p), 404, "not_found", p);
  }

  @Test
  void badPoliciesAreRefusedNamingTheKeyAndWhy() {
    String path = "/api/policies/%2F/" + name("bad");
    assertError(api.put(path, "{\"pattern\":\".*\",\"definition\":{\"max-priority\":5}}"), 400, "bad_request",
        "definition.max-priority: unknown policy key");
    assertError(api.put(path, "{\"pattern\":\".*\",\"definition\":{\"max-length\":\"ten\"}}"), 400, "bad_request",
        "definition.max-length");
    assertError(api.put(path, "{\"pattern\":\".*\",\"definition\":{\"overflow\":\"explode\"}}"), 400, "bad_request",
        "definition.overflow");
    assertError(api.put(path, "{\"pattern\":\"^orders(\",\"definition\":{\"max-length\":1}}"), 400, "bad_request",
        "pattern: is not a valid regular expression");
    assertError(api.put(path, "{\"definition\":{\"max-length\":1}}"), 400, "bad_request", "pattern");
    assertError(api.put(path, "{\"pattern\":\".*\",\"apply-to\":\"both\",\"definition\":{\"max-length\":1}}"), 400,
        "bad_request", "apply-to");
    assertError(api.put(path, "{\"pattern\":\".*\",\"definition\":{\"max-length\":1},\"colour\":1}"), 400,
        "bad_request", "colour");
    assertError(api.put("/api/policies/nope/p", "{\"pattern\":\".*\",\"definition\":{\"max-length\":1}}"), 404,
        "not_found", "nope");
    assertError(api.get(path), 404, "not_found", "policy");
  }

  @Test
  void aPolicyTrimsAQueueLiveAndTheQueueShowsIt() {
    String q = name("live");
    assertThat(api.put("/api/queues/%2F/" + q, "{\"arguments\":{\"x-max-length\":5}}").status()).isEqualTo(201);
    publish(q, 3);
    JsonNode before = api.get("/api/queues/%2F/" + q).json();
    assertThat(before.get("policy").isNull()).isTrue();
    assertThat(before.get("effective_policy_definition").size()).isZero();

    String p = name("trim");
    assertThat(api.put("/api/policies/%2F/" + p, "{\"pattern\":\"^" + q + "$\",\"definition\":{\"max-length\":1}}")
        .status()).isEqualTo(201);

    JsonNode after = api.get("/api/queues/%2F/" + q).json();
    assertThat(after.get("messages_ready").asLong()).isEqualTo(1);
    assertThat(after.get("policy").asText()).isEqualTo(p);
    assertThat(after.get("effective_policy_definition").get("max-length").asLong()).isEqualTo(1);
    JsonNode listed = null;
    for (JsonNode each : api.get("/api/queues/%2F").json()) {
      if (each.get("name").asText().equals(q)) {
        listed = each;
      }
    }
    assertThat(listed).isNotNull();
    assertThat(listed.get("policy").asText()).isEqualTo(p);

    // Removed: the queue's own x-max-length (5) is what limits it again.
    assertThat(api.delete("/api/policies/%2F/" + p).status()).isEqualTo(204);
    publish(q, 6);
    assertThat(ready(q)).isEqualTo(5);
    assertThat(api.get("/api/queues/%2F/" + q).json().get("policy").isNull()).isTrue();
  }

  @Test
  void deletingAVhostDeletesItsPolicies() {
    String vh = name("vh");
    assertThat(api.send("PUT", "/api/vhosts/" + vh, null, null).status()).isEqualTo(201);
    assertThat(api.put("/api/policies/" + vh + "/p", "{\"pattern\":\".*\",\"definition\":{\"expires\":60000}}").status())
        .isEqualTo(201);
    assertThat(api.delete("/api/vhosts/" + vh).status()).isEqualTo(204);
    assertThat(api.send("PUT", "/api/vhosts/" + vh, null, null).status()).isEqualTo(201);
    assertThat(api.get("/api/policies/" + vh).json().size()).isZero();
  }
}
