package io.weirmq.node;

import static io.weirmq.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.channel.BrokerChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharding on one node with the H2 file journal: confirmed messages survive an ActorSystem restart. */
class SingleNodeRestartTest {

  private static final int MESSAGES = 10_000;
  private static final int QUEUES = 4;

  @TempDir
  Path dataDir;

  @Test
  void tenThousandConfirmedMessagesAcrossQueuesAreAllConsumedOnceAfterARestart() throws Exception {
    try (TestNodes.Node node = TestNodes.start(dataDir)) {
      Broker broker = node.broker();
      await(broker.declareExchange(new ExchangeDefinition(new io.weirmq.core.model.ExchangeId("/", "orders"),
          ExchangeType.DIRECT, true, false, false, Map.of())));
      for (int q = 0; q < QUEUES; q++) {
        await(broker.declareQueue(new QueueDefinition(new QueueId("/", "q" + q), true, false, false, Map.of(), null)));
        await(broker.bind(Binding.toQueue("/", "orders", "q" + q, "k" + q)));
      }
      // 100 publishes of 100 messages each, all in flight at once: confirms arrive per message.
      List<java.util.concurrent.CompletableFuture<List<PublishOutcome>>> confirms = new ArrayList<>();
      for (int batch = 0; batch < MESSAGES / 100; batch++) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          int n = batch * 100 + i;
          messages.add(new Message("orders", "k" + (n % QUEUES),
              MessageProperties.builder().persistent().messageId(Integer.toString(n)).build(),
              ("message " + n).getBytes(StandardCharsets.UTF_8)));
        }
        confirms.add(broker.publish("/", messages).toCompletableFuture());
      }
      for (var c : confirms) {
        assertThat(c.get(60, TimeUnit.SECONDS)).allMatch(o -> o.routed() && o.confirmed());
      }
    }

    try (TestNodes.Node node = TestNodes.start(dataDir)) {
      Broker broker = node.broker();
      Set<String> received = ConcurrentHashMap.newKeySet();
      List<String> duplicates = new ArrayList<>();
      List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
      CountDownLatch all = new CountDownLatch(MESSAGES);
      BrokerChannel channel = broker.openChannel("test-connection");
      await(channel.basicQos(500));
      for (int q = 0; q < QUEUES; q++) {
        int queue = q;
        await(channel.basicConsume(new QueueId("/", "q" + q), "", false, false, (tag, envelope) -> {
          String body = new String(envelope.body(), StandardCharsets.UTF_8);
          if (!envelope.routingKey().equals("k" + queue)) {
            problems.add("wrong routing key " + envelope.routingKey() + " on q" + queue);
          }
          if (!received.add(envelope.properties().messageId())) {
            synchronized (duplicates) {
              duplicates.add(body);
            }
          }
          // Never delivered before the restart, so never flagged redelivered.
          if (envelope.redelivered()) {
            problems.add("message " + body + " flagged redelivered");
          }
          channel.basicAck(envelope.deliveryTag(), false);
          all.countDown();
        }, null));
      }
      assertThat(all.await(60, TimeUnit.SECONDS)).as("all messages consumed, got %d", received.size()).isTrue();
      assertThat(duplicates).isEmpty();
      assertThat(problems).isEmpty();
      for (int n = 0; n < MESSAGES; n++) {
        assertThat(received).contains(Integer.toString(n));
      }
      // Acks are persisted: the queues drain to zero.
      for (int q = 0; q < QUEUES; q++) {
        QueueId id = new QueueId("/", "q" + q);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (await(broker.counts(id)).total() > 0 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(await(broker.counts(id)).total()).isZero();
      }
      channel.close();
    }
  }
}
