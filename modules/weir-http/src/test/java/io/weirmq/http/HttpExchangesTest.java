package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.http.HttpTestServer.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /api/exchanges} on a real node, and the error answers every endpoint shares. */
class HttpExchangesTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  private static List<String> names(JsonNode array) {
    List<String> names = new ArrayList<>();
    array.forEach(x -> names.add(x.get("name").asText()));
    return names;
  }

  private static void assertError(Reply r, int status, String error, String reasonContains) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.json().get("error").asText()).as("%s", r).isEqualTo(error);
    assertThat(r.json().get("reason").asText()).as("%s", r).contains(reasonContains);
  }

  @Test
  void theDefaultVhostListsThePredeclaredExchangesWithRabbitMqFieldNames() {
    Reply r = api.get("/api/exchanges/%2F");
    assertThat(r.status()).isEqualTo(200);
    assertThat(names(r.json())).contains("", "amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match");
    JsonNode direct = r.json().findParents("name").stream().filter(x -> x.get("name").asText().equals("amq.direct"))
        .findFirst().orElseThrow();
    assertThat(direct.get("vhost").asText()).isEqualTo("/");
    assertThat(direct.get("type").asText()).isEqualTo("direct");
    assertThat(direct.get("durable").asBoolean()).isTrue();
    assertThat(direct.get("auto_delete").asBoolean()).isFalse();
    assertThat(direct.get("internal").asBoolean()).isFalse();
    assertThat(direct.get("arguments").isObject()).isTrue();
    assertThat(names(api.get("/api/exchanges").json())).contains("amq.topic");
  }

  @Test
  void declareAnswersCreatedThenNoContentForAnEquivalentRedeclaration() {
    String x = name("x");
    String body = "{\"type\":\"topic\",\"durable\":false,\"auto_delete\":false,\"internal\":false,"
        + "\"arguments\":{\"alternate-exchange\":\"ae\"}}";
    assertThat(api.put("/api/exchanges/%2F/" + x, body).status()).isEqualTo(201);
    assertThat(api.put("/api/exchanges/%2F/" + x, body).status()).isEqualTo(204);

    JsonNode shown = api.get("/api/exchanges/%2F/" + x).json();
    assertThat(shown.get("name").asText()).isEqualTo(x);
    assertThat(shown.get("type").asText()).isEqualTo("topic");
    assertThat(shown.get("durable").asBoolean()).isFalse();
    assertThat(shown.get("arguments").get("alternate-exchange").asText()).isEqualTo("ae");
    assertThat(names(api.get("/api/exchanges/%2F").json())).contains(x);
  }

  @Test
  void defaultsAreRabbitMqsDurableNotAutoDeleteNotInternal() {
    String x = name("x");
    assertThat(api.put("/api/exchanges/%2F/" + x, "{\"type\":\"fanout\"}").status()).isEqualTo(201);
    JsonNode shown = api.get("/api/exchanges/%2F/" + x).json();
    assertThat(shown.get("durable").asBoolean()).isTrue();
    assertThat(shown.get("auto_delete").asBoolean()).isFalse();
    assertThat(shown.get("internal").asBoolean()).isFalse();
  }

  @Test
  void redeclaringWithDifferentPropertiesIsAConflictNamingTheProperty() {
    String x = name("x");
    api.put("/api/exchanges/%2F/" + x, "{\"type\":\"direct\",\"durable\":true}");
    assertError(api.put("/api/exchanges/%2F/" + x, "{\"type\":\"fanout\",\"durable\":true}"), 409,
        "precondition_failed", "type");
    assertError(api.put("/api/exchanges/%2F/" + x, "{\"type\":\"direct\",\"durable\":false}"), 409,
        "precondition_failed", "durable");
    assertError(api.put("/api/exchanges/%2F/" + x, "{\"type\":\"direct\",\"arguments\":{\"x-a\":1}}"), 409,
        "precondition_failed", "arguments.x-a");
  }

  @Test
  void deleteAnswersNoContentAndIfUnusedRefusesAnExchangeWithBindings() {
    String x = name("x");
    String q = name("q");
    api.put("/api/exchanges/%2F/" + x, "{\"type\":\"direct\"}");
    api.put("/api/queues/%2F/" + q, "{}");
    assertThat(api.post("/api/bindings/%2F/e/" + x + "/q/" + q, "{\"routing_key\":\"k\"}").status()).isEqualTo(201);

    assertError(api.delete("/api/exchanges/%2F/" + x + "?if-unused=true"), 409, "precondition_failed", "ifUnused");
    assertError(api.delete("/api/exchanges/%2F/" + x + "?if-unused=maybe"), 400, "bad_request", "if-unused");
    assertThat(api.delete("/api/exchanges/%2F/" + x).status()).isEqualTo(204);
    assertError(api.get("/api/exchanges/%2F/" + x), 404, "not_found", x);
    assertError(api.delete("/api/exchanges/%2F/" + x), 404, "not_found", x);
  }

  @Test
  void aMissingVhostIsNotFound() {
    assertError(api.get("/api/exchanges/nope"), 404, "not_found", "vhost");
    assertError(api.get("/api/exchanges/nope/amq.direct"), 404, "not_found", "vhost");
    assertError(api.put("/api/exchanges/nope/" + name("x"), "{\"type\":\"direct\"}"), 404, "not_found", "nope");
  }

  @Test
  void invalidNamesAreRefusedNamingTheField() {
    assertError(api.put("/api/exchanges/%2F/bad%01name", "{\"type\":\"direct\"}"), 400, "bad_request",
        "name: must not contain control characters");
    assertError(api.put("/api/exchanges/%2F/" + "x".repeat(256), "{\"type\":\"direct\"}"), 400, "bad_request",
        "name: must be at most 255 bytes");
    // Reserved for the broker: refused, as AMQP's access-refused.
    assertError(api.put("/api/exchanges/%2F/amq.mine", "{\"type\":\"direct\"}"), 403, "access_refused",
        "name: names starting with 'amq.' are reserved");
    assertError(api.put("/api/exchanges/%2F/amq.default", "{\"type\":\"direct\"}"), 403, "access_refused",
        "default exchange");
    assertError(api.delete("/api/exchanges/%2F/amq.default"), 403, "access_refused", "default exchange");
  }

  @Test
  void malformedUnknownAndMistypedBodiesAreBadRequestsNamingTheField() {
    String path = "/api/exchanges/%2F/" + name("x");
    assertError(api.put(path, "{\"type\":"), 400, "bad_request", "body: malformed JSON");
    assertError(api.put(path, "[1]"), 400, "bad_request", "body: must be a JSON object");
    assertError(api.put(path, "{\"type\":\"direct\",\"durabel\":true}"), 400, "bad_request", "durabel: unknown field");
    assertError(api.put(path, "{\"type\":\"direct\",\"durable\":\"yes\"}"), 400, "bad_request",
        "durable: must be a boolean");
    assertError(api.put(path, "{\"type\":\"direct\",\"durable\":1}"), 400, "bad_request", "durable: must be a boolean");
    assertError(api.put(path, "{\"type\":\"direct\",\"arguments\":[]}"), 400, "bad_request",
        "arguments: must be a JSON object");
    assertError(api.put(path, "{\"type\":\"quick\"}"), 400, "bad_request", "type: must be one of direct");
    assertError(api.put(path, "{}"), 400, "bad_request", "type: must be one of");
    assertError(api.put(path, ""), 400, "bad_request", "body");
    assertThat(api.get(path).status()).isEqualTo(404);
  }

  @Test
  void aBodyThatIsNotJsonIsUnsupportedMediaType() {
    String path = "/api/exchanges/%2F/" + name("x");
    assertError(api.send("PUT", path, "text/plain", "{\"type\":\"direct\"}"), 415, "unsupported_media_type",
        "content-type: must be application/json, got text/plain");
    assertError(api.send("PUT", path, "application/x-www-form-urlencoded", "type=direct"), 415,
        "unsupported_media_type", "application/json");
  }

  @Test
  void aWrongMethodIsMethodNotAllowedWithAnAllowHeader() {
    Reply r = api.send("POST", "/api/exchanges/%2F/amq.direct", "application/json", "{}");
    assertError(r, 405, "method_not_allowed", "GET");
    assertThat(r.header("allow")).contains("GET").contains("PUT").contains("DELETE");
    Reply publish = api.get("/api/exchanges/%2F/amq.direct/publish");
    assertError(publish, 405, "method_not_allowed", "POST");
    assertThat(publish.header("allow")).isEqualTo("POST");
    assertThat(api.send("DELETE", "/api/exchanges", null, null).status()).isEqualTo(405);
  }

  @Test
  void anUnknownPathIsNotFoundAsJson() {
    assertError(api.get("/api/nothing-here"), 404, "not_found", "path");
    assertError(api.get("/api/exchanges/%2F/amq.direct/whatever"), 404, "not_found", "path");
    assertError(api.get("/nothing-here"), 404, "not_found", "path");
    assertError(api.get("/dashboard/nothing-here.js"), 404, "not_found", "path");
  }

  @Test
  void anOversizedBodyIsPayloadTooLarge() {
    String big = "{\"type\":\"direct\",\"arguments\":{\"x-pad\":\"" + "a".repeat(HttpTestServer.MAX_BODY_BYTES) + "\"}}";
    assertError(api.put("/api/exchanges/%2F/" + name("x"), big), 413, "payload_too_large", "body");
  }
}
