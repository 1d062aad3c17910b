package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin client against a real node and HTTP server. */
class WeirAdminTest {

  @TempDir static Path dataDir;
  private static WeirTestServer server;
  private static WeirAdmin admin;

  @BeforeAll
  static void start() {
    server = WeirTestServer.start(dataDir);
    admin = WeirAdmin.builder().uri(server.uri()).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void declareBindPublishListGetAndDeleteRoundTrip() {
    String exchange = WeirTestServer.name("orders");
    String queue = WeirTestServer.name("invoices");

    assertThat(admin.exchangeDeclare("/", exchange, "topic", true, false, false, Map.of())).isTrue();
    assertThat(admin.exchangeDeclare("/", exchange, "topic")).as("redeclared equivalently").isFalse();
    QueueDeclareOk ok = admin.queueDeclare("/", queue, true, false, Map.of("x-max-length", 100));
    assertThat(ok).isEqualTo(new QueueDeclareOk(queue, true, 0, 0));
    String key = admin.queueBind("/", queue, exchange, "order.*", Map.of());
    assertThat(key).isEqualTo("order.*");

    assertThat(admin.basicPublish("/", exchange, "order.created",
        BasicProperties.builder().contentType("application/json").deliveryMode(2).headers(Map.of("n", 1)).build(),
        "{\"id\":42}".getBytes(UTF_8))).isTrue();
    assertThat(admin.basicPublish("/", exchange, "invoice.sent", null, "x".getBytes(UTF_8))).isFalse();
    byte[] binary = {0, 1, 2, (byte) 0xff};
    List<PublishResult> results = admin.publishBatch("/", "", List.of(
        new OutboundMessage(queue, BasicProperties.EMPTY, "two".getBytes(UTF_8)),
        new OutboundMessage("nobody-" + queue, null, "lost".getBytes(UTF_8)),
        new OutboundMessage(queue, null, binary)));
    assertThat(results).containsExactly(new PublishResult(true, true), new PublishResult(false, true),
        new PublishResult(true, true));

    assertThat(admin.listExchanges("/")).extracting(ExchangeInfo::name).contains("", "amq.topic", exchange);
    ExchangeInfo ex = admin.getExchange("/", exchange);
    assertThat(ex.type()).isEqualTo("topic");
    assertThat(ex.durable()).isTrue();
    QueueInfo q = admin.listQueues("/").stream().filter(i -> i.name().equals(queue)).findFirst().orElseThrow();
    assertThat(q.messages()).isEqualTo(3);
    assertThat(q.messagesReady()).isEqualTo(3);
    assertThat(q.messagesUnacknowledged()).isZero();
    assertThat(q.consumers()).isZero();
    assertThat(q.arguments()).containsEntry("x-max-length", 100);
    assertThat(admin.listBindings("/")).contains(
        new BindingInfo(exchange, "/", queue, "queue", "order.*", Map.of(), "order.*"));

    List<GetResponse> peek = admin.get("/", queue, 10, AckMode.ACK_REQUEUE_TRUE);
    assertThat(peek).hasSize(3);
    assertThat(peek.get(0).bodyAsString()).isEqualTo("{\"id\":42}");
    assertThat(peek.get(0).exchange()).isEqualTo(exchange);
    assertThat(peek.get(0).routingKey()).isEqualTo("order.created");
    assertThat(peek.get(0).properties().contentType()).isEqualTo("application/json");
    assertThat(peek.get(0).properties().deliveryMode()).isEqualTo(2);
    assertThat(peek.get(0).properties().headers()).containsEntry("n", 1);
    assertThat(peek.get(0).messageCount()).isEqualTo(2);
    assertThat(peek.get(2).body()).isEqualTo(binary);

    List<GetResponse> taken = admin.get("/", queue, 1, AckMode.ACK_REQUEUE_FALSE);
    assertThat(taken).hasSize(1);
    assertThat(taken.get(0).redelivered()).as("the peek requeued it").isTrue();
    assertThat(admin.getQueue("/", queue).messages()).isEqualTo(2);

    assertThatThrownBy(() -> admin.queueDelete("/", queue, false, true))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.status()).isEqualTo(409);
          assertThat(e.reason()).startsWith("if-empty:");
        });
    admin.queuePurge("/", queue);
    assertThat(admin.get("/", queue, 5, AckMode.ACK_REQUEUE_FALSE)).isEmpty();

    assertThat(admin.queueUnbind("/", queue, exchange, "order.*", null)).isTrue();
    assertThat(admin.queueUnbind("/", queue, exchange, "order.*", null)).isFalse();
    assertThat(admin.basicPublish("/", exchange, "order.created", null, new byte[0])).isFalse();

    admin.queueDelete("/", queue, false, true);
    admin.exchangeDelete("/", exchange, true);
    assertThat(admin.listQueues("/")).extracting(QueueInfo::name).doesNotContain(queue);
    assertThatThrownBy(() -> admin.getExchange("/", exchange))
        .isInstanceOfSatisfying(WeirClientException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  @Test
  void exchangeToExchangeBindingsRouteAndUnbindByArguments() {
    String source = WeirTestServer.name("src");
    String destination = WeirTestServer.name("dst");
    String queue = WeirTestServer.name("q");
    admin.exchangeDeclare("/", source, "fanout");
    admin.exchangeDeclare("/", destination, "fanout");
    admin.queueDeclare("/", queue, false, false, null);
    admin.exchangeBind("/", destination, source, "", Map.of("x-tag", 7L));
    admin.queueBind("/", queue, destination, "", null);

    assertThat(admin.basicPublish("/", source, "any", null, "hop".getBytes(UTF_8))).isTrue();
    assertThat(admin.listBindings("/")).anySatisfy(b -> {
      assertThat(b.source()).isEqualTo(source);
      assertThat(b.destinationType()).isEqualTo("exchange");
      assertThat(b.toQueue()).isFalse();
    });
    assertThat(admin.exchangeUnbind("/", destination, source, "", Map.of("x-tag", 8))).isFalse();
    assertThat(admin.exchangeUnbind("/", destination, source, "", Map.of("x-tag", 7))).isTrue();
    assertThat(admin.basicPublish("/", source, "any", null, "hop".getBytes(UTF_8))).isFalse();
  }

  @Test
  void redeclaringWithOtherPropertiesIsAConflictNamingTheProperty() {
    String queue = WeirTestServer.name("conflict");
    admin.queueDeclare("/", queue, true, false, Map.of());
    assertThatThrownBy(() -> admin.queueDeclare("/", queue, false, false, Map.of()))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.status()).isEqualTo(409);
          assertThat(e.error()).isEqualTo("precondition_failed");
          assertThat(e.reason()).startsWith("durable:");
          assertThat(e.getMessage()).contains("409", "precondition_failed", "durable:");
        });
  }

  @Test
  void aBadArgumentIsABadRequestNamingTheArgument() {
    assertThatThrownBy(() -> admin.queueDeclare("/", WeirTestServer.name("bad"), true, false,
        Map.of("x-max-length", "lots")))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.error()).isEqualTo("bad_request");
          assertThat(e.reason()).startsWith("arguments.x-max-length");
        });
  }

  @Test
  void reservedNamesAndMissingResourcesAreRefused() {
    assertThatThrownBy(() -> admin.exchangeDeclare("/", "amq.mine", "direct"))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.error()).isEqualTo("access_refused");
        });
    assertThatThrownBy(() -> admin.listQueues("no-such-vhost"))
        .isInstanceOfSatisfying(WeirClientException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThatThrownBy(() -> admin.basicPublish("/", "absent-exchange", "k", null, new byte[0]))
        .isInstanceOfSatisfying(WeirClientException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.error()).isEqualTo("not_found");
        });
  }

  @Test
  void aBrokerThatIsNotThereIsAConnectionExceptionNamingTheAddress() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    WeirAdmin nobody = WeirAdmin.builder().uri("http://127.0.0.1:" + port).connectTimeout(Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> nobody.listQueues("/"))
        .isInstanceOfSatisfying(WeirConnectionException.class, e -> {
          assertThat(e.status()).isZero();
          assertThat(e.getMessage()).startsWith("cannot connect to http://127.0.0.1:" + port);
        });
  }
}
