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
  private static String rabbitExport(String vhost, String queue, String exchange, String user) {
    return """
        {"rabbit_version":"3.10.8","rabbitmq_version":"3.10.8","product_name":"RabbitMQ","product_version":"3.10.8",
         "users":[{"name":"%4$s","password_hash":"%5$s","hashing_algorithm":"rabbit_password_hashing_sha256",
                   "tags":"management,policymaker","limits":{}}],
         "vhosts":[{"name":"%1$s","limits":[],"metadata":{"description":"","tags":[]}}],
         "permissions":[{"user":"%4$s","vhost":"%1$s","configure":".*","write":".*","read":".*"}],
         "topic_permissions":[],"parameters":[],
         "global_parameters":[{"name":"cluster_name","value":"rabbit@host"}],
         "policies":[{"vhost":"%1$s","name":"ttl","pattern":"^t\\\\.","apply-to":"queues","definition":{"message-ttl":1000},"priority":0}],
         "queues":[{"name":"%2$s","vhost":"%1$s","durable":true,"auto_delete":false,
                    "arguments":{"x-queue-type":"quorum","x-max-length":10}}],
         "exchanges":[{"name":"%3$s","vhost":"%1$s","type":"topic","durable":true,"auto_delete":false,"internal":false,
                       "arguments":{}}],
         "bindings":[{"source":"%3$s","vhost":"%1$s","destination":"%2$s","destination_type":"queue",
                      "routing_key":"a.#","arguments":{}}]}
        """.formatted(vhost, queue, exchange, user, rabbitHash(user + "-pw"));
  }

  /** RabbitMQ 3.x's rabbit_password_hashing_sha256: base64(4-byte salt + SHA-256(salt + UTF-8 password)). */
  static String rabbitHash(String password) {
    try {
      byte[] salt = new byte[4];
      new java.security.SecureRandom().nextBytes(salt);
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      md.update(salt);
      byte[] digest = md.digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      byte[] both = java.util.Arrays.copyOf(salt, 4 + digest.length);
      System.arraycopy(digest, 0, both, 4, digest.length);
      return java.util.Base64.getEncoder().encodeToString(both);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int whoami(String user, String password) {
    return api.send("GET", "/api/whoami", null, null, HttpTestServer.basic(user, password)).status();
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
    String user = name("ann");
    HttpTestServer.Reply r = api.post("/api/definitions", rabbitExport(vhost, q, x, user));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode answer = r.json();
    assertThat(answer.get("imported").get("vhosts").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("queues").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("exchanges").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("bindings").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("users").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("permissions").asInt()).isEqualTo(1);
    assertThat(answer.get("imported").get("policies").asInt()).isEqualTo(1);
    assertThat(answer.get("not_imported").fieldNames()).toIterable().containsExactly("global_parameters");
    grantGuest(api, vhost);
    assertThat(api.get("/api/policies/" + vhost + "/ttl").json().get("definition").get("message-ttl").asInt())
        .isEqualTo(1000);

    // The RabbitMQ user logs in with its RabbitMQ password, and that login replaces the fast hash.
    assertThat(api.get("/api/users/" + user).json().get("hashing_algorithm").asText())
        .isEqualTo("rabbit_password_hashing_sha256");
    assertThat(api.get("/api/users/" + user).json().get("tags").toString()).contains("policymaker");
    assertThat(whoami(user, "wrong")).isEqualTo(401);
    assertThat(whoami(user, user + "-pw")).isEqualTo(200);
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (api.get("/api/users/" + user).json().get("hashing_algorithm").asText().equals("rabbit_password_hashing_sha256")
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(api.get("/api/users/" + user).json().get("hashing_algorithm").asText())
        .isEqualTo("rabbit_password_hashing_pbkdf2_hmac_sha256");
    assertThat(whoami(user, user + "-pw")).isEqualTo(200);
    assertThat(api.get("/api/permissions/" + vhost + "/" + user).status()).isEqualTo(200);

    String v = "/api/queues/" + vhost + "/" + q;
    assertThat(api.get(v).json().get("arguments").get("x-max-length").asInt()).isEqualTo(10);
    assertThat(api.get("/api/exchanges/" + vhost + "/" + x).json().get("type").asText()).isEqualTo("topic");
    assertThat(api.post("/api/exchanges/" + vhost + "/" + x + "/publish",
        "{\"routing_key\":\"a.b\",\"payload\":\"routed\",\"payload_encoding\":\"string\",\"properties\":{}}")
        .json().get("routed").asBoolean()).isTrue();

    // Importing the same file again changes nothing and succeeds: every declaration is idempotent.
    // (The user's hash is RabbitMQ's again afterwards, as the file says.)
    assertThat(api.post("/api/definitions", rabbitExport(vhost, q, x, user)).status()).isEqualTo(200);
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
  void usersPermissionsAndPoliciesRoundTripThroughAnExport() {
    String vhost = name("rt");
    String user = name("bob");
    assertThat(api.send("PUT", "/api/vhosts/" + vhost, null, null).status()).isEqualTo(201);
    assertThat(api.put("/api/users/" + user, "{\"password\":\"bob-pw\",\"tags\":\"management\"}").status())
        .isEqualTo(201);
    assertThat(api.put("/api/permissions/" + vhost + "/" + user, "{\"configure\":\"^bob\\\\.\",\"write\":\".*\",\"read\":\"\"}")
        .status()).isEqualTo(201);
    assertThat(api.put("/api/policies/" + vhost + "/cap", "{\"pattern\":\"^a\",\"apply-to\":\"queues\",\"priority\":3,"
        + "\"definition\":{\"max-length\":7,\"mirror-sync\":\"all\"}}").status()).isEqualTo(201);

    JsonNode export = api.get("/api/definitions").json();
    JsonNode userItem = only(export.get("users"), "name", user);
    assertThat(userItem.get("hashing_algorithm").asText()).isEqualTo("weir_pbkdf2_sha256");
    assertThat(userItem.get("password_hash").asText()).matches("\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+");
    JsonNode permissionItem = only(export.get("permissions"), "user", user);
    JsonNode policyItem = only(export.get("policies"), "vhost", vhost);
    assertThat(policyItem.get("apply-to").asText()).isEqualTo("queues");
    assertThat(api.get("/api/definitions/" + vhost).json().get("policies").get(0).has("vhost")).isFalse();

    assertThat(api.delete("/api/users/" + user).status()).isEqualTo(204);
    assertThat(api.delete("/api/policies/" + vhost + "/cap").status()).isEqualTo(204);
    assertThat(whoami(user, "bob-pw")).isEqualTo(401);

    String doc = "{\"users\":[" + userItem + "],\"permissions\":[" + permissionItem + "],\"policies\":[" + policyItem + "]}";
    HttpTestServer.Reply r = api.post("/api/definitions", doc);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(whoami(user, "bob-pw")).isEqualTo(200);
    JsonNode again = api.get("/api/definitions").json();
    assertThat(only(again.get("users"), "name", user)).isEqualTo(userItem);
    assertThat(only(again.get("permissions"), "user", user)).isEqualTo(permissionItem);
    assertThat(only(again.get("policies"), "vhost", vhost)).isEqualTo(policyItem);
  }

  @Test
  void aClearPasswordIsHashedAndAnUnknownAlgorithmIsRefusedNamingTheUser() {
    String carl = name("carl");
    HttpTestServer.Reply r = api.post("/api/definitions",
        "{\"users\":[{\"name\":\"" + carl + "\",\"password\":\"carl-pw\",\"tags\":[\"management\"]}]}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(whoami(carl, "carl-pw")).isEqualTo(200);
    assertThat(api.get("/api/users/" + carl).json().get("hashing_algorithm").asText())
        .isEqualTo("rabbit_password_hashing_pbkdf2_hmac_sha256");

    String vhost = name("never");
    String dora = name("dora");
    r = api.post("/api/definitions", "{\"vhosts\":[{\"name\":\"" + vhost + "\"}],\"users\":[{\"name\":\"" + dora
        + "\",\"password_hash\":\"abc\",\"hashing_algorithm\":\"rabbit_password_hashing_md5\",\"tags\":\"\"}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("reason").asText()).startsWith("users[0].hashing_algorithm").contains("user '" + dora + "'")
        .doesNotContain("abc");
    assertThat(api.get("/api/users/" + dora).status()).as("nothing imported").isEqualTo(404);
    assertThat(api.get("/api/vhosts/" + vhost).status()).as("nothing imported").isEqualTo(404);

    r = api.post("/api/definitions", "{\"users\":[{\"name\":\"" + dora
        + "\",\"password_hash\":\"bm90IGEgaGFzaA==\",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\"}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("reason").asText()).startsWith("users[0].password_hash").contains("36 bytes");

    r = api.post("/api/definitions", "{\"permissions\":[{\"user\":\"nobody-here\",\"vhost\":\"/\",\"configure\":\"\","
        + "\"write\":\"\",\"read\":\"\"}]}");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().get("reason").asText()).startsWith("permissions[0].user");

    r = api.post("/api/definitions/%2F", "{\"users\":[{\"name\":\"x\",\"password\":\"y\"}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("reason").asText()).startsWith("users");
  }

  private static JsonNode only(JsonNode items, String field, String value) {
    JsonNode found = null;
    for (JsonNode item : items) {
      if (item.get(field).asText().equals(value)) {
        assertThat(found).as("one %s=%s in %s", field, value, items).isNull();
        found = item;
      }
    }
    assertThat(found).as("%s=%s in %s", field, value, items).isNotNull();
    return found;
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
