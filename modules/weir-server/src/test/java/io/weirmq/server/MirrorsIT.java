package io.weirmq.server;

import static io.weirmq.node.TestNodes.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static io.weirmq.server.InJvmNodes.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.node.PublishOutcome;
import io.weirmq.node.channel.BrokerChannel;
import io.weirmq.node.queue.MirrorHost;
import io.weirmq.node.queue.QueueEntity;
import io.weirmq.server.InJvmNodes.Node;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirrored queue replicas on several nodes in this JVM (each its own ActorSystem) over a real
 * Cassandra: mirrors fold the leader's events, a new or returning mirror catches up from the
 * journal, and placement follows membership.
 */
class MirrorsIT {

  private static final String VHOST = "/";

  @TempDir static Path dir;
  private static LocalCassandra cassandra;
  private final InJvmNodes inJvm = new InJvmNodes("MirrorsIT", cassandra, dir);
  private final List<Node> nodes = inJvm.nodes;

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "MirrorsIT");
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
  void mirrorsHoldTheLeadersMessagesAndANodeThatJoinsLaterCatchesUpFromTheJournal() throws Exception {
    List<Integer> ports = LocalCassandra.freePorts(3);
    Node a = startNode("jA", ports, 0);
    Node b = startNode("jB", ports, 1);
    awaitMembers(2);
    QueueId q = new QueueId(VHOST, "mirrored-join");
    await(a.broker().declareQueue(durable(q, Map.of())));
    publish(a, q, "before-join", 100);

    // Two nodes: one mirror (x-mirrors 2 is capped by the cluster's size), on the node that does not lead.
    QueueEntity.Replication r = awaitInSync(a, q, 1);
    Node leader = byAddress(r.leader());
    Node mirror = leader == a ? b : a;
    assertThat(r.mirrors()).extracting(QueueEntity.MirrorInfo::node).containsExactly(mirror.address());
    assertThat(mirrorOf(mirror, q)).hasValueSatisfying(m -> {
      assertThat(m.seqNr()).isEqualTo(r.seqNr());
      assertThat(m.counts().ready()).isEqualTo(100);
    });

    // A third node joins: the queue's second mirror goes there and reads the 100 from the journal.
    Node c = startNode("jC", ports, 2);
    awaitMembers(3);
    QueueEntity.Replication three = awaitInSync(a, q, 2);
    assertThat(three.leader()).as("the leader did not move").isEqualTo(r.leader());
    assertThat(mirrorOf(c, q)).hasValueSatisfying(m -> assertThat(m.counts().ready()).isEqualTo(100));

    // Live events reach both mirrors after the catch-up: publishes, deliveries and acks.
    publish(c, q, "after-join", 50);
    BrokerChannel channel = b.broker().openChannel("consumer");
    await(channel.basicQos(10));
    AtomicInteger consumed = new AtomicInteger();
    await(channel.basicConsume(q, "", false, false, (tag, envelope) -> {
      if (consumed.incrementAndGet() <= 30) {
        channel.basicAck(envelope.deliveryTag(), false);
      }
    }, null));
    awaitCondition(Duration.ofSeconds(30), () -> consumed.get() >= 30);
    channel.close(); // the 10 unacked beyond the 30 are requeued
    awaitCondition(Duration.ofSeconds(30), () -> await(a.broker().counts(q)).total() == 120);
    QueueEntity.Replication after = awaitInSync(a, q, 2);
    for (QueueEntity.MirrorInfo m : after.mirrors()) {
      Node holder = byAddress(m.node());
      assertThat(mirrorOf(holder, q)).as("mirror on %s", holder.name()).hasValueSatisfying(status -> {
        assertThat(status.seqNr()).isEqualTo(after.seqNr());
        assertThat(status.counts().total()).isEqualTo(120);
        assertThat(status.counts().ready()).isEqualTo(120); // deliveries are transient: a mirror sees none
      });
    }
    assertThat(mirrorOf(leader, q)).as("no mirror on the leader's own node").isEmpty();
  }

  @Test
  void whenAMirrorsNodeCrashesTheMirrorMovesToAnotherNodeAndTheNodeResyncsWhenItComesBack() throws Exception {
    List<Integer> ports = LocalCassandra.freePorts(3);
    Node a = startNode("cA", ports, 0);
    startNode("cB", ports, 1);
    startNode("cC", ports, 2);
    awaitMembers(3);
    QueueId q = new QueueId(VHOST, "mirrored-crash");
    await(a.broker().declareQueue(durable(q, Map.of("x-mirrors", 1))));
    publish(a, q, "first", 80);
    QueueEntity.Replication r = awaitInSync(a, q, 1);
    Node leader = byAddress(r.leader());
    Node mirror = byAddress(r.mirrors().get(0).node());
    Node spare = nodes.stream().filter(n -> n != leader && n != mirror).findFirst().orElseThrow();
    Node asker = leader; // stays up throughout

    // The mirror's node crashes (no leave): once it is downed, the mirror is placed on the spare node.
    mirror.system().terminate();
    await(mirror.system().getWhenTerminated(), Duration.ofSeconds(60));
    nodes.remove(mirror);
    awaitCondition(Duration.ofSeconds(60), () -> {
      QueueEntity.Replication now = await(asker.broker().replication(q));
      return now.mirrors().size() == 1 && now.mirrors().get(0).node().equals(spare.address())
          && now.mirrors().get(0).inSync();
    });
    publish(asker, q, "while-down", 20);
    awaitInSync(asker, q, 1);
    assertThat(mirrorOf(spare, q)).hasValueSatisfying(m -> assertThat(m.counts().ready()).isEqualTo(100));

    // The node comes back on the same address, as a new incarnation with no mirror state. Placement
    // is a function of membership, so the queue's mirror goes back to it, which reads the journal.
    Node back = startNode(mirror.name() + "'", ports, ports.indexOf(Integer.parseInt(
        mirror.address().substring(mirror.address().lastIndexOf(':') + 1))));
    awaitMembers(3);
    awaitCondition(Duration.ofSeconds(60), () -> {
      QueueEntity.Replication now = await(asker.broker().replication(q));
      return now.mirrors().size() == 1 && now.mirrors().get(0).node().equals(back.address())
          && now.mirrors().get(0).inSync();
    });
    assertThat(mirrorOf(back, q)).hasValueSatisfying(m -> assertThat(m.counts().ready()).isEqualTo(100));
    awaitCondition(Duration.ofSeconds(30), () -> mirrorOf(spare, q).isEmpty());
  }

  @Test
  void confirmsWaitForTheInSyncMirrorsAndASilentMirrorDelaysThemOnlyUntilTheSyncTimeout() throws Exception {
    startThreeNodes("s");
    Node asker = nodes.get(0);
    QueueId all = new QueueId(VHOST, "sync-all");
    QueueId none = new QueueId(VHOST, "sync-none");
    await(asker.broker().declareQueue(durable(all, Map.of("x-mirror-sync", "all"))));
    await(asker.broker().declareQueue(durable(none, Map.of("x-mirror-sync", "none"))));
    publish(asker, all, "warm", 10);
    publish(asker, none, "warm", 10);
    awaitInSync(asker, all, 2);
    awaitInSync(asker, none, 2);

    // With "all", a confirm means every in-sync mirror holds the write: the leader has their
    // acknowledgements by the time the publisher hears of it.
    for (int i = 0; i < 5; i++) {
      publish(asker, all, "sync-" + i, 20);
      QueueEntity.Replication r = await(asker.broker().replication(all));
      assertThat(r.mirrors()).allSatisfy(m -> assertThat(m.seqNr()).as("%s acknowledged", m.node()).isEqualTo(r.seqNr()));
    }

    // A node that leads neither queue (so it holds a mirror of both) stops answering.
    Node leaderAll = byAddress(await(asker.broker().replication(all)).leader());
    Node leaderNone = byAddress(await(asker.broker().replication(none)).leader());
    Node silent = nodes.stream().filter(n -> n != leaderAll && n != leaderNone).findFirst().orElseThrow();
    Node publisher = leaderAll;
    silent.system().terminate();
    await(silent.system().getWhenTerminated(), Duration.ofSeconds(60));
    nodes.remove(silent);

    long started = System.nanoTime();
    publish(publisher, none, "silent", 1);
    double noneSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    publish(publisher, all, "silent", 1);
    double allSeconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("MirrorsIT: with a silent mirror, confirm took %.2f s (x-mirror-sync none), %.2f s (all)%n",
        noneSeconds, allSeconds);
    assertThat(noneSeconds).as("x-mirror-sync none does not wait for mirrors").isLessThan(0.8);
    // "all" waits for the silent mirror until sync-timeout (1 s here) drops it, well before the
    // cluster downs its node (failure detection plus stable-after: 3.5 s or more here).
    assertThat(allSeconds).as("x-mirror-sync all waited for the silent mirror").isGreaterThanOrEqualTo(0.8);
    assertThat(allSeconds).as("and no longer than the sync timeout").isLessThan(3.0);
    QueueEntity.Replication r = await(publisher.broker().replication(all));
    assertThat(r.mirrors()).filteredOn(m -> m.node().equals(silent.address()))
        .allSatisfy(m -> assertThat(m.inSync()).isFalse());

    // Later confirms do not wait for it at all.
    started = System.nanoTime();
    publish(publisher, all, "after", 1);
    assertThat((System.nanoTime() - started) / 1e9).isLessThan(0.8);
  }

  @Test
  void whenTheLeadersNodeCrashesTheNewLeaderAdoptsAMirrorInsteadOfReplayingTheJournal() throws Exception {
    startThreeNodes("f");
    QueueId q = new QueueId(VHOST, "failover");
    await(nodes.get(0).broker().declareQueue(durable(q, Map.of())));
    int batches = 60;
    for (int b = 0; b < batches; b++) {
      publish(nodes.get(0), q, "backlog-" + b, 50);
    }
    QueueEntity.Replication before = awaitInSync(nodes.get(0), q, 2);
    assertThat(before.seqNr()).as("one journal write per batch at least").isGreaterThanOrEqualTo(batches);
    Node leader = byAddress(before.leader());
    Node asker = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();

    long crashed = System.nanoTime();
    leader.system().terminate();
    await(leader.system().getWhenTerminated(), Duration.ofSeconds(60));
    nodes.remove(leader);
    // Publish until a confirm comes back: the queue is led again somewhere.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        List<PublishOutcome> o = await(asker.broker().publish(VHOST, List.of(new Message("", q.name(),
            MessageProperties.builder().persistent().messageId("after-crash").build(), "x".getBytes(UTF_8)))),
            Duration.ofSeconds(15));
        if (o.get(0).confirmed()) {
          break;
        }
      } catch (RuntimeException e) {
        assertThat(System.nanoTime()).as("confirmed again within 90 s; last error %s", e).isLessThan(deadline);
      }
    }
    double failover = (System.nanoTime() - crashed) / 1e9;
    QueueEntity.Replication after = await(asker.broker().replication(q));
    System.out.printf("MirrorsIT: failover of a queue of %d messages (%d journal events): first confirm %.1f s after"
        + " the crash; the new leader adopted a mirror: %s, replayed %d events%n", batches * 50, before.seqNr(),
        failover, after.adoptedMirror(), after.replayedEvents());
    assertThat(after.leader()).isNotEqualTo(leader.address());
    assertThat(after.adoptedMirror()).as("the new leader took over its node's mirror").isTrue();
    assertThat(after.replayedEvents()).as("events replayed from the journal (not from sequence 1)").isLessThanOrEqualTo(2);
    // A publish that timed out while the queue moved may still have been written (at least once).
    assertThat(await(asker.broker().counts(q)).total()).as("nothing confirmed is lost")
        .isBetween((long) batches * 50 + 1, (long) batches * 50 + attempts);
  }

  // ------------------------------------------------------------------ helpers

  @Test
  void theRestApiShowsEachQueuesLeaderAndMirrorsWithTheirLagAndWhatEachNodeLeadsAndMirrors() throws Exception {
    Node a = startThreeNodes("r");
    QueueId q1 = new QueueId(VHOST, "rest-mirrors-1");
    QueueId q2 = new QueueId(VHOST, "rest-mirrors-2");
    for (QueueId q : List.of(q1, q2)) {
      await(a.broker().declareQueue(durable(q, Map.of())));
      publish(a, q, "rest", 25);
    }
    var binding = await(io.weirmq.http.WeirHttpServer.start(a.broker(),
        io.weirmq.http.HttpSettings.from(a.system().settings().config()).withPort(0)));
    String base = "http://127.0.0.1:" + binding.localAddress().getPort() + "/api";
    var json = new com.fasterxml.jackson.databind.ObjectMapper();

    for (QueueId q : List.of(q1, q2)) {
      QueueEntity.Replication r = awaitInSync(a, q, 2);
      var view = json.readTree(get(base + "/queues/%2F/" + q.name()));
      assertThat(view.get("node").asText()).as("%s's leader", q).isEqualTo(r.leader());
      assertThat(view.get("messages").asLong()).isEqualTo(25);
      List<String> mirrors = new ArrayList<>();
      view.get("mirrors").forEach(m -> mirrors.add(m.asText()));
      assertThat(mirrors).hasSize(2).doesNotContain(r.leader()).doesNotHaveDuplicates();
      assertThat(view.get("members")).hasSize(3);
      assertThat(view.get("synchronised_mirror_nodes")).hasSize(2);
      view.get("mirror_details").forEach(m -> {
        assertThat(m.get("lag").asLong()).as("lag of %s", m).isZero();
        assertThat(m.get("in_sync").asBoolean()).as("in sync: %s", m).isTrue();
        assertThat(m.get("seq").asLong()).isEqualTo(view.get("leader_seq").asLong()).isPositive();
      });
    }

    // Every node answers; what they lead and mirror adds up: each queue led once and mirrored twice.
    awaitCondition(Duration.ofSeconds(30), () -> {
      try {
        var nodes = json.readTree(get(base + "/nodes"));
        long led = 0;
        long mirrored = 0;
        for (var n : nodes) {
          if (!n.get("running").asBoolean() || n.get("queues_led").isNull()) {
            return false;
          }
          led += n.get("queues_led").asLong();
          mirrored += n.get("queues_mirrored").asLong();
        }
        return nodes.size() == 3 && led >= 2 && mirrored == 2 * led;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    for (QueueId q : List.of(q1, q2)) {
      QueueEntity.Replication r = await(a.broker().replication(q));
      for (Node n : nodes) {
        var one = json.readTree(get(base + "/nodes/" + java.net.URLEncoder.encode(n.address(), UTF_8)));
        assertThat(one.get("name").asText()).isEqualTo(n.address());
        assertThat(one.get("heap_max").asLong()).isPositive();
        List<String> leads = new ArrayList<>();
        one.get("leads").forEach(x -> leads.add(x.get("name").asText()));
        List<String> mirrorsHere = new ArrayList<>();
        one.get("mirrors").forEach(x -> mirrorsHere.add(x.get("name").asText()));
        if (n.address().equals(r.leader())) {
          assertThat(leads).as("%s leads", n.address()).contains(q.name());
          assertThat(mirrorsHere).as("%s mirrors", n.address()).doesNotContain(q.name());
        } else {
          assertThat(mirrorsHere).as("%s mirrors", n.address()).contains(q.name());
          assertThat(leads).as("%s leads", n.address()).doesNotContain(q.name());
        }
      }
    }
    assertThat(status(base + "/nodes/akka%3A%2F%2Fweir%40127.0.0.1%3A1")).isEqualTo(404);
  }

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  private static java.net.http.HttpResponse<String> call(String url) throws Exception {
    return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
            .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("guest:guest".getBytes(UTF_8)))
            .timeout(Duration.ofSeconds(30)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static String get(String url) throws Exception {
    var response = call(url);
    assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
    return response.body();
  }

  private static int status(String url) throws Exception {
    return call(url).statusCode();
  }

  private QueueEntity.Replication awaitInSync(Node asker, QueueId q, int mirrors) {
    QueueEntity.Replication[] last = new QueueEntity.Replication[1];
    try {
      awaitCondition(Duration.ofSeconds(60), () -> {
        last[0] = await(asker.broker().replication(q));
        return last[0].mirrors().size() == mirrors
            && last[0].mirrors().stream().allMatch(m -> m.inSync() && m.lag() == 0);
      });
    } catch (AssertionError e) {
      StringBuilder held = new StringBuilder();
      for (Node n : nodes) {
        held.append(' ').append(n.name()).append('=').append(mirrorOf(n, q));
      }
      throw new AssertionError(mirrors + " mirrors in sync; last seen " + last[0] + "; mirrors held:" + held, e);
    }
    return last[0];
  }

  private static Optional<MirrorHost.MirrorStatus> mirrorOf(Node node, QueueId q) {
    return await(node.broker().mirrorsHere()).mirrors().stream()
        .filter(m -> m.entityId().endsWith("@" + q.key())).findFirst();
  }

  private Node byAddress(String address) {
    return nodes.stream().filter(n -> n.address().equals(address)).findFirst()
        .orElseThrow(() -> new AssertionError("no running node at " + address));
  }

  private static void publish(Node node, QueueId q, String prefix, int count) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = prefix + "#" + i;
      messages.add(new Message("", q.name(), MessageProperties.builder().persistent().messageId(id).build(),
          id.getBytes(UTF_8)));
    }
    awaitCondition(Duration.ofSeconds(15), () -> node.broker().topology().queue(q).isPresent());
    List<PublishOutcome> outcomes = await(node.broker().publish(VHOST, messages), Duration.ofSeconds(60));
    assertThat(outcomes).allMatch(o -> o.routed() && o.confirmed());
  }

  private static QueueDefinition durable(QueueId id, Map<String, Object> arguments) {
    return new QueueDefinition(id, true, false, false, arguments, null);
  }

  private void awaitMembers(int size) {
    for (Node n : nodes) {
      awaitCondition(Duration.ofSeconds(60), () -> {
        var members = Cluster.get(n.system()).state().getMembers();
        int up = 0;
        for (var m : members) {
          up += m.status() == MemberStatus.up() ? 1 : 0;
        }
        return up == size;
      });
    }
  }

  /** Starts nodes {@code prefix}A, B and C as one cluster and waits until all three are members; answers A. */
  private Node startThreeNodes(String prefix) throws java.io.IOException {
    List<Integer> ports = LocalCassandra.freePorts(3);
    Node a = startNode(prefix + "A", ports, 0);
    startNode(prefix + "B", ports, 1);
    startNode(prefix + "C", ports, 2);
    awaitMembers(3);
    return a;
  }

  /** Starts node {@code index} of a cluster whose seed nodes are all of {@code ports}. */
  private Node startNode(String name, List<Integer> ports, int index) {
    return inJvm.start(name, ports, index, "weir.publish-timeout = 10s\nweir.mirrors.sync-timeout = 1s");
  }
}
