package io.weirmq.server;

import static io.weirmq.node.TestNodes.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static io.weirmq.server.InJvmNodes.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetClusterShardingStats;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.pattern.StatusReply;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.Broker;
import io.weirmq.node.PublishOutcome;
import io.weirmq.node.channel.BrokerChannel;
import io.weirmq.node.queue.QueueEntity;
import io.weirmq.node.registry.MetadataRegistry;
import io.weirmq.node.registry.TopologyChange;
import io.weirmq.server.InJvmNodes.Node;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several nodes, each its own ActorSystem in this JVM, joined into one cluster on a real Cassandra
 * (one for the class, started and stopped through {@link LocalCassandra}), with the
 * {@code cluster-local.conf} profile's failure detection and Split Brain Resolver. Any node serves
 * any queue through sharding, and the registry singleton moves when its node leaves or dies while
 * publishing through each node's own routing copy goes on.
 */
class ClusterIT {

  private static final String VHOST = "/";

  @TempDir static Path dir;
  private static LocalCassandra cassandra;
  private final InJvmNodes inJvm = new InJvmNodes("ClusterIT", cassandra, dir);

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "ClusterIT");
  }

  @AfterAll
  static void stopCassandra() throws Exception {
    if (cassandra != null) {
      cassandra.close();
    }
  }

  @AfterEach
  void stopNodes() {
    inJvm.stopAll();
  }

  @Test
  void aQueueDeclaredOnOneNodeTakesConfirmedMessagesOnAnotherAndDeliversEveryOneOnAThird() throws Exception {
    List<Node> cluster = startCluster("s", 3);
    Node a = cluster.get(0);
    Node b = cluster.get(1);
    Node c = cluster.get(2);
    // Several queues, so that sharding places some on each node whatever the hashing.
    int queues = 6;
    int perQueue = 200;
    List<QueueId> ids = new ArrayList<>();
    for (int q = 0; q < queues; q++) {
      QueueId id = new QueueId(VHOST, "sharded-" + q);
      ids.add(id);
      await(a.broker().declareQueue(durableQueue(id)));
    }

    Set<String> confirmed = ConcurrentHashMap.newKeySet();
    for (QueueId id : ids) {
      awaitQueueKnown(b, id);
      for (int batch = 0; batch < perQueue / 50; batch++) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          messages.add(persistent("", id.name(), id.name() + "#" + (batch * 50 + i)));
        }
        List<PublishOutcome> outcomes = await(b.broker().publish(VHOST, messages), Duration.ofSeconds(60));
        assertThat(outcomes).allMatch(o -> o.routed() && o.confirmed());
        messages.forEach(m -> confirmed.add(m.properties().messageId()));
      }
    }

    Map<String, Integer> received = new ConcurrentHashMap<>();
    BrokerChannel channel = c.broker().openChannel("consumer-on-" + c.name());
    await(channel.basicQos(100));
    for (QueueId id : ids) {
      awaitQueueKnown(c, id);
      await(channel.basicConsume(id, "", false, false, (tag, envelope) -> {
        received.merge(envelope.properties().messageId(), 1, Integer::sum);
        channel.basicAck(envelope.deliveryTag(), false);
      }, null));
    }
    awaitCondition(Duration.ofSeconds(60), () -> received.size() >= confirmed.size());
    assertThat(received.keySet()).as("every confirmed message consumed, nothing else").isEqualTo(confirmed);
    assertThat(received.values()).as("each delivered once").containsOnly(1);
    for (QueueId id : ids) {
      awaitCondition(Duration.ofSeconds(30), () -> await(c.broker().counts(id)).total() == 0);
    }
    channel.close();

    // The consumer's node did not own every queue: the deliveries came through sharding.
    ShardRegion.ClusterShardingStats stats = await(AskPattern.ask(ClusterSharding.get(c.system()).shardState(),
        replyTo -> new GetClusterShardingStats(QueueEntity.ENTITY_KEY, Duration.ofSeconds(10), replyTo),
        Duration.ofSeconds(15), c.system().scheduler()));
    Map<String, Integer> shardsPerNode = new java.util.TreeMap<>();
    stats.getRegions().forEach((address, region) -> shardsPerNode.put(address.toString(), region.getStats().size()));
    System.out.println("ClusterIT: queue shards per node " + shardsPerNode);
    assertThat(shardsPerNode.values().stream().filter(n -> n > 0).count())
        .as("nodes hosting queues: %s", shardsPerNode).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theRegistryMovesWhenItsNodeLeavesAndWhenItCrashesWhilePublishingGoesOnAndTransientQueuesStay()
      throws Exception {
    // Four nodes, so that after a leave and a crash two of three remain: a majority.
    List<Node> cluster = startCluster("h", 4);
    Node a = cluster.get(0); // the oldest: the registry singleton starts here
    Node b = cluster.get(1); // the oldest once A has left
    Node c = cluster.get(2); // publishes
    Node d = cluster.get(3); // declares and consumes
    ExchangeId orders = new ExchangeId(VHOST, "handover-orders");
    await(b.broker().declareExchange(new ExchangeDefinition(orders, ExchangeType.DIRECT, true, false, false, Map.of())));
    int queues = 4;
    List<QueueId> ids = new ArrayList<>();
    for (int q = 0; q < queues; q++) {
      QueueId id = new QueueId(VHOST, "handover-" + q);
      ids.add(id);
      await(b.broker().declareQueue(durableQueue(id)));
      await(b.broker().bind(Binding.toQueue(VHOST, orders.name(), id.name(), "k" + q)));
    }
    // Resources that live as long as the cluster (or their connection), not across a full restart.
    QueueId scratch = new QueueId(VHOST, "handover-non-durable");
    await(b.broker().declareQueue(new QueueDefinition(scratch, false, false, false, Map.of(), null)));
    QueueId exclusive = new QueueId(VHOST, "handover-exclusive");
    await(b.broker().declareQueue(new QueueDefinition(exclusive, true, true, false, Map.of(), "connection-on-b")));
    for (QueueId id : ids) {
      awaitQueueKnown(c, id);
    }

    // One publisher per queue on C, each publishing one confirmed message at a time, so a queue that
    // is moving stalls only its own publisher.
    AtomicBoolean publishing = new AtomicBoolean(true);
    Set<String> confirmed = ConcurrentHashMap.newKeySet();
    Map<String, Long> confirmedAt = new ConcurrentHashMap<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> publishers = new ArrayList<>();
    for (int q = 0; q < queues; q++) {
      int queue = q;
      Thread t = new Thread(() -> {
        for (int i = 0; publishing.get(); i++) {
          String id = "q" + queue + "#" + i;
          try {
            PublishOutcome o = await(c.broker().publish(VHOST, persistent(orders.name(), "k" + queue, id)),
                Duration.ofSeconds(30));
            if (o.routed() && o.confirmed()) {
              confirmed.add(id);
              confirmedAt.put(id, System.nanoTime());
            } else {
              failures.add(id + ": " + o);
            }
          } catch (RuntimeException e) {
            failures.add(id + ": " + e);
          }
        }
      }, "publisher-" + q);
      t.start();
      publishers.add(t);
    }
    awaitCondition(Duration.ofSeconds(30), () -> confirmed.size() >= 100);

    // 1. A leaves the cluster (as on SIGTERM): the singleton hands over to B.
    long leaving = System.nanoTime();
    await(CoordinatedShutdown.get(a.system()).runAll(CoordinatedShutdown.unknownReason()), Duration.ofSeconds(60));
    QueueId afterLeave = new QueueId(VHOST, "handover-declared-after-leave");
    declareUntilAnswered(d, afterLeave, Duration.ofSeconds(60));
    System.out.printf("ClusterIT: registry answered on %s %.1f s after %s began to leave%n", d.name(),
        (System.nanoTime() - leaving) / 1e9, a.name());
    assertTransientQueuesStay(d, scratch, exclusive, "after the singleton's node left");

    // 2. B stops without leaving, as a crash looks to the others (run-by-actor-system-terminate is
    // off on every node here): Split Brain Resolver downs it and the singleton starts on C.
    int beforeCrash = confirmed.size();
    long crashed = System.nanoTime();
    b.system().terminate();
    await(b.system().getWhenTerminated(), Duration.ofSeconds(60));
    QueueId afterCrash = new QueueId(VHOST, "handover-declared-after-crash");
    // A call that went to the dead node is lost and waits out its timeout, so the registry's return
    // is found by asking it directly with a short timeout; Broker's own calls follow.
    awaitRegistryAnswers(d, afterCrash, Duration.ofSeconds(90));
    long registryBack = System.nanoTime();
    declareUntilAnswered(d, afterCrash, Duration.ofSeconds(60));
    System.out.printf("ClusterIT: registry answered on %s %.1f s after %s crashed%n", d.name(),
        (registryBack - crashed) / 1e9, b.name());
    assertTransientQueuesStay(d, scratch, exclusive, "after the singleton's node crashed");
    // Publishing went on while no registry was reachable: routing is each node's own copy.
    long confirmedWithoutRegistry = confirmedAt.values().stream().filter(t -> t > crashed && t < registryBack).count();
    assertThat(confirmedWithoutRegistry).as("messages confirmed while the registry was moving").isPositive();
    // And every queue works again, including any that lived on B.
    awaitCondition(Duration.ofSeconds(60), () -> ids.stream().allMatch(id -> confirmedAt.keySet().stream()
        .anyMatch(m -> m.startsWith("q" + ids.indexOf(id) + "#") && confirmedAt.get(m) > registryBack)));
    publishing.set(false);
    for (Thread t : publishers) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    System.out.printf("ClusterIT: %d confirmed (%d before the crash), %d not confirmed%n", confirmed.size(),
        beforeCrash, failures.size());

    // Nothing confirmed is lost: D consumes every one.
    Map<String, Integer> received = new ConcurrentHashMap<>();
    BrokerChannel channel = d.broker().openChannel("consumer-on-" + d.name());
    await(channel.basicQos(200));
    for (QueueId id : ids) {
      await(channel.basicConsume(id, "", false, false, (tag, envelope) -> {
        received.merge(envelope.properties().messageId(), 1, Integer::sum);
        channel.basicAck(envelope.deliveryTag(), false);
      }, null));
    }
    awaitCondition(Duration.ofSeconds(60), () -> received.keySet().containsAll(confirmed));
    Set<String> lost = confirmed.stream().filter(m -> !received.containsKey(m)).collect(Collectors.toSet());
    assertThat(lost).as("confirmed but not consumed").isEmpty();
    channel.close();
  }

  // ------------------------------------------------------------------ helpers

  private static void assertTransientQueuesStay(Node node, QueueId nonDurable, QueueId exclusive, String when) {
    assertThat(node.broker().topology().queue(nonDurable)).as("non-durable queue %s", when).isPresent();
    assertThat(node.broker().topology().queue(exclusive)).as("exclusive queue %s", when).isPresent();
  }

  /** Asks the registry singleton (through this node's proxy) to declare a queue, every 2 s until it answers. */
  private static void awaitRegistryAnswers(Node node, QueueId queue, Duration within) {
    var registry = MetadataRegistry.initSingleton(node.system(), node.broker().settings()); // the existing proxy
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        StatusReply<MetadataRegistry.Changed> reply = await(AskPattern.ask(registry,
            (akka.actor.typed.ActorRef<StatusReply<MetadataRegistry.Changed>> r) -> new MetadataRegistry.Change(
                new TopologyChange.DeclareQueue(durableQueue(queue)), r),
            Duration.ofSeconds(2), node.system().scheduler()), Duration.ofSeconds(5));
        assertThat(reply.isSuccess()).as("declare through the registry: %s", reply).isTrue();
        return;
      } catch (RuntimeException e) {
        assertThat(System.nanoTime()).as("registry answered within %s; last error %s", within, e).isLessThan(deadline);
      }
    }
  }

  /** Declares until the registry answers: while it moves, calls time out. */
  private static void declareUntilAnswered(Node node, QueueId queue, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        await(node.broker().declareQueue(durableQueue(queue)), Duration.ofSeconds(35));
        return;
      } catch (RuntimeException e) {
        assertThat(System.nanoTime()).as("registry answered within %s; last error %s", within, e).isLessThan(deadline);
      }
    }
  }

  /** Starts {@code size} nodes; the first becomes the oldest (singleton, coordinator), the others join it. */
  private List<Node> startCluster(String prefix, int size) throws Exception {
    List<Integer> ports = LocalCassandra.freePorts(size);
    List<Node> cluster = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < size; i++) {
      // A publish to a queue that is moving fails after this and its publisher goes on.
      cluster.add(inJvm.start(prefix + (char) ('A' + i), ports, i, "weir.publish-timeout = 5s"));
    }
    for (Node n : cluster) {
      awaitCondition(Duration.ofSeconds(30), () -> Cluster.get(n.system()).state().members().size() == size);
    }
    System.out.printf("ClusterIT: %d nodes up in %.1f s%n", size, (System.nanoTime() - started) / 1e9);
    return cluster;
  }

  private static QueueDefinition durableQueue(QueueId id) {
    return new QueueDefinition(id, true, false, false, Map.of(), null);
  }

  private static Message persistent(String exchange, String routingKey, String id) {
    return new Message(exchange, routingKey, MessageProperties.builder().persistent().messageId(id).build(),
        id.getBytes(UTF_8));
  }

  /** A declare answers once the declaring node's copy has it; other nodes' copies follow by push. */
  private static void awaitQueueKnown(Node node, QueueId id) {
    awaitCondition(Duration.ofSeconds(15), () -> node.broker().topology().queue(id).isPresent());
  }
}
