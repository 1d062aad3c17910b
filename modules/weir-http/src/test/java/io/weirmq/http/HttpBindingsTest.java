package io.weirmq.http;

import static io.weirmq.http.HttpQueuesTest.assertError;
import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.http.HttpTestServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /api/bindings} on a real node: create with a Location, list, read and delete by properties key. */
class HttpBindingsTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  @Test
  void aQueueBindingIsCreatedListedReadAndDeletedByItsPropertiesKey() {
    String x = name("x");
    String q = name("q");
    api.put("/api/exchanges/%2F/" + x, "{\"type\":\"topic\"}");
    api.put("/api/queues/%2F/" + q, "{}");

    Reply created = api.post("/api/bindings/%2F/e/" + x + "/q/" + q, "{\"routing_key\":\"a.#\",\"arguments\":{}}");
    assertThat(created.status()).as("%s", created).isEqualTo(201);
    String location = created.header("location");
    assertThat(location).endsWith("/api/bindings/%2F/e/" + x + "/q/" + q + "/a.%23");

    JsonNode list = api.get("/api/bindings/%2F/e/" + x + "/q/" + q).json();
    assertThat(list).hasSize(1);
    JsonNode b = list.get(0);
    assertThat(b.get("source").asText()).isEqualTo(x);
    assertThat(b.get("vhost").asText()).isEqualTo("/");
    assertThat(b.get("destination").asText()).isEqualTo(q);
    assertThat(b.get("destination_type").asText()).isEqualTo("queue");
    assertThat(b.get("routing_key").asText()).isEqualTo("a.#");
    assertThat(b.get("arguments").isObject()).isTrue();
    assertThat(b.get("properties_key").asText()).isEqualTo("a.#");

    String path = location.substring(location.indexOf("/api/"));
    assertThat(api.get(path).json().get("routing_key").asText()).isEqualTo("a.#");
    assertThat(api.get("/api/bindings/%2F").json().findValuesAsText("source")).contains(x);
    assertThat(api.get("/api/bindings").json().findValuesAsText("destination")).contains(q);

    // Routing follows the binding.
    Reply routed = api.post("/api/exchanges/%2F/" + x + "/publish", "{\"routing_key\":\"a.b\",\"payload\":\"hi\"}");
    assertThat(routed.json().get("routed").asBoolean()).isTrue();

    assertThat(api.delete(path).status()).isEqualTo(204);
    assertThat(api.get("/api/bindings/%2F/e/" + x + "/q/" + q).json()).isEmpty();
    assertError(api.get(path), 404, "not_found", "props");
    assertError(api.delete(path), 404, "not_found", "props");
  }

  @Test
  void bindingsWithArgumentsAndAnEmptyKeyHaveDistinctPropertiesKeys() {
    String x = name("x");
    String q = name("q");
    api.put("/api/exchanges/%2F/" + x, "{\"type\":\"headers\"}");
    api.put("/api/queues/%2F/" + q, "{}");
    Reply plain = api.post("/api/bindings/%2F/e/" + x + "/q/" + q, "{}");
    Reply withArgs = api.post("/api/bindings/%2F/e/" + x + "/q/" + q,
        "{\"routing_key\":\"\",\"arguments\":{\"x-match\":\"all\",\"kind\":\"a\"}}");
    assertThat(plain.status()).isEqualTo(201);
    assertThat(withArgs.status()).isEqualTo(201);
    assertThat(plain.header("location")).endsWith("/" + "~");
    assertThat(withArgs.header("location")).isNotEqualTo(plain.header("location")).contains("~");

    JsonNode list = api.get("/api/bindings/%2F/e/" + x + "/q/" + q).json();
    assertThat(list).hasSize(2);
    String withArgsPath = withArgs.header("location").substring(withArgs.header("location").indexOf("/api/"));
    assertThat(api.get(withArgsPath).json().get("arguments").get("kind").asText()).isEqualTo("a");
    assertThat(api.delete(withArgsPath).status()).isEqualTo(204);
    assertThat(api.get("/api/bindings/%2F/e/" + x + "/q/" + q).json()).hasSize(1);
  }

  @Test
  void anExchangeToExchangeBindingUsesTheEForm() {
    String src = name("src");
    String dst = name("dst");
    String q = name("q");
    api.put("/api/exchanges/%2F/" + src, "{\"type\":\"direct\"}");
    api.put("/api/exchanges/%2F/" + dst, "{\"type\":\"fanout\"}");
    api.put("/api/queues/%2F/" + q, "{}");
    api.post("/api/bindings/%2F/e/" + dst + "/q/" + q, "{}");

    Reply created = api.post("/api/bindings/%2F/e/" + src + "/e/" + dst, "{\"routing_key\":\"k\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.header("location")).endsWith("/api/bindings/%2F/e/" + src + "/e/" + dst + "/k");
    JsonNode b = api.get("/api/bindings/%2F/e/" + src + "/e/" + dst + "/k").json();
    assertThat(b.get("destination_type").asText()).isEqualTo("exchange");
    assertThat(api.post("/api/exchanges/%2F/" + src + "/publish", "{\"routing_key\":\"k\",\"payload\":\"p\"}")
        .json().get("routed").asBoolean()).isTrue();
    assertThat(api.delete("/api/bindings/%2F/e/" + src + "/e/" + dst + "/k").status()).isEqualTo(204);
    assertThat(api.post("/api/exchanges/%2F/" + src + "/publish", "{\"routing_key\":\"k\",\"payload\":\"p\"}")
        .json().get("routed").asBoolean()).isFalse();
  }

  @Test
  void missingEndsAndBadRequestsAreRefused() {
    String x = name("x");
    String q = name("q");
    api.put("/api/exchanges/%2F/" + x, "{\"type\":\"direct\"}");
    api.put("/api/queues/%2F/" + q, "{}");
    assertError(api.post("/api/bindings/%2F/e/" + name("nox") + "/q/" + q, "{}"), 404, "not_found", "source");
    assertError(api.post("/api/bindings/%2F/e/" + x + "/q/" + name("noq"), "{}"), 404, "not_found", "destination");
    assertError(api.get("/api/bindings/%2F/e/" + x + "/q/" + name("noq")), 404, "not_found", "destination");
    assertError(api.get("/api/bindings/nope"), 404, "not_found", "vhost");
    assertError(api.post("/api/bindings/%2F/e/amq.default/q/" + q, "{}"), 403, "access_refused", "default exchange");
    assertError(api.post("/api/bindings/%2F/e/" + x + "/q/" + q, "{\"routing_key\":7}"), 400, "bad_request",
        "routing_key: must be a string");
    assertError(api.post("/api/bindings/%2F/e/" + x + "/q/" + q, "{\"routingkey\":\"k\"}"), 400, "bad_request",
        "routingkey: unknown field");
    assertError(api.put("/api/bindings/%2F/e/" + x + "/q/" + q, "{}"), 405, "method_not_allowed", "POST");
    assertError(api.get("/api/bindings/%2F/e/" + x + "/z/" + q), 404, "not_found", "path");
  }
}
