package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RpcServer answers RpcClient's calls; a failing request is dead-lettered, not retried forever. */
class RpcServerTest {

  @TempDir static Path dataDir;
  private static WeirTestServer server;

  @BeforeAll
  static void start() {
    server = WeirTestServer.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void callsAreAnsweredCastsHandledAndAFailingRequestIsDeadLettered() throws Exception {
    try (Connection c = new ConnectionFactory().setUri(server.uri()).newConnection()) {
      Channel serving = c.createChannel();
      String queue = WeirTestServer.name("rpc");
      String dead = WeirTestServer.name("rpc-dead");
      serving.queueDeclare(dead, true, false, false, null);
      serving.queueBind(dead, "amq.direct", dead);
      serving.queueDeclare(queue, true, false, false,
          Map.of("x-dead-letter-exchange", "amq.direct", "x-dead-letter-routing-key", dead));
      BlockingQueue<String> casts = new LinkedBlockingQueue<>();
      RpcServer rpc = new RpcServer(serving, queue) {
        @Override
        protected byte[] handleCall(Delivery request, BasicProperties.Builder reply) {
          String body = request.bodyAsString();
          if (body.equals("boom")) {
            throw new IllegalArgumentException("cannot handle boom");
          }
          reply.contentType("text/plain");
          return body.toUpperCase().getBytes(UTF_8);
        }

        @Override
        protected void handleCast(Delivery request) {
          casts.add(request.bodyAsString());
        }
      };
      rpc.start();

      try (RpcClient client = new RpcClient(c.createChannel(), "", queue)) {
        assertThat(new String(client.primitiveCall("hello".getBytes(UTF_8), 10_000), UTF_8)).isEqualTo("HELLO");
        assertThat(new String(client.primitiveCall("again".getBytes(UTF_8), 10_000), UTF_8)).isEqualTo("AGAIN");
        c.createChannel().basicPublish("", queue, null, "no reply wanted".getBytes(UTF_8));
        assertThat(casts.poll(10, TimeUnit.SECONDS)).isEqualTo("no reply wanted");

        c.createChannel().basicPublish("", queue, BasicProperties.builder().replyTo(client.getReplyQueue())
            .correlationId("x").build(), "boom".getBytes(UTF_8));
        // The server goes on after the failure, and the failed request is in the dead-letter queue.
        assertThat(new String(client.primitiveCall("after".getBytes(UTF_8), 10_000), UTF_8)).isEqualTo("AFTER");
        GetResponse failed = null;
        for (int i = 0; i < 100 && failed == null; i++) {
          failed = c.createChannel().basicGet(dead, true);
          if (failed == null) {
            Thread.sleep(100);
          }
        }
        assertThat(failed).as("the failed request, dead-lettered").isNotNull();
        assertThat(failed.bodyAsString()).isEqualTo("boom");
      }
      rpc.close();
      assertThat(WeirAdmin.builder().uri(server.uri()).build().getQueue("/", queue).consumers()).isZero();
    }
  }
}
