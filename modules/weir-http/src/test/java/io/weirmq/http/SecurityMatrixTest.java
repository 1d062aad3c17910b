package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every REST endpoint and WebSocket method × every kind of user × a resource it may and may not
 * touch → 2xx (or the WebSocket reply), 401, or 403. What each endpoint needs comes from the table
 * in docs/security.md; this class only knows how to call each one. An endpoint in the table
 * without a request here, a request here without a row there, or a WebSocket method of
 * docs/protocol.md missing from the table, fails {@link #theTableCoversEveryEndpointAndMethod}.
 */
class SecurityMatrixTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("""
      weir.security.login-throttle.base-delay = 1ms
      weir.security.login-throttle.max-delay = 4ms
      # The connections the fixture holds open for /api/connections stay open however long the test runs.
      weir.http.websocket.heartbeat = 600s
      """);

  private static final Path DOCS = findDocs();

  /** Who asks: credentials, tags (null: not logged in), and the one permission pattern on "/" (null: none). */
  record Who(String label, String user, String password, List<String> tags, String pattern) {
    String authorization() {
      return user == null ? null : HttpTestServer.basic(user, password);
    }

    boolean loggedIn() {
      return tags != null;
    }

    boolean management() {
      return tags.stream().anyMatch(t -> Set.of("administrator", "monitoring", "policymaker", "management").contains(t));
    }

    boolean monitor() {
      return tags.contains("administrator") || tags.contains("monitoring");
    }

    boolean admin() {
      return tags.contains("administrator");
    }

    boolean allows(String name) {
      return pattern != null && Pattern.compile(pattern).matcher(name).find();
    }
  }

  private static final List<Who> WHO = List.of(
      new Who("anonymous", null, null, null, null),
      new Who("wrong password", "sec-admin", "not-it", null, null),
      new Who("administrator", "sec-admin", "pw-admin", List.of("administrator"), ".*"),
      new Who("monitoring", "sec-monitor", "pw-monitor", List.of("monitoring"), ".*"),
      new Who("management", "sec-mgmt", "pw-mgmt", List.of("management"), ".*"),
      new Who("policymaker", "sec-policy", "pw-policy", List.of("policymaker"), ".*"),
      new Who("policymaker without permissions", "sec-policy-noperm", "pw-policy", List.of("policymaker"), null),
      new Who("management, own- only", "sec-own", "pw-own", List.of("management"), "^own-"),
      new Who("no tags", "sec-notag", "pw-notag", List.of(), ".*"),
      new Who("no permissions", "sec-noperm", "pw-noperm", List.of("management"), null));

  /** Resource name prefixes: one the restricted user may touch, one it may not. */
  private static final List<String> PREFIXES = List.of("own-", "sec-");

  @BeforeAll
  static void users() {
    for (Who w : WHO) {
      if (!w.loggedIn()) {
        continue;
      }
      assertThat(api.put("/api/users/" + w.user(), "{\"password\":\"" + w.password() + "\",\"tags\":\""
          + String.join(",", w.tags()) + "\"}").status()).isEqualTo(201);
      if (w.pattern() != null) {
        String p = w.pattern().replace("\\", "\\\\");
        assertThat(api.put("/api/permissions/%2F/" + w.user(), "{\"configure\":\"" + p + "\",\"write\":\"" + p
            + "\",\"read\":\"" + p + "\"}").status()).isEqualTo(201);
      }
    }
  }

  // ------------------------------------------------------------------ the requests

  /** How to call one REST endpoint on resources named with a prefix. */
  record Rest(String method, String path, String body) {}

  /** REST endpoints as docs/security.md writes them → the request for a prefix. */
  private static Map<String, java.util.function.Function<String, Rest>> restRequests() {
    Map<String, java.util.function.Function<String, Rest>> r = new LinkedHashMap<>();
    String publish = "{\"routing_key\":\"k\",\"payload\":\"hi\",\"payload_encoding\":\"string\",\"properties\":{}}";
    r.put("GET /api/whoami", p -> new Rest("GET", "/api/whoami", null));
    r.put("GET /api/exchanges", p -> new Rest("GET", "/api/exchanges", null));
    r.put("GET /api/exchanges/{vhost}", p -> new Rest("GET", "/api/exchanges/%2F", null));
    r.put("GET /api/exchanges/{vhost}/{name}", p -> new Rest("GET", "/api/exchanges/%2F/" + p + "x", null));
    r.put("PUT /api/exchanges/{vhost}/{name}", p -> new Rest("PUT", "/api/exchanges/%2F/" + p + "x", "{\"type\":\"direct\"}"));
    r.put("DELETE /api/exchanges/{vhost}/{name}", p -> new Rest("DELETE", "/api/exchanges/%2F/" + p + "x", null));
    r.put("POST /api/exchanges/{vhost}/{name}/publish", p -> new Rest("POST", "/api/exchanges/%2F/" + p + "x/publish", publish));
    r.put("POST /api/exchanges/{vhost}/{name}/publish-batch",
        p -> new Rest("POST", "/api/exchanges/%2F/" + p + "x/publish-batch", "{\"messages\":[" + publish + "]}"));
    r.put("GET /api/nodes", p -> new Rest("GET", "/api/nodes", null));
    r.put("GET /api/nodes/{name}", p -> new Rest("GET", "/api/nodes/" + java.net.URLEncoder.encode(
        akka.cluster.typed.Cluster.get(api.node.system()).selfMember().address().toString(),
        java.nio.charset.StandardCharsets.UTF_8), null));
    r.put("GET /api/queues", p -> new Rest("GET", "/api/queues", null));
    r.put("GET /api/queues/{vhost}", p -> new Rest("GET", "/api/queues/%2F", null));
    r.put("GET /api/queues/{vhost}/{name}", p -> new Rest("GET", "/api/queues/%2F/" + p + "q", null));
    r.put("PUT /api/queues/{vhost}/{name}", p -> new Rest("PUT", "/api/queues/%2F/" + p + "q", "{}"));
    r.put("DELETE /api/queues/{vhost}/{name}", p -> new Rest("DELETE", "/api/queues/%2F/" + p + "q", null));
    r.put("DELETE /api/queues/{vhost}/{name}/contents", p -> new Rest("DELETE", "/api/queues/%2F/" + p + "q/contents", null));
    r.put("POST /api/queues/{vhost}/{name}/get", p -> new Rest("POST", "/api/queues/%2F/" + p + "q/get",
        "{\"count\":1,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}"));
    r.put("GET /api/bindings", p -> new Rest("GET", "/api/bindings", null));
    r.put("GET /api/bindings/{vhost}", p -> new Rest("GET", "/api/bindings/%2F", null));
    for (String kind : List.of("q", "e")) {
      String dest = kind.equals("q") ? "q" : "x2";
      String base = "/api/bindings/{vhost}/e/{source}/" + kind + "/{destination}";
      r.put("GET " + base, p -> new Rest("GET", "/api/bindings/%2F/e/" + p + "x/" + kind + "/" + p + dest, null));
      r.put("POST " + base, p -> new Rest("POST", "/api/bindings/%2F/e/" + p + "x/" + kind + "/" + p + dest,
          "{\"routing_key\":\"k\"}"));
      r.put("GET " + base + "/{props}", p -> new Rest("GET", "/api/bindings/%2F/e/" + p + "x/" + kind + "/" + p + dest + "/k", null));
      r.put("DELETE " + base + "/{props}",
          p -> new Rest("DELETE", "/api/bindings/%2F/e/" + p + "x/" + kind + "/" + p + dest + "/k", null));
    }
    r.put("GET /api/users", p -> new Rest("GET", "/api/users", null));
    r.put("GET /api/users/{name}", p -> new Rest("GET", "/api/users/sec-tmp", null));
    r.put("PUT /api/users/{name}", p -> new Rest("PUT", "/api/users/sec-tmp", "{\"password\":\"pw-tmp\",\"tags\":[\"management\"]}"));
    r.put("DELETE /api/users/{name}", p -> new Rest("DELETE", "/api/users/sec-tmp", null));
    r.put("GET /api/users/{name}/permissions", p -> new Rest("GET", "/api/users/sec-tmp/permissions", null));
    r.put("GET /api/permissions", p -> new Rest("GET", "/api/permissions", null));
    r.put("GET /api/permissions/{vhost}/{user}", p -> new Rest("GET", "/api/permissions/%2F/sec-tmp", null));
    r.put("PUT /api/permissions/{vhost}/{user}", p -> new Rest("PUT", "/api/permissions/%2F/sec-tmp",
        "{\"configure\":\"\",\"write\":\".*\",\"read\":\".*\"}"));
    r.put("DELETE /api/permissions/{vhost}/{user}", p -> new Rest("DELETE", "/api/permissions/%2F/sec-tmp", null));
    String policy = "{\"pattern\":\"^" + "unmatched$\",\"definition\":{\"max-length\":1000}}";
    r.put("GET /api/policies", p -> new Rest("GET", "/api/policies", null));
    r.put("GET /api/policies/{vhost}", p -> new Rest("GET", "/api/policies/%2F", null));
    r.put("GET /api/policies/{vhost}/{name}", p -> new Rest("GET", "/api/policies/%2F/" + p + "pol", null));
    r.put("PUT /api/policies/{vhost}/{name}", p -> new Rest("PUT", "/api/policies/%2F/" + p + "pol", policy));
    r.put("DELETE /api/policies/{vhost}/{name}", p -> new Rest("DELETE", "/api/policies/%2F/" + p + "pol", null));
    r.put("GET /api/vhosts", p -> new Rest("GET", "/api/vhosts", null));
    r.put("GET /api/vhosts/{vhost}", p -> new Rest("GET", "/api/vhosts/%2F", null));
    r.put("PUT /api/vhosts/{vhost}", p -> new Rest("PUT", "/api/vhosts/sec-vh", null));
    r.put("DELETE /api/vhosts/{vhost}", p -> new Rest("DELETE", "/api/vhosts/sec-vh", null));
    r.put("GET /api/vhosts/{vhost}/permissions", p -> new Rest("GET", "/api/vhosts/%2F/permissions", null));
    r.put("GET /api/overview", p -> new Rest("GET", "/api/overview", null));
    r.put("GET /api/connections", p -> new Rest("GET", "/api/connections", null));
    r.put("GET /api/vhosts/{vhost}/connections", p -> new Rest("GET", "/api/vhosts/%2F/connections", null));
    r.put("GET /api/connections/{name}", p -> new Rest("GET", "/api/connections/" + connectionName(p), null));
    r.put("DELETE /api/connections/{name}", p -> new Rest("DELETE", "/api/connections/" + connectionName(p), null));
    r.put("GET /api/channels", p -> new Rest("GET", "/api/channels", null));
    r.put("GET /api/consumers", p -> new Rest("GET", "/api/consumers", null));
    r.put("GET /api/consumers/{vhost}", p -> new Rest("GET", "/api/consumers/%2F", null));
    r.put("GET /api/definitions", p -> new Rest("GET", "/api/definitions", null));
    // Imports of what the fixture already declared: allowed ones change nothing, so cases stay independent.
    r.put("POST /api/definitions", p -> new Rest("POST", "/api/definitions",
        "{\"queues\":[{\"name\":\"" + p + "q\",\"vhost\":\"/\"}]}"));
    r.put("GET /api/definitions/{vhost}", p -> new Rest("GET", "/api/definitions/%2F", null));
    r.put("POST /api/definitions/{vhost}", p -> new Rest("POST", "/api/definitions/%2F",
        "{\"queues\":[{\"name\":\"" + p + "q\"}]}"));
    r.put("GET /", p -> new Rest("GET", "/", null));
    r.put("GET /metrics", p -> new Rest("GET", "/metrics", null));
    r.put("GET /health/live", p -> new Rest("GET", "/health/live", null));
    r.put("GET /health/ready", p -> new Rest("GET", "/health/ready", null));
    return r;
  }

  /** What every case starts from, made (as guest) again after a case deleted something. */
  private static void fixture(String p) {
    ok(api.put("/api/exchanges/%2F/" + p + "x", "{\"type\":\"direct\"}"));
    ok(api.put("/api/exchanges/%2F/" + p + "x2", "{\"type\":\"direct\"}"));
    ok(api.put("/api/queues/%2F/" + p + "q", "{}"));
    ok(api.post("/api/bindings/%2F/e/" + p + "x/q/" + p + "q", "{\"routing_key\":\"k\"}"));
    ok(api.post("/api/bindings/%2F/e/" + p + "x/e/" + p + "x2", "{\"routing_key\":\"k\"}"));
    ok(api.post("/api/exchanges/%2F/amq.default/publish",
        "{\"routing_key\":\"" + p + "q\",\"payload\":\"m\",\"payload_encoding\":\"string\",\"properties\":{}}"));
    ok(api.put("/api/users/sec-tmp", "{\"password\":\"pw-tmp\",\"tags\":\"\"}"));
    ok(api.put("/api/permissions/%2F/sec-tmp", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}"));
    ok(api.send("PUT", "/api/vhosts/sec-vh", null, null));
    ok(api.put("/api/policies/%2F/" + p + "pol", "{\"pattern\":\"^unmatched$\",\"definition\":{\"max-length\":1000}}"));
    openConnection(p);
  }

  /**
   * Each prefix has an open WebSocket connection of its own user: the restricted user's for
   * {@code own-}, the administrator's for {@code sec-}; a case that closed it gets a new one.
   */
  private static final Map<String, WsTestClient> CONNECTIONS = new java.util.HashMap<>();
  private static final Map<String, String> CONNECTION_NAMES = new java.util.HashMap<>();

  private static String owner(String p) {
    return p.equals("own-") ? "sec-own" : "sec-admin";
  }

  private static void openConnection(String p) {
    WsTestClient open = CONNECTIONS.get(p);
    if (open != null && !open.closed.isDone()) {
      return;
    }
    Who who = WHO.stream().filter(w -> owner(p).equals(w.user()) && w.loggedIn()).findFirst().orElseThrow();
    WsTestClient ws = WsTestClient.connect(api, "", who.authorization());
    String id = ws.start.path("connection_id").asText();
    CONNECTIONS.put(p, ws);
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (JsonNode c : api.get("/api/connections").json()) {
        if (c.path("connection_id").asText().equals(id)) {
          CONNECTION_NAMES.put(p, java.net.URLEncoder.encode(c.path("name").asText(),
              java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
          return;
        }
      }
    }
    throw new AssertionError("connection " + id + " not listed");
  }

  private static String connectionName(String p) {
    return CONNECTION_NAMES.get(p);
  }

  private static void ok(HttpTestServer.Reply r) {
    assertThat(r.status()).as("fixture: %s", r.body()).isBetween(200, 299);
  }

  /**
   * One WebSocket method, tried on a fresh connection with channel 1 open in confirm mode: answers
   * the reply frame (an ok, a confirm, or an error).
   */
  private static Map<String, java.util.function.BiFunction<WsTestClient, String, JsonNode>> wsRequests() {
    Map<String, java.util.function.BiFunction<WsTestClient, String, JsonNode>> r = new LinkedHashMap<>();
    r.put("heartbeat", (ws, p) -> {
      ws.sendText("{\"method\":\"heartbeat\"}");
      return ws.call("basic.qos", 1, "prefetch_count", 1); // the connection and channel are still fine
    });
    r.put("connection.close", (ws, p) -> ws.call("connection.close", 0, "code", 200, "reason", "bye"));
    r.put("channel.open", (ws, p) -> ws.call("channel.open", 2));
    r.put("channel.close", (ws, p) -> ws.call("channel.close", 1));
    r.put("confirm.select", (ws, p) -> ws.call("confirm.select", 1));
    r.put("basic.qos", (ws, p) -> ws.call("basic.qos", 1, "prefetch_count", 10));
    r.put("exchange.declare", (ws, p) -> ws.call("exchange.declare", 1, "name", p + "x", "type", "direct"));
    r.put("exchange.delete", (ws, p) -> ws.call("exchange.delete", 1, "name", p + "x"));
    r.put("queue.declare", (ws, p) -> ws.call("queue.declare", 1, "name", p + "q"));
    r.put("queue.delete", (ws, p) -> ws.call("queue.delete", 1, "name", p + "q"));
    r.put("queue.purge", (ws, p) -> ws.call("queue.purge", 1, "name", p + "q"));
    r.put("queue.bind", (ws, p) -> ws.call("queue.bind", 1, "queue", p + "q", "exchange", p + "x", "routing_key", "k2"));
    r.put("queue.unbind", (ws, p) -> ws.call("queue.unbind", 1, "queue", p + "q", "exchange", p + "x", "routing_key", "k"));
    r.put("exchange.bind", (ws, p) -> ws.call("exchange.bind", 1, "destination", p + "x2", "source", p + "x",
        "routing_key", "k2"));
    r.put("exchange.unbind", (ws, p) -> ws.call("exchange.unbind", 1, "destination", p + "x2", "source", p + "x",
        "routing_key", "k"));
    r.put("basic.publish", (ws, p) -> {
      ws.send("basic.publish", 1, "exchange", p + "x", "routing_key", "k", "payload", "hi");
      return ws.next(); // basic.ack (confirm) or an error
    });
    r.put("basic.consume", (ws, p) -> ws.call("basic.consume", 1, "queue", p + "q", "consumer_tag", "c1"));
    r.put("basic.get", (ws, p) -> ws.call("basic.get", 1, "queue", p + "q", "auto_ack", true));
    r.put("basic.cancel", (ws, p) -> ws.call("basic.cancel", 1, "consumer_tag", "nobody"));
    // Settling needs a delivery: got from own-q, which every user that can connect may read.
    for (String settle : List.of("basic.ack", "basic.nack", "basic.reject")) {
      r.put(settle, (ws, p) -> {
        ok(api.post("/api/exchanges/%2F/amq.default/publish",
            "{\"routing_key\":\"own-q\",\"payload\":\"m\",\"payload_encoding\":\"string\",\"properties\":{}}"));
        JsonNode got = ws.call("basic.get", 1, "queue", "own-q");
        assertThat(got.path("method").asText()).as("%s", got).isEqualTo("basic.get-ok");
        long tag = got.path("delivery_tag").asLong();
        ws.send(settle, 1, "delivery_tag", tag);
        return ws.call("basic.qos", 1, "prefetch_count", 1); // no error came in between
      });
    }
    return r;
  }

  // ------------------------------------------------------------------ the expectations

  /** docs/security.md's table: endpoint or method → what it needs. */
  private static Map<String, String> table() throws Exception {
    Map<String, String> rows = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^\\| `([^`]+)` \\| ([a-z ]+) \\|$").matcher(Files.readString(DOCS.resolve("security.md")));
    while (m.find()) {
      rows.put(m.group(1), m.group(2).trim());
    }
    return rows;
  }

  /** The expected status: 200 (any success), 401 or 403. */
  private static int expected(Who w, String need, String p, boolean rest) {
    if (need.equals("nothing")) {
      return 200;
    }
    if (!w.loggedIn()) {
      return 401;
    }
    boolean onVhost = w.pattern() != null;
    if (!rest) {
      // The WebSocket protocol needs no tag, only permissions on the vhost.
      if (!onVhost) {
        return 403;
      }
    } else if (!w.management()) {
      return 403;
    }
    boolean allowed = switch (need) {
      case "connect" -> onVhost;
      case "management" -> true;
      case "own connection" -> w.monitor() || owner(p).equals(w.user());
      case "close connection" -> w.admin() || owner(p).equals(w.user());
      case "vhost" -> w.monitor() || onVhost;
      case "administrator" -> w.admin();
      // RabbitMQ's policymaker: the tag, and permissions on the vhost (administrators manage every vhost's).
      case "policymaker tag" -> w.admin() || w.tags().contains("policymaker");
      case "policymaker" -> w.admin() || (w.tags().contains("policymaker") && onVhost);
      case "monitoring" -> w.monitor();
      case "configure exchange", "write exchange", "configure queue", "read queue", "bind queue", "bind exchange" ->
          w.allows(p + "x");
      default -> throw new AssertionError("docs/security.md: unknown need '" + need + "'");
    };
    return allowed ? 200 : 403;
  }

  // ------------------------------------------------------------------ the tests

  @Test
  void theTableCoversEveryEndpointAndMethod() throws Exception {
    Map<String, String> table = table();
    Set<String> known = new LinkedHashSet<>(restRequests().keySet());
    known.add("GET /ws");
    known.addAll(wsRequests().keySet());
    assertThat(table.keySet()).as("rows of docs/security.md vs requests in this test").containsExactlyInAnyOrderElementsOf(known);
    // Every client method of the WebSocket protocol's reference has a row.
    String protocol = Files.readString(DOCS.resolve("protocol.md"));
    String clientMethods = protocol.substring(protocol.indexOf("### Client → server"), protocol.indexOf("### Server → client"));
    Matcher m = Pattern.compile("(?m)^\\| ((?:`[a-z.]+`(?: / )?)+) \\|").matcher(clientMethods);
    Set<String> documented = new LinkedHashSet<>();
    while (m.find()) {
      for (String method : m.group(1).split(" / ")) {
        documented.add(method.replace("`", ""));
      }
    }
    assertThat(documented).hasSizeGreaterThan(15);
    assertThat(table.keySet()).containsAll(documented);
  }

  @Test
  void everyRestEndpointAnswersEveryUserAsTheTableSays() throws Exception {
    Map<String, String> table = table();
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (String p : PREFIXES) {
      fixture(p);
      for (var row : restRequests().entrySet()) {
        String need = table.get(row.getKey());
        assertThat(need).as("docs/security.md has no row for %s", row.getKey()).isNotNull();
        for (Who w : WHO) {
          Rest req = row.getValue().apply(p);
          HttpTestServer.Reply r = api.send(req.method(), req.path(), req.body() == null ? null : "application/json",
              req.body(), w.authorization());
          int want = expected(w, need, p, true);
          int got = r.status() / 100 == 2 ? 200 : r.status();
          cases++;
          if (got != want) {
            failures.add(row.getKey() + " [" + p + "] as " + w.label() + ": expected " + want + ", got " + r.status()
                + " " + r.body());
          }
          if (want == 401) {
            assertThat(r.response().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                h -> assertThat(h).startsWith("Basic realm=\"WeirMQ\""));
          }
          if (r.status() / 100 == 2 && req.method().equals("DELETE")) {
            if (row.getKey().startsWith("DELETE /api/connections")) {
              CONNECTIONS.get(p).expectClosedBy(320);
            }
            fixture(p);
          }
        }
      }
    }
    assertThat(failures).as("of %d cases", cases).isEmpty();
  }

  @Test
  void everyWebSocketMethodAnswersEveryUserAsTheTableSays() throws Exception {
    Map<String, String> table = table();
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (String p : PREFIXES) {
      fixture(p);
      fixture("own-");
      for (Who w : WHO) {
        int upgrade = expected(w, table.get("GET /ws"), p, false);
        int gotUpgrade = upgradeStatus(w);
        cases++;
        if (gotUpgrade != upgrade) {
          failures.add("GET /ws as " + w.label() + ": expected " + upgrade + ", got " + gotUpgrade);
        }
        if (upgrade != 200) {
          continue;
        }
        for (var row : wsRequests().entrySet()) {
          int want = expected(w, table.get(row.getKey()), p, false);
          WsTestClient ws = WsTestClient.connect(api, "", w.authorization());
          try {
            ws.openChannel(1);
            ws.ok("confirm.select", 1);
            JsonNode reply = row.getValue().apply(ws, p);
            String method = reply.path("method").asText();
            int got = method.equals("error") ? reply.path("code").asInt() : 200;
            cases++;
            if (got != want) {
              failures.add(row.getKey() + " [" + p + "] as " + w.label() + ": expected " + want + ", got " + reply);
            }
            if (got == 200 && (row.getKey().endsWith(".delete") || row.getKey().endsWith(".unbind"))) {
              fixture(p);
            }
          } finally {
            ws.close();
          }
        }
      }
    }
    assertThat(failures).as("of %d cases", cases).isEmpty();
  }

  /** 200 when the upgrade succeeds, else the HTTP status it was refused with. */
  private static int upgradeStatus(Who w) {
    try {
      WsTestClient.connect(api, "", w.authorization()).close();
      return 200;
    } catch (CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        return h.getResponse().statusCode();
      }
      throw e;
    }
  }

  private static Path findDocs() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the repository's docs/ directory above the working directory").isNotNull();
    return dir.resolve("docs");
  }
}
