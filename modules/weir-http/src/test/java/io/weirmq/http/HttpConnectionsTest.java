package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /api/connections}, {@code /api/channels} and {@code /api/consumers} on a real node with real
 * WebSocket clients: the fields, who sees what, closing one connection with a reason (and only that one),
 * consumers coming and going, and a node's directory that does not answer.
 */
class HttpConnectionsTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("weir.http.cluster-listing-timeout = 2s");

  private static final String ANN = HttpTestServer.basic("conn-ann", "pw-ann");
  private static final String MONITOR = HttpTestServer.basic("conn-mon", "pw-mon");

  @BeforeAll
  static void users() {
    assertThat(api.put("/api/users/conn-ann", "{\"password\":\"pw-ann\",\"tags\":\"management\"}").status())
        .isEqualTo(201);
    assertThat(api.put("/api/users/conn-mon", "{\"password\":\"pw-mon\",\"tags\":\"monitoring\"}").status())
        .isEqualTo(201);
    for (String user : List.of("conn-ann", "conn-mon")) {
      assertThat(api.put("/api/permissions/%2F/" + user,
          "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}").status()).isEqualTo(201);
    }
  }

  @Test
  void connectionsAreListedWithRabbitMqsFieldsAndEachUserSeesItsOwn() {
    WsTestClient guest = WsTestClient.connect(api, "?connection_name=orders-app&product=test-client&version=1.2");
    WsTestClient ann = WsTestClient.connect(api, "", ANN);
    try {
      guest.openChannel(1);
      guest.openChannel(2);
      String guestId = guest.start.path("connection_id").asText();
      JsonNode mine = await("/api/connections", HttpTestServer.GUEST,
          c -> c.path("connection_id").asText().equals(guestId) && c.path("channels").asInt() == 2);
      assertThat(mine.path("name").asText()).matches("127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:" + api.base.getPort());
      assertThat(mine.path("name").asText()).startsWith("127.0.0.1:" + mine.path("peer_port").asInt() + " -> ");
      assertThat(mine.path("user").asText()).isEqualTo("guest");
      assertThat(mine.path("vhost").asText()).isEqualTo("/");
      assertThat(mine.path("node").asText()).startsWith("akka://weir@");
      assertThat(mine.path("peer_host").asText()).isEqualTo("127.0.0.1");
      assertThat(mine.path("host").asText()).isEqualTo("127.0.0.1");
      assertThat(mine.path("port").asInt()).isEqualTo(api.base.getPort());
      assertThat(mine.path("connected_at").asLong()).isBetween(System.currentTimeMillis() - 60_000,
          System.currentTimeMillis());
      assertThat(mine.path("state").asText()).isEqualTo("running");
      assertThat(mine.path("ssl").asBoolean()).isFalse();
      assertThat(mine.path("recv_oct").asLong()).isPositive();
      assertThat(mine.path("send_oct").asLong()).isPositive();
      assertThat(mine.path("client_properties").path("connection_name").asText()).isEqualTo("orders-app");
      assertThat(mine.path("client_properties").path("product").asText()).isEqualTo("test-client");
      assertThat(mine.path("client_properties").path("version").asText()).isEqualTo("1.2");

      // One connection by name; the name is percent-encoded in the path, as RabbitMQ's.
      HttpTestServer.Reply one = api.get("/api/connections/" + encode(mine.path("name").asText()));
      assertThat(one.status()).as("%s", one).isEqualTo(200);
      assertThat(one.json().path("connection_id").asText()).isEqualTo(guestId);
      assertThat(api.get("/api/vhosts/%2F/connections").json().findValuesAsText("connection_id")).contains(guestId);

      // A management user sees only its own connections, and may neither look at nor close another's.
      List<String> annSees = api.send("GET", "/api/connections", null, null, ANN).json().findValuesAsText("user");
      assertThat(annSees).isNotEmpty().containsOnly("conn-ann");
      assertThat(api.send("GET", "/api/connections/" + encode(mine.path("name").asText()), null, null, ANN).status())
          .isEqualTo(403);
      assertThat(api.send("DELETE", "/api/connections/" + encode(mine.path("name").asText()), null, null, ANN)
          .status()).isEqualTo(403);
      // A monitoring user sees them all.
      assertThat(api.send("GET", "/api/connections", null, null, MONITOR).json().findValuesAsText("user"))
          .contains("guest", "conn-ann");

      // Channels, in RabbitMQ's shape.
      JsonNode channels = api.get("/api/channels").json();
      List<String> names = channels.findValuesAsText("name");
      assertThat(names).contains(mine.path("name").asText() + " (1)", mine.path("name").asText() + " (2)");

      // Paging, as for queues.
      JsonNode page = api.get("/api/connections?page=1&page_size=1&sort=connected_at").json();
      assertThat(page.path("items")).hasSize(1);
      assertThat(page.path("total_count").asInt()).isGreaterThanOrEqualTo(2);
      HttpTestServer.Reply bad = api.get("/api/connections?sort=colour");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().path("reason").asText()).startsWith("sort:");
      assertThat(api.get("/api/connections/nobody%20-%3E%20nowhere").status()).isEqualTo(404);
    } finally {
      guest.close();
      ann.close();
    }
  }

  @Test
  void closingAConnectionSendsItThe320WithTheReasonAndLeavesTheOthersAlone() {
    WsTestClient victim = WsTestClient.connect(api, "", ANN);
    WsTestClient bystander = WsTestClient.connect(api, "", ANN);
    try {
      victim.openChannel(1);
      bystander.openChannel(1);
      String id = victim.start.path("connection_id").asText();
      JsonNode c = await("/api/connections", HttpTestServer.GUEST, v -> v.path("connection_id").asText().equals(id));
      // Its own user may close it (RabbitMQ's rule); the reason comes from X-Reason.
      HttpTestServer.Reply closed = api.send("DELETE", "/api/connections/" + encode(c.path("name").asText()), null,
          null, ANN, "X-Reason", "maintenance window: reconnect later");
      assertThat(closed.status()).as("%s", closed).isEqualTo(204);
      JsonNode close = victim.expectClosedBy(320);
      assertThat(close.path("reason").asText()).isEqualTo("maintenance window: reconnect later");
      // The other connection of the same user carries on.
      bystander.ok("basic.qos", 1, "prefetch_count", 5);
      awaitGone("/api/connections", v -> v.path("connection_id").asText().equals(id));
    } finally {
      victim.close();
      bystander.close();
    }
  }

  @Test
  void anAdministratorClosesAnotherUsersConnectionWithRabbitMqsDefaultReason() {
    WsTestClient victim = WsTestClient.connect(api, "", ANN);
    try {
      String id = victim.start.path("connection_id").asText();
      JsonNode c = await("/api/connections", HttpTestServer.GUEST, v -> v.path("connection_id").asText().equals(id));
      assertThat(api.delete("/api/connections/" + encode(c.path("name").asText())).status()).isEqualTo(204);
      assertThat(victim.expectClosedBy(320).path("reason").asText()).isEqualTo("Closed via management plugin");
    } finally {
      victim.close();
    }
  }

  @Test
  void consumersAreListedUntilCancelledAndSingleActiveConsumerSaysWhichIsActive() {
    String q = HttpTestServer.name("conn-q");
    String sac = HttpTestServer.name("conn-sac");
    assertThat(api.put("/api/queues/%2F/" + q, "{}").status()).isEqualTo(201);
    assertThat(api.put("/api/queues/%2F/" + sac, "{\"arguments\":{\"x-single-active-consumer\":true}}").status())
        .isEqualTo(201);
    WsTestClient ws = WsTestClient.connect(api, "", ANN);
    try {
      ws.openChannel(1);
      ws.ok("basic.qos", 1, "prefetch_count", 7);
      ws.ok("basic.consume", 1, "queue", q, "consumer_tag", "c-plain", "auto_ack", false);
      ws.ok("basic.consume", 1, "queue", sac, "consumer_tag", "c-first");
      ws.ok("basic.consume", 1, "queue", sac, "consumer_tag", "c-second", "auto_ack", true);

      JsonNode plain = await("/api/consumers", ANN, v -> v.path("consumer_tag").asText().equals("c-plain"));
      assertThat(plain.path("queue").path("name").asText()).isEqualTo(q);
      assertThat(plain.path("queue").path("vhost").asText()).isEqualTo("/");
      assertThat(plain.path("ack_required").asBoolean()).isTrue();
      assertThat(plain.path("prefetch_count").asInt()).isEqualTo(7);
      assertThat(plain.path("exclusive").asBoolean()).isFalse();
      assertThat(plain.path("active").asBoolean()).isTrue();
      JsonNode channel = plain.path("channel_details");
      assertThat(channel.path("number").asInt()).isEqualTo(1);
      assertThat(channel.path("user").asText()).isEqualTo("conn-ann");
      assertThat(channel.path("peer_host").asText()).isEqualTo("127.0.0.1");
      assertThat(channel.path("node").asText()).startsWith("akka://weir@");
      assertThat(channel.path("connection_name").asText()).endsWith(":" + api.base.getPort());

      JsonNode first = await("/api/consumers/%2F", ANN, v -> v.path("consumer_tag").asText().equals("c-first"));
      JsonNode second = await("/api/consumers/%2F", ANN, v -> v.path("consumer_tag").asText().equals("c-second"));
      assertThat(first.path("active").asBoolean()).isTrue();
      assertThat(first.path("activity_status").asText()).isEqualTo("single_active");
      assertThat(second.path("active").asBoolean()).isFalse();
      assertThat(second.path("activity_status").asText()).isEqualTo("waiting");
      assertThat(second.path("ack_required").asBoolean()).isFalse();

      // Another management user does not see them; a monitoring user does.
      assertThat(api.get("/api/consumers").json().findValuesAsText("consumer_tag")).contains("c-plain");
      assertThat(api.send("GET", "/api/consumers", null, null, MONITOR).json().findValuesAsText("consumer_tag"))
          .contains("c-plain");

      ws.ok("basic.cancel", 1, "consumer_tag", "c-plain");
      awaitGone("/api/consumers", v -> v.path("consumer_tag").asText().equals("c-plain"));
      assertThat(api.get("/api/consumers/nope").status()).isEqualTo(404);
    } finally {
      ws.close();
    }
  }

  @Test
  void aDirectoryThatDoesNotAnswerIsNamedInAHeaderAndTheOthersStillAnswer() throws Exception {
    WsTestClient ws = WsTestClient.connect(api);
    ActorRef<ConnectionDirectory.Command> silent = api.node.system().systemActorOf(
        Behaviors.<ConnectionDirectory.Command>setup(ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(ConnectionDirectory.KEY, ctx.getSelf()));
          return Behaviors.ignore();
        }), "silent-directory", Props.empty());
    try {
      String id = ws.start.path("connection_id").asText();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      HttpTestServer.Reply r;
      do {
        r = api.get("/api/connections");
      } while (r.header(ConnectionRoutes.UNANSWERED) == null && System.nanoTime() < deadline);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header(ConnectionRoutes.UNANSWERED)).startsWith("akka://weir@");
      assertThat(r.json().findValuesAsText("connection_id")).contains(id);
    } finally {
      api.node.system().systemActorOf(Behaviors.setup(ctx -> {
        ctx.stop(silent);
        return Behaviors.stopped();
      }), "stop-silent", Props.empty());
      ws.close();
    }
  }

  @Test
  void aClientPropertyLongerThanTheLimitIsRefusedNamingIt() {
    String longName = "x".repeat(300);
    var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
        () -> WsTestClient.connect(api, "?connection_name=" + longName));
    assertThat(e.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
    assertThat(((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(400);
  }

  @Test
  void theDirectorysMessagesCrossNodesInCbor() throws Exception {
    var serialization = akka.serialization.SerializationExtension.get(api.node.system());
    ConnectionSnapshot snapshot = new ConnectionSnapshot("10.0.0.1:5000 -> 10.0.0.2:15672", "ws-1",
        "akka://weir@10.0.0.2:25520", "/", "ann", "10.0.0.1", 5000, "10.0.0.2", 15672, 1234L, true,
        java.util.Map.of("product", "p"), "running", 10, 20, List.of(new ConnectionSnapshot.Channel(1, 5, true,
            List.of(new ConnectionSnapshot.Consumer("c1", "q", true, false, 5)))));
    akka.actor.typed.ActorRef<ConnectionDirectory.Listing> listingTo =
        akka.actor.typed.ActorRefResolver.get(api.node.system()).resolveActorRef("akka://weir/deadLetters");
    for (Object message : List.of(new ConnectionDirectory.Listing("akka://weir@10.0.0.2:25520", List.of(snapshot)),
        new ConnectionDirectory.ListConnections(listingTo),
        new ConnectionDirectory.Close("n", "why", akka.actor.typed.ActorRefResolver.get(api.node.system())
            .resolveActorRef("akka://weir/deadLetters")),
        new ConnectionDirectory.Closed("akka://weir@10.0.0.2:25520", 1))) {
      akka.serialization.Serializer serializer = serialization.findSerializerFor(message);
      assertThat(serializer.identifier()).as("%s goes as CBOR, not Java serialization", message)
          .isEqualTo(serialization.serializerFor(io.weirmq.node.serialization.CborSerializable.class).identifier());
      byte[] bytes = serialization.serialize(message).get();
      String manifest = akka.serialization.Serializers.manifestFor(serializer, message);
      Object back = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
      assertThat(back).isEqualTo(message);
    }
  }

  /** Polls a listing until an item matches (a connection's channels are published as they open). */
  private static JsonNode await(String path, String auth, Predicate<JsonNode> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    List<JsonNode> last = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      HttpTestServer.Reply r = api.send("GET", path, null, null, auth);
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      last.clear();
      r.json().forEach(last::add);
      for (JsonNode item : last) {
        if (match.test(item)) {
          return item;
        }
      }
      sleep();
    }
    throw new AssertionError("nothing matched in " + path + ": " + last);
  }

  private static void awaitGone(String path, Predicate<JsonNode> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      boolean present = false;
      for (JsonNode item : api.get(path).json()) {
        present |= match.test(item);
      }
      if (!present) {
        return;
      }
      sleep();
    }
    throw new AssertionError("still listed in " + path);
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
