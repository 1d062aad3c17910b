package io.weirmq.node;

import static io.weirmq.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.routing.QueueDefinition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policies on a real node with the H2 file journal: applied live, removed live, kept across a restart. */
class BrokerPoliciesTest {

  @TempDir
  Path dataDir;

  private static final QueueId ORDERS = new QueueId("/", "orders.created");

  private static void publish(Broker broker, String queue, int count) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      messages.add(new Message("", queue, MessageProperties.builder().persistent().build(),
          ("m" + i).getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(await(broker.publish("/", messages))).allMatch(o -> o.routed() && o.confirmed());
  }

  private static long ready(Broker broker, QueueId queue) {
    return await(broker.counts(queue)).ready();
  }

  private static Policy cap(int maxLength) {
    return new Policy("/", "cap-orders", "^orders\\.", Policy.ApplyTo.QUEUES, 0, Map.of("max-length", maxLength));
  }

  @Test
  void aPolicyTrimsAQueueAtOnceItsRemovalRestoresTheArgumentsAndItSurvivesARestart() {
    try (TestNodes.Node node = TestNodes.start(dataDir)) {
      Broker broker = node.broker();
      await(broker.declareQueue(new QueueDefinition(ORDERS, true, false, false, Map.of("x-max-length", 3), null)));
      await(broker.declareQueue(QueueDefinition.of("/", "audit")));
      publish(broker, ORDERS.name(), 3);
      publish(broker, "audit", 3);

      await(broker.setPolicy(cap(1)));

      // Trimmed by the time the call answers; a queue the pattern does not match is untouched.
      assertThat(ready(broker, ORDERS)).isEqualTo(1);
      assertThat(ready(broker, new QueueId("/", "audit"))).isEqualTo(3);
      publish(broker, ORDERS.name(), 2);
      assertThat(ready(broker, ORDERS)).isEqualTo(1);

      // Without the policy the queue's own x-max-length (3) applies again.
      await(broker.clearPolicy("/", "cap-orders"));
      publish(broker, ORDERS.name(), 5);
      assertThat(ready(broker, ORDERS)).isEqualTo(3);

      // A higher policy limit than the argument's changes nothing: the lower one wins.
      await(broker.setPolicy(cap(10)));
      publish(broker, ORDERS.name(), 2);
      assertThat(ready(broker, ORDERS)).isEqualTo(3);
      await(broker.setPolicy(cap(2)));
      assertThat(ready(broker, ORDERS)).isEqualTo(2);
    }

    try (TestNodes.Node node = TestNodes.start(dataDir)) {
      Broker broker = node.broker();
      await(broker.ready());
      assertThat(broker.topology().policies().all()).containsExactly(cap(2));
      assertThat(ready(broker, ORDERS)).isEqualTo(2);
      publish(broker, ORDERS.name(), 3);
      assertThat(ready(broker, ORDERS)).isEqualTo(2);
      // A queue declared after the restart gets the policy too.
      QueueId later = new QueueId("/", "orders.later");
      await(broker.declareQueue(QueueDefinition.of("/", later.name())));
      publish(broker, later.name(), 4);
      assertThat(ready(broker, later)).isEqualTo(2);
    }
  }

  @Test
  void aMessageTtlPolicyExpiresMessagesPublishedAfterIt() throws Exception {
    try (TestNodes.Node node = TestNodes.start(dataDir)) {
      Broker broker = node.broker();
      await(broker.declareQueue(QueueDefinition.of("/", ORDERS.name())));
      await(broker.setPolicy(new Policy("/", "ttl", "^orders", Policy.ApplyTo.ALL, 0, Map.of("message-ttl", 200))));
      publish(broker, ORDERS.name(), 3);

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (ready(broker, ORDERS) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(ready(broker, ORDERS)).isZero();
    }
  }
}
