package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Definitions export and import, in the part of RabbitMQ's format that maps. */
class HttpDefinitionsTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  /** A RabbitMQ 3.x export, trimmed: sections WeirMQ does not import are reported, not dropped silently. */
  private static String rabbitExport(String vhost, String queue, String exchange) {
    return """
        {"rabbit_version":"3.10.8","rabbitmq_version":"3.10.8","product_name":"RabbitMQ","product_version":"3.10.8",
         "users":[{"name":"guest","password_hash":"x","hashing_algorithm":"rabbit_password_hashing_sha256",
                   "tags":["administrator"],"limits":{}}],
         "vhosts":[{"name":"%1$s","limits":[],"metadata":{"description":"","tags":[]}}],
         "permissions":[{"user":"guest","vhost":"%1$s","configure":".*","write":".*","read":".*"}],
         "topic_permissions":[],"parameters":[],
         "global_parameters":[{"name":"cluster_name","value":"rabbit@host"}],
         "policies":[{"vhost":"%1$s","name":"ttl","pattern":"^t\\\\.","apply-to":"queues","definition":{"message-ttl":1000},"priority":0}],
         "queues":[{"name":"%2$s","vhost":"%1$s","durable":true,"auto_delete":false,
                    "arguments":{"x-queue-type":"quorum","x-max-length":10}}],
         "exchanges":[{"name":"%3$s","vhost":"%1$s","type":"topic","durable":true,"auto_delete":false,"internal":false,
                       "arguments":{}}],
         "bindings":[{"source":"%3$s","vhost":"%1$s","destination":"%2$s","destination_type":"queue",
                      "routing_key":"a.#","arguments":{}}]}
        """.formatted(vhost, queue, exchange);
  }

  /** A new vhost gives nobody permissions on it (as in RabbitMQ): the tests' user gets them. */
  static void grantGuest(HttpTestServer api, String vhost) {
    assertThat(api.put("/api/permissions/" + vhost + "/guest", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}")
        .status()).isIn(201, 204);
  }

  @Test
  void aRabbitMqExportLoadsAndTheUnsupportedSectionsAreReported() {
    String vhost = name("defs");
    String q = name("dq");
    String x = name("dx");
    HttpTestServer.Reply r = api.post("/api/definitions", rabbitExport(vhost, q, x));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode answer = r.json();
    assertThat(answer.get("imported").get("vhosts").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("queues").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("exchanges").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("bindings").asInt()).isEqualTo(1);
    assertThat(answer.get("not_imported").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("users", "permissions", "policies", "global_parameters");
    assertThat(answer.get("not_imported").get("users").get("reason").asText()).contains("PUT /api/users");
    grantGuest(api, vhost);

    String v = "/api/queues/" + vhost + "/" + q;
    assertThat(api.get(v).json().get("arguments").get("x-max-length").asInt()).isEqualTo(10);
    assertThat(api.get("/api/exchanges/" + vhost + "/" + x).json().get("type").asText()).isEqualTo("topic");
    assertThat(api.post("/api/exchanges/" + vhost + "/" + x + "/publish",
        "{\"routing_key\":\"a.b\",\"payload\":\"routed\",\"payload_encoding\":\"string\",\"properties\":{}}")
        .json().get("routed").asBoolean()).isTrue();

    // Importing the same file again changes nothing and succeeds: every declaration is idempotent.
    assertThat(api.post("/api/definitions", rabbitExport(vhost, q, x)).status()).isEqualTo(200);
  }

  @Test
  void anExportOfOneVhostImportsIntoAnotherWithTheSameTopology() {
    String from = name("from");
    String to = name("to");
    assertThat(api.post("/api/definitions", "{\"vhosts\":[{\"name\":\"" + from + "\"},{\"name\":\"" + to + "\"}]}")
        .status()).isEqualTo(200);
    grantGuest(api, from);
    grantGuest(api, to);
    assertThat(api.put("/api/exchanges/" + from + "/logs", "{\"type\":\"fanout\",\"durable\":true}").status())
        .isEqualTo(201);
    assertThat(api.put("/api/exchanges/" + from + "/audit", "{\"type\":\"direct\"}").status()).isEqualTo(201);
    assertThat(api.put("/api/queues/" + from + "/all", "{\"durable\":true,\"arguments\":{\"x-message-ttl\":60000}}")
        .status()).isEqualTo(201);
    assertThat(api.post("/api/bindings/" + from + "/e/logs/q/all", "{\"routing_key\":\"\"}").status()).isEqualTo(201);
    assertThat(api.post("/api/bindings/" + from + "/e/logs/e/audit", "{\"routing_key\":\"k\"}").status())
        .isEqualTo(201);

    JsonNode export = api.get("/api/definitions/" + from).json();
    assertThat(export.has("vhosts")).isFalse();
    assertThat(export.get("exchanges").findValuesAsText("name")).containsExactlyInAnyOrder("logs", "audit");
    assertThat(export.get("queues").findValuesAsText("name")).containsExactly("all");
    assertThat(export.get("bindings")).hasSize(2);
    assertThat(export.toString()).doesNotContain("\"vhost\"").doesNotContain("amq.");

    assertThat(api.post("/api/definitions/" + to, export.toString()).status()).isEqualTo(200);
    JsonNode copy = api.get("/api/definitions/" + to).json();
    assertThat(copy.get("exchanges")).isEqualTo(export.get("exchanges"));
    assertThat(copy.get("queues")).isEqualTo(export.get("queues"));
    assertThat(copy.get("bindings")).isEqualTo(export.get("bindings"));

    JsonNode all = api.get("/api/definitions").json();
    assertThat(all.get("vhosts").findValuesAsText("name")).contains("/", from, to);
  }

  @Test
  void anInvalidItemIsRefusedNamingItBeforeAnythingChanges() {
    String q = name("first");
    HttpTestServer.Reply r = api.post("/api/definitions/%2F", """
        {"queues":[{"name":"%s","durable":true},{"name":"second","arguments":{"x-max-length":"ten"}}]}
        """.formatted(q));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("reason").asText()).startsWith("queues[1].arguments.x-max-length");
    assertThat(api.get("/api/queues/%2F/" + q).status()).as("nothing declared").isEqualTo(404);
  }

  @Test
  void aQueueThatExistsWithOtherPropertiesIsAConflictNamingTheProperty() {
    String q = name("exists");
    String q2 = name("new");
    assertThat(api.put("/api/queues/%2F/" + q, "{\"durable\":true}").status()).isEqualTo(201);
    HttpTestServer.Reply r = api.post("/api/definitions/%2F", """
        {"queues":[{"name":"%s","durable":true},{"name":"%s","durable":false}]}
        """.formatted(q2, q));
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().get("reason").asText()).startsWith("queues[1]").contains("durable");
    assertThat(api.get("/api/queues/%2F/" + q2).status()).as("nothing declared").isEqualTo(404);
  }

  @Test
  void aBindingToAQueueNeitherHereNorInTheImportIsNotFound() {
    String x = name("lonely");
    HttpTestServer.Reply r = api.post("/api/definitions/%2F", """
        {"exchanges":[{"name":"%s","type":"direct"}],
         "bindings":[{"source":"%s","destination":"nowhere","destination_type":"queue","routing_key":"k"}]}
        """.formatted(x, x));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().get("reason").asText()).startsWith("bindings[0].destination");
    assertThat(api.get("/api/exchanges/%2F/" + x).status()).as("nothing declared").isEqualTo(404);
  }
}
