package io.weirmq.node;

import static io.weirmq.node.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.channel.BrokerChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queue snapshots on the real H2 journal: taken while small, pruned, and recovered from. */
class SnapshotRecoveryTest {

  @TempDir
  Path dataDir;

  private Config config(String maxBytes) {
    return ConfigFactory.parseString("weir.queue.snapshot-every = 5\nweir.queue.snapshot-max-bytes = " + maxBytes)
        .withFallback(TestNodes.config(dataDir));
  }

  @Test
  void aSmallQueueIsSnapshottedOlderSnapshotsAreDeletedAndRecoveryUsesTheLatest() throws Exception {
    QueueId queue = new QueueId("/", "snap");
    try (TestNodes.Node node = TestNodes.start(config("1 MiB"))) {
      Broker broker = node.broker();
      await(broker.declareQueue(new QueueDefinition(queue, true, false, false, Map.of(), null)));
      // 30 separate writes of 10 messages: six snapshot points at snapshot-every = 5.
      for (int w = 0; w < 30; w++) {
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          batch.add(message(queue.name(), w * 10 + i));
        }
        await(broker.publish("/", batch));
      }
      // Consume and ack the first 100, so the snapshot must also carry the removals.
      BrokerChannel channel = broker.openChannel("c");
      for (int i = 0; i < 100; i++) {
        var got = await(channel.basicGet(queue, false)).orElseThrow();
        await(channel.basicAck(got.envelope().deliveryTag(), false));
      }
      for (int w = 30; w < 40; w++) {
        await(broker.publish("/", List.of(message(queue.name(), 1000 + w))));
      }
      channel.close();
    }

    Map<Long, Integer> snapshots = snapshotsOf(queue);
    assertThat(snapshots).as("snapshots were taken").isNotEmpty();
    assertThat(snapshots).as("older snapshots are deleted").hasSizeLessThanOrEqualTo(2);

    try (TestNodes.Node node = TestNodes.start(config("1 MiB"))) {
      List<String> ids = drain(node.broker(), queue);
      List<String> expected = new ArrayList<>();
      for (int n = 100; n < 300; n++) {
        expected.add(Integer.toString(n));
      }
      for (int w = 30; w < 40; w++) {
        expected.add(Integer.toString(1000 + w));
      }
      assertThat(ids).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aQueueOverTheSnapshotSizeLimitIsNotSnapshottedAndRecoversFromEvents() throws Exception {
    QueueId queue = new QueueId("/", "big");
    try (TestNodes.Node node = TestNodes.start(config("10 B"))) {
      Broker broker = node.broker();
      await(broker.declareQueue(new QueueDefinition(queue, true, false, false, Map.of(), null)));
      for (int w = 0; w < 20; w++) {
        await(broker.publish("/", List.of(message(queue.name(), w))));
      }
    }
    assertThat(snapshotsOf(queue)).isEmpty();
    try (TestNodes.Node node = TestNodes.start(config("10 B"))) {
      assertThat(drain(node.broker(), queue)).hasSize(20);
    }
  }

  private static Message message(String queue, int n) {
    return new Message("", queue, MessageProperties.builder().persistent().messageId(Integer.toString(n)).build(),
        ("body " + n).getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> drain(Broker broker, QueueId queue) {
    List<String> ids = new ArrayList<>();
    BrokerChannel channel = broker.openChannel("drain");
    Optional<GetResponse> got;
    while ((got = await(channel.basicGet(queue, true))).isPresent()) {
      ids.add(got.get().envelope().properties().messageId());
    }
    channel.close();
    return ids;
  }

  /** Sequence number to payload size of the queue's snapshots, read from the stopped node's H2 file. */
  private Map<Long, Integer> snapshotsOf(QueueId queue) throws Exception {
    Map<Long, Integer> out = new TreeMap<>();
    String url = "jdbc:h2:file:" + dataDir.resolve("journal/weir").toAbsolutePath();
    try (Connection c = DriverManager.getConnection(url, "weir", "");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT \"persistence_id\", \"sequence_number\", LENGTH(\"snapshot_payload\") FROM \"snapshot\"")) {
      while (rs.next()) {
        if (rs.getString(1).endsWith(queue.key())) {
          out.put(rs.getLong(2), rs.getInt(3));
        }
      }
    }
    return out;
  }
}
