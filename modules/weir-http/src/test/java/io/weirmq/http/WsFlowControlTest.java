package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flow control with tiny limits: a client that stops reading its socket is either slowed down (its
 * own requests' replies are bounded) or closed with 506 (unbounded deliveries), and nothing confirmed
 * or unacknowledged is lost either way.
 */
class WsFlowControlTest {

  static final int OUTGOING_BUFFER = 16;
  /** More than half the buffer, as with the defaults (1024 and 1024): confirms alone can outgrow the buffer. */
  static final int MAX_UNCONFIRMED = 32;
  /** Large bodies fill the kernel's socket buffers quickly, so frames back up in the server's buffer. */
  static final int BIG = 100 * 1024;

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer("""
        weir.http.max-message-bytes = 256 KiB
        weir.http.websocket { outgoing-buffer = %d, max-unconfirmed = %d }
        akka.http.server.socket-options.so-send-buffer-size = 16 KiB
        """.formatted(OUTGOING_BUFFER, MAX_UNCONFIRMED));

  @Test
  void aPublisherWithMoreThanMaxUnconfirmedInFlightGetsEveryConfirm() {
    int n = 10 * MAX_UNCONFIRMED;
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      String q = WsProtocolTest.declareQueue(ws, 1);
      ws.ok("confirm.select", 1);
      for (int i = 1; i <= n; i++) {
        ws.sendTextAsync(publishFrame(1, q, "m" + i));
      }
      Set<Long> acked = new HashSet<>();
      for (int i = 1; i <= n; i++) {
        JsonNode ack = ws.expect("basic.ack");
        assertThat(ack.get("multiple").asBoolean()).isFalse();
        assertThat(acked.add(ack.get("delivery_tag").asLong())).as("confirmed once: %s", ack).isTrue();
      }
      assertThat(acked).hasSize(n).allSatisfy(tag -> assertThat(tag).isBetween(1L, (long) n));
      assertThat(ws.poll(Duration.ofMillis(200))).as("nothing after the confirms").isNull();
      assertThat(queue(q).get("messages").asLong()).isEqualTo(n);
    }
  }

  @Test
  void aConsumerThatStopsReadingUnboundedDeliveriesIsClosedWith506AndItsDeliveriesGoBack() {
    int n = 60;
    String q;
    Set<String> sent = new HashSet<>();
    try (WsTestClient publisher = WsTestClient.connect(api)) {
      publisher.openChannel(1);
      q = WsProtocolTest.declareQueue(publisher, 1);
      publisher.ok("confirm.select", 1);
      for (int i = 0; i < n; i++) {
        String payload = big("m" + i);
        sent.add(payload);
        publisher.sendTextAsync(publishFrame(1, q, payload));
      }
      for (int i = 0; i < n; i++) {
        publisher.expect("basic.ack");
      }
    }

    int seenByStuck = 0;
    try (WsTestClient stuck = WsTestClient.connect(api)) {
      stuck.openChannel(1);
      stuck.pause();
      // Prefetch 0 and manual acks: deliveries are bounded by nothing but the outgoing buffer.
      stuck.send("basic.consume", 1, "queue", q, "consumer_tag", "stuck", "id", 1);
      stuck.expect("basic.consume-ok");

      // The server gives up on it: its channel closes and every unacked delivery is back in the queue.
      long deadline = System.nanoTime() + WsTestClient.WAIT.toNanos();
      JsonNode view = queue(q);
      while (view.get("consumers").asInt() != 0 || view.get("messages_ready").asLong() != n) {
        assertThat(System.nanoTime()).as("deliveries back in the queue: %s", view).isLessThan(deadline);
        LockSupport.parkNanos(20_000_000);
        view = queue(q);
      }
      assertThat(view.get("messages_unacknowledged").asLong()).isZero();

      stuck.resume();
      JsonNode f = stuck.next();
      while (f.get("method").asText().equals("basic.deliver")) {
        seenByStuck++;
        f = stuck.next();
      }
      assertThat(f.get("method").asText()).as("%s", f).isEqualTo("connection.close");
      assertThat(f.get("code").asInt()).as("%s", f).isEqualTo(WsConnection.RESOURCE_ERROR);
      assertThat(f.get("reason").asText()).contains("outgoing-buffer");
      assertThat(seenByStuck).as("frames the server wrote before giving up").isLessThan(n);
    }

    try (WsTestClient consumer = WsTestClient.connect(api)) {
      consumer.openChannel(1);
      consumer.ok("basic.qos", 1, "prefetch_count", OUTGOING_BUFFER / 4);
      consumer.ok("basic.consume", 1, "queue", q);
      Set<String> received = new HashSet<>();
      int redelivered = 0;
      for (int i = 0; i < n; i++) {
        JsonNode d = consumer.expect("basic.deliver");
        received.add(d.get("payload").asText());
        redelivered += d.get("redelivered").asBoolean() ? 1 : 0;
        consumer.send("basic.ack", 1, "delivery_tag", d.get("delivery_tag").asLong());
      }
      assertThat(received).as("every confirmed message, once").isEqualTo(sent);
      assertThat(redelivered).as("those the stuck consumer was sent come back flagged").isGreaterThanOrEqualTo(seenByStuck);
      WsProtocolTest.awaitCount(api, q, 0);
    }
  }

  @Test
  void aPublisherThatStopsReadingItsConfirmsIsSlowedDownNotClosed() {
    int prefetch = OUTGOING_BUFFER / 2 - 1;
    int n = 10 * MAX_UNCONFIRMED;
    String big;
    try (WsTestClient filler = WsTestClient.connect(api)) {
      filler.openChannel(1);
      big = WsProtocolTest.declareQueue(filler, 1);
      filler.ok("confirm.select", 1);
      for (int i = 0; i < prefetch; i++) {
        WsProtocolTest.publish(filler, 1, big, big("b" + i));
        filler.expect("basic.ack");
      }
    }
    try (WsTestClient ws = WsTestClient.connect(api)) {
      ws.openChannel(1);
      ws.openChannel(2);
      String q = WsProtocolTest.declareQueue(ws, 2);
      ws.ok("confirm.select", 2);
      ws.ok("basic.qos", 1, "prefetch_count", prefetch);
      ws.pause();
      // Deliveries, bounded by prefetch, fill the socket; the confirms of what follows back up on the server.
      ws.send("basic.consume", 1, "queue", big, "consumer_tag", "big", "id", 1);
      for (int i = 1; i <= n; i++) {
        ws.sendTextAsync(publishFrame(2, q, "p" + i));
      }
      // The server stops reading this connection: the queue stops growing short of n.
      long previous = -1;
      long count = queue(q).get("messages").asLong();
      long deadline = System.nanoTime() + WsTestClient.WAIT.toNanos();
      while (count != previous) {
        assertThat(System.nanoTime()).as("publishes held back").isLessThan(deadline);
        LockSupport.parkNanos(500_000_000);
        previous = count;
        count = queue(q).get("messages").asLong();
      }
      assertThat(count).as("publishes read while the client read nothing").isLessThan(n);

      ws.resume();
      Set<Long> acked = new HashSet<>();
      int delivered = 0;
      while (acked.size() < n || delivered < prefetch) {
        JsonNode f = ws.next();
        switch (f.get("method").asText()) {
          case "basic.consume-ok" -> { }
          case "basic.deliver" -> delivered++;
          case "basic.ack" -> assertThat(acked.add(f.get("delivery_tag").asLong())).as("once: %s", f).isTrue();
          default -> throw new AssertionError("unexpected frame (count before resume " + count + "): " + f);
        }
      }
      assertThat(delivered).isEqualTo(prefetch);
      assertThat(queue(q).get("messages").asLong()).isEqualTo(n);
      // Still open and working.
      ws.ok("basic.qos", 2, "prefetch_count", 1);
    }
  }

  private static JsonNode queue(String q) {
    return api.get("/api/queues/%2F/" + q).json();
  }

  private static String publishFrame(int channel, String queue, String payload) {
    return WsTestClient.frame("basic.publish", channel, "exchange", "", "routing_key", queue, "payload", payload)
        .toString();
  }

  private static String big(String prefix) {
    return prefix + ":" + "x".repeat(BIG);
  }

  @Test
  void aResourceAlarmHoldsPublishersBackWhileConsumersGoOnAndRestRefusesWith503() {
    var alarms = api.node.broker().alarms();
    String q;
    try (WsTestClient publisher = WsTestClient.connect(api); WsTestClient consumer = WsTestClient.connect(api)) {
      publisher.openChannel(1);
      q = WsProtocolTest.declareQueue(publisher, 1);
      publisher.ok("confirm.select", 1);
      WsProtocolTest.publish(publisher, 1, q, "before");
      publisher.expect("basic.ack");

      alarms.setDiskFreeLimit(Long.MAX_VALUE); // no disk has that much free: the disk alarm goes on
      alarms.check(); // now rather than at the next periodic check
      try {
        JsonNode blocked = publisher.expect("connection.blocked");
        assertThat(blocked.get("reason").asText()).contains("disk", "disk-free-limit");
        WsProtocolTest.publish(publisher, 1, q, "during");
        WsProtocolTest.publish(publisher, 1, q, "held");
        // The first is read (it is how the server learns it is a publisher at all, or was already
        // read); the one after it waits in the socket.
        assertThat(api.post("/api/exchanges/%2F/amq.default/publish",
            "{\"routing_key\":\"" + q + "\",\"payload\":\"rest\",\"payload_encoding\":\"string\",\"properties\":{}}").status())
            .isEqualTo(503);

        // A consumer is not held back: it drains the queue, which is what clears a memory alarm.
        consumer.openChannel(1);
        JsonNode got = consumer.call("basic.get", 1, "queue", q, "auto_ack", true);
        assertThat(got.get("payload").asText()).isEqualTo("before");
      } finally {
        alarms.setDiskFreeLimit(0);
        alarms.check();
      }
      // The publish read before the pause may be confirmed before or after the unblock; the held
      // one only after it.
      boolean unblocked = false;
      long confirmed = 0;
      while (!unblocked || confirmed < 3) {
        JsonNode f = publisher.next();
        if (f.get("method").asText().equals("connection.unblocked")) {
          unblocked = true;
        } else {
          assertThat(f.get("method").asText()).as("%s", f).isEqualTo("basic.ack");
          assertThat(f.get("delivery_tag").asLong() < 3 || unblocked).as("the held publish waits for the unblock").isTrue();
          confirmed = Math.max(confirmed, f.get("delivery_tag").asLong());
        }
      }
      WsProtocolTest.awaitCount(api, q, 2);
    }
  }
}
