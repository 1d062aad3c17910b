package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Logins: throttling, loopback-only users, the default user, password changes, metrics, live permission changes. */
class SecurityTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("""
      weir.security.login-throttle.base-delay = 300ms
      weir.security.login-throttle.max-delay = 600ms
      """);

  @Test
  void failedLoginsAreAnsweredLaterEachTimeWithoutHoldingUpOthers() throws Exception {
    api.put("/api/users/throttled", "{\"password\":\"right\",\"tags\":\"management\"}");
    String wrong = HttpTestServer.basic("throttled", "wrong");
    long[] took = new long[3];
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      assertThat(api.send("GET", "/api/whoami", null, null, wrong).status()).isEqualTo(401);
      took[i] = (System.nanoTime() - start) / 1_000_000;
    }
    assertThat(took[0]).isBetween(300L, 2_000L);
    assertThat(took[1]).isBetween(600L, 2_500L); // doubled
    assertThat(took[2]).isBetween(600L, 2_500L); // bounded by max-delay

    // While a failure waits out its delay, the node serves others at once: the wait is a scheduled
    // completion, not a sleeping thread.
    CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(
        () -> api.send("GET", "/api/whoami", null, null, wrong).status());
    Thread.sleep(50);
    long start = System.nanoTime();
    assertThat(api.get("/api/whoami").status()).isEqualTo(200);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(300L);
    assertThat(waiting.get()).isEqualTo(401);

    // The right password still works, and resets the count.
    assertThat(api.send("GET", "/api/whoami", null, null, HttpTestServer.basic("throttled", "right")).status())
        .isEqualTo(200);
    assertThat(api.node.broker().authenticator().failures(InetAddress.getLoopbackAddress(), "throttled")).isZero();
  }

  @Test
  void unauthorizedAnswersNeverSayWhatWasWrong() {
    HttpTestServer.Reply noUser = api.send("GET", "/api/queues", null, null, HttpTestServer.basic("nobody", "x"));
    HttpTestServer.Reply badPassword = api.send("GET", "/api/queues", null, null, HttpTestServer.basic("guest", "x"));
    assertThat(noUser.status()).isEqualTo(401);
    assertThat(noUser.body()).isEqualTo(badPassword.body());
    assertThat(noUser.json().get("error").asText()).isEqualTo("not_authorized");
  }

  @Test
  void usersAreListedWithoutTheirHashes() {
    api.put("/api/users/listed", "{\"password\":\"s3cret-pw\",\"tags\":[\"monitoring\",\"policymaker\"]}");
    var hash = api.node.broker().topology().users().user("listed").orElseThrow().password();
    HttpTestServer.Reply users = api.get("/api/users");
    assertThat(users.body()).doesNotContain(hash.hash()).doesNotContain(hash.salt()).doesNotContain("s3cret-pw")
        .doesNotContain("\"password_hash\"");
    JsonNode listed = api.get("/api/users/listed").json();
    assertThat(listed.get("tags").toString()).isEqualTo("[\"monitoring\",\"policymaker\"]");
    assertThat(listed.get("hashing_algorithm").asText()).isEqualTo("rabbit_password_hashing_pbkdf2_hmac_sha256");
    // The count comes from weir.security.password-hash-iterations (1000 in tests).
    assertThat(hash.iterations()).isEqualTo(1000);
    assertThat(api.put("/api/users/listed", "{\"tags\":\"management\",\"password_hash\":\"x\"}").body())
        .contains("password_hash");
    assertThat(api.put("/api/users/newcomer", "{\"tags\":\"management\"}").body()).contains("password")
        .contains("required for a new user");
  }

  @Test
  void aChangedPasswordEndsTheOldOneAtOnce() {
    api.put("/api/users/changer", "{\"password\":\"first\",\"tags\":\"management\"}");
    String first = HttpTestServer.basic("changer", "first");
    assertThat(api.send("GET", "/api/whoami", null, null, first).status()).isEqualTo(200);
    api.put("/api/users/changer", "{\"password\":\"second\",\"tags\":\"management\"}");
    assertThat(api.send("GET", "/api/whoami", null, null, first).status()).isEqualTo(401);
    assertThat(api.send("GET", "/api/whoami", null, null, HttpTestServer.basic("changer", "second")).status())
        .isEqualTo(200);
    // Tags without a password keep the password.
    api.put("/api/users/changer", "{\"tags\":\"monitoring\"}");
    JsonNode me = api.send("GET", "/api/whoami", null, null, HttpTestServer.basic("changer", "second")).json();
    assertThat(me.get("tags").toString()).isEqualTo("[\"monitoring\"]");
  }

  @Test
  void aPermissionChangeAppliesToTheNextOperationOfAnOpenConnection() {
    String q = HttpTestServer.name("live");
    api.put("/api/queues/%2F/" + q, "{}");
    api.put("/api/users/live", "{\"password\":\"pw\",\"tags\":\"\"}");
    api.put("/api/permissions/%2F/live", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
    try (WsTestClient ws = WsTestClient.connect(api, "", HttpTestServer.basic("live", "pw"))) {
      ws.openChannel(1);
      ws.ok("confirm.select", 1);
      ws.send("basic.publish", 1, "exchange", "", "routing_key", q, "payload", "a");
      assertThat(ws.next().get("method").asText()).isEqualTo("basic.ack");
      api.put("/api/permissions/%2F/live", "{\"configure\":\".*\",\"write\":\"^nothing$\",\"read\":\".*\"}");
      ws.send("basic.publish", 1, "exchange", "", "routing_key", q, "payload", "b");
      JsonNode refused = ws.next();
      assertThat(refused.get("code").asInt()).as("%s", refused).isEqualTo(403);
      assertThat(refused.get("reason").asText())
          .isEqualTo("write access to exchange '' in vhost '/' refused for user 'live'");
      assertThat(ws.next().get("method").asText()).isEqualTo("basic.nack");
    }
  }

  @Test
  void aMessageMayNameOnlyItsPublisherAsUserId() {
    String q = HttpTestServer.name("uid");
    api.put("/api/queues/%2F/" + q, "{}");
    String as = "{\"routing_key\":\"" + q + "\",\"payload\":\"x\",\"payload_encoding\":\"string\",\"properties\":"
        + "{\"user_id\":\"%s\"}}";
    assertThat(api.post("/api/exchanges/%2F/amq.default/publish", as.formatted("guest")).status()).isEqualTo(200);
    HttpTestServer.Reply other = api.post("/api/exchanges/%2F/amq.default/publish", as.formatted("mallory"));
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.json().get("reason").asText())
        .isEqualTo("properties.user_id: user_id property set to 'mallory' but authenticated user was 'guest'");
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ws.send("basic.publish", 1, "exchange", "", "routing_key", q, "payload", "x",
          "properties", java.util.Map.of("user_id", "mallory"));
      JsonNode refused = ws.next();
      assertThat(refused.get("code").asInt()).as("%s", refused).isEqualTo(406);
    }
  }

  @Test
  void guestMayLogInOnlyFromLoopback() throws Exception {
    Optional<InetAddress> external = externalAddress();
    assumeThat(external).as("a non-loopback IPv4 address on this machine").isPresent();
    HttpTestServer open = new HttpTestServer("weir.http.interface = \"0.0.0.0\"");
    open.beforeAll(null);
    try {
      open.put("/api/users/remote", "{\"password\":\"pw\",\"tags\":\"management\"}");
      URI from = URI.create("http://" + external.get().getHostAddress() + ":" + open.base.getPort());
      open.base = from;
      assertThat(open.get("/api/whoami").status()).as("guest from %s", from).isEqualTo(401);
      assertThat(open.send("GET", "/api/whoami", null, null, HttpTestServer.basic("remote", "pw")).status())
          .isEqualTo(200);
    } finally {
      open.afterAll(null);
    }
  }

  @Test
  void aNodeWithItsOwnAdminUserHasNoGuest() throws Exception {
    HttpTestServer own = new HttpTestServer("""
        weir.security.default-user = "ops"
        weir.security.default-password = "ops-secret"
        weir.metrics.require-auth = on
        """);
    own.beforeAll(null);
    try {
      assertThat(own.get("/api/whoami").status()).isEqualTo(401);
      String ops = HttpTestServer.basic("ops", "ops-secret");
      JsonNode me = own.send("GET", "/api/whoami", null, null, ops).json();
      assertThat(me.get("tags").toString()).isEqualTo("[\"administrator\"]");
      JsonNode users = own.send("GET", "/api/users", null, null, ops).json();
      assertThat(users).hasSize(1);
      assertThat(users.get(0).get("name").asText()).isEqualTo("ops");

      // weir.metrics.require-auth: a monitoring or administrator user; health stays open.
      assertThat(own.send("GET", "/metrics", null, null, null).status()).isEqualTo(401);
      own.send("PUT", "/api/users/watcher", "application/json", "{\"password\":\"pw\",\"tags\":\"monitoring\"}", ops);
      own.send("PUT", "/api/users/clerk", "application/json", "{\"password\":\"pw\",\"tags\":\"management\"}", ops);
      assertThat(own.send("GET", "/metrics", null, null, HttpTestServer.basic("watcher", "pw")).status()).isEqualTo(200);
      assertThat(own.send("GET", "/metrics", null, null, HttpTestServer.basic("clerk", "pw")).status()).isEqualTo(403);
      assertThat(own.send("GET", "/health/live", null, null, null).status()).isEqualTo(200);
    } finally {
      own.afterAll(null);
    }
  }

  private static Optional<InetAddress> externalAddress() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }
}
