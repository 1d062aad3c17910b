package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static io.weirmq.http.Scrape.queue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /metrics} on a real node, read as Prometheus reads it, while clients publish and consume. */
class HttpMetricsTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  private static final String READY = "weirmq_queue_messages_ready";
  private static final String UNACKED = "weirmq_queue_messages_unacked";
  private static final String CONSUMERS = "weirmq_queue_consumers";
  private static final String PUBLISHED = "weirmq_queue_messages_published_total";
  private static final String DELIVERED = "weirmq_queue_messages_delivered_total";
  private static final String REDELIVERED = "weirmq_queue_messages_redelivered_total";
  private static final String ACKED = "weirmq_queue_messages_acked_total";
  private static final String DEAD_LETTERED = "weirmq_queue_messages_dead_lettered_total";

  /**
   * Scrapes until {@code check} holds: settlements reach the queue after the client sent them, and a
   * scrape reads the queue's counts a moment before its counters, so one scrape can see an ack in
   * the counter but not yet in the gauge.
   */
  private static Scrape awaitScrape(Predicate<Scrape> check) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    Scrape s = Scrape.of(api);
    while (!check.test(s) && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
      s = Scrape.of(api);
    }
    assertThat(check).as("scrape:\n%s", s.text).accepts(s);
    return s;
  }

  private static void declare(String q, String body) {
    assertThat(api.put("/api/queues/%2F/" + q, body).status()).isEqualTo(201);
  }

  @Test
  void queueSeriesFollowPublishConsumeAckAndRequeueOverWebSocket() {
    String q = name("mq");
    declare(q, "{\"durable\":true}");
    Scrape before = Scrape.of(api);
    assertThat(before.value(queue(READY, q))).isZero();
    assertThat(before.value(queue(PUBLISHED, q))).isZero();
    assertThat(before.value(queue(CONSUMERS, q))).isZero();

    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ws.ok("confirm.select", 1);
      for (int i = 1; i <= 3; i++) {
        WsProtocolTest.publish(ws, 1, q, "m" + i);
      }
      for (int i = 1; i <= 3; i++) {
        ws.expect("basic.ack");
      }
      Scrape published = Scrape.of(api);
      assertThat(published.value(queue(READY, q))).isEqualTo(3);
      assertThat(published.value(queue(UNACKED, q))).isZero();
      assertThat(published.value(queue(PUBLISHED, q))).isEqualTo(3);
      assertThat(published.plain("weirmq_publish_confirm_duration_seconds_count"))
          .isGreaterThan(before.plain("weirmq_publish_confirm_duration_seconds_count"));
      assertThat(published.plain("weirmq_journal_write_duration_seconds_count"))
          .isGreaterThan(before.plain("weirmq_journal_write_duration_seconds_count"));
      assertThat(published.plain("weirmq_connections")).isGreaterThanOrEqualTo(1);
      assertThat(published.plain("weirmq_channels")).isGreaterThanOrEqualTo(1);

      ws.ok("basic.consume", 1, "queue", q, "consumer_tag", "c1");
      long[] tags = new long[3];
      for (int i = 0; i < 3; i++) {
        tags[i] = ws.expect("basic.deliver").get("delivery_tag").asLong();
      }
      Scrape consuming = Scrape.of(api);
      assertThat(consuming.value(queue(READY, q))).isZero();
      assertThat(consuming.value(queue(UNACKED, q))).isEqualTo(3);
      assertThat(consuming.value(queue(CONSUMERS, q))).isEqualTo(1);
      assertThat(consuming.value(queue(DELIVERED, q))).isEqualTo(3);
      assertThat(consuming.value(queue(ACKED, q))).isZero();

      ws.send("basic.ack", 1, "delivery_tag", tags[1], "multiple", true);
      Scrape acked = awaitScrape(s -> s.value(queue(ACKED, q)) == 2 && s.value(queue(UNACKED, q)) == 1);
      assertThat(acked.value(queue(READY, q))).isZero();

      ws.send("basic.nack", 1, "delivery_tag", tags[2], "requeue", true);
      JsonNode again = ws.expect("basic.deliver");
      assertThat(again.get("redelivered").asBoolean()).isTrue();
      Scrape redelivered = awaitScrape(s -> s.value(queue(REDELIVERED, q)) == 1 && s.value(queue(UNACKED, q)) == 1);
      assertThat(redelivered.value(queue(DELIVERED, q))).isEqualTo(4);
      assertThat(redelivered.value(queue(ACKED, q))).isEqualTo(2);

      ws.send("basic.ack", 1, "delivery_tag", again.get("delivery_tag").asLong());
      ws.ok("basic.cancel", 1, "consumer_tag", "c1");
      Scrape done = awaitScrape(s -> s.value(queue(ACKED, q)) == 3 && s.value(queue(UNACKED, q)) == 0);
      assertThat(done.value(queue(READY, q))).isZero();
      assertThat(done.value(queue(CONSUMERS, q))).isZero();
      assertThat(done.value(queue(PUBLISHED, q))).as("counters never go back").isEqualTo(3);
    }
    // The connection and its channel are gone from the node's gauges once the socket closed.
    Scrape closed = awaitScrape(s -> s.plain("weirmq_connections") == 0);
    assertThat(closed.plain("weirmq_channels")).isZero();
  }

  @Test
  void rejectedMessagesCountAsDeadLetteredAndAsPublishedOnTheDeadLetterQueue() {
    String dlq = name("dlq");
    String q = name("mq");
    declare(dlq, "{\"durable\":true}");
    declare(q, "{\"durable\":true,\"arguments\":{\"x-dead-letter-exchange\":\"\",\"x-dead-letter-routing-key\":\""
        + dlq + "\"}}");
    assertThat(api.post("/api/exchanges/%2F/amq.default/publish", "{\"properties\":{},\"routing_key\":\"" + q
        + "\",\"payload\":\"bad\",\"payload_encoding\":\"string\"}").status()).isEqualTo(200);

    HttpTestServer.Reply got = api.post("/api/queues/%2F/" + q + "/get",
        "{\"count\":1,\"ackmode\":\"reject_requeue_false\",\"encoding\":\"auto\"}");
    assertThat(got.status()).as("%s", got).isEqualTo(200);

    Scrape s = awaitScrape(x -> x.value(queue(READY, dlq)) == 1 && x.value(queue(DEAD_LETTERED, q)) == 1);
    assertThat(s.value(queue(DEAD_LETTERED, q))).isEqualTo(1);
    assertThat(s.value(queue(DELIVERED, q))).isEqualTo(1);
    assertThat(s.value(queue(ACKED, q))).isZero();
    assertThat(s.value(queue(READY, q))).isZero();
    assertThat(s.value(queue(PUBLISHED, dlq))).isEqualTo(1);
    assertThat(s.value(queue(DEAD_LETTERED, dlq))).isZero();
  }

  @Test
  void aDeletedQueuesSeriesDisappearAndARedeclaredOneStartsFromZero() {
    String q = name("mq");
    declare(q, "{\"durable\":true}");
    assertThat(api.post("/api/exchanges/%2F/amq.default/publish", "{\"properties\":{},\"routing_key\":\"" + q
        + "\",\"payload\":\"x\",\"payload_encoding\":\"string\"}").status()).isEqualTo(200);
    Scrape before = Scrape.of(api);
    assertThat(before.value(queue(READY, q))).isEqualTo(1);
    assertThat(before.value(queue(PUBLISHED, q))).isEqualTo(1);

    assertThat(api.delete("/api/queues/%2F/" + q).status()).isEqualTo(204);
    Scrape after = Scrape.of(api);
    assertThat(after.mentionsQueue(q)).as("scrape:\n%s", after.text).isFalse();

    // The same name again is a new queue: its counters start over rather than continue the old ones.
    declare(q, "{\"durable\":true}");
    Scrape redeclared = Scrape.of(api);
    assertThat(redeclared.value(queue(READY, q))).isZero();
    assertThat(redeclared.value(queue(PUBLISHED, q))).isZero();
  }

  @Test
  void jvmMetricsAreScrapedWithTheBrokers() {
    Scrape s = Scrape.of(api);
    assertThat(s.text).contains("# TYPE jvm_memory_used_bytes gauge", "jvm_threads_current",
        "# TYPE weirmq_publish_confirm_duration_seconds histogram", "weirmq_queues_unanswered 0");
  }
}
