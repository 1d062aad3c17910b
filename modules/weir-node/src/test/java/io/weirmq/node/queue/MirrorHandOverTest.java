package io.weirmq.node.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.HeapBodyStore;
import io.weirmq.core.queue.QueueEvent;
import io.weirmq.core.queue.QueueState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A queue's leader dies after its last write reached one mirror but not the other. The mirror that
 * has it becomes the leader; the other must count as in sync with the new leader at once, from the
 * events the adopted mirror handed over, not after reading the journal. This test gives the mirrors
 * no journal to read at all (a read journal that does not exist): an acknowledgement of the newest
 * sequence number can only come from the handed-over events.
 */
class MirrorHandOverTest {

  private static ActorTestKit kit;
  private static final QueueRef QUEUE = new QueueRef(new QueueId("/", "handed-over"), 1);

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("MirrorHandOverTest", ConfigFactory.parseString("akka.loglevel = WARNING")
        .withFallback(ConfigFactory.defaultReference()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static MirrorSettings settings(long handOverBytes) {
    return new MirrorSettings("no-such-read-journal", 1000, Duration.ofMillis(200), Duration.ofSeconds(2),
        Duration.ofMillis(250), Duration.ofSeconds(1), handOverBytes);
  }

  /** Three journal writes of the old leader, one published message each: the events of each write. */
  private static List<List<QueueEvent>> threeWrites() {
    QueueState leader = new QueueState(QUEUE.id(), new HeapBodyStore());
    List<List<QueueEvent>> writes = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Message m = new Message("", QUEUE.id().name(), MessageProperties.builder().persistent().build(),
          ("m" + i).getBytes(StandardCharsets.UTF_8));
      List<QueueEvent> events = leader.publish(List.of(m), i).events();
      events.forEach(leader::apply);
      writes.add(events);
    }
    return writes;
  }

  @Test
  void aMirrorThatMissedTheOldLeadersLastWriteIsInSyncWithTheNewLeaderWithoutReadingTheJournal() {
    List<List<QueueEvent>> writes = threeWrites();
    TestProbe<QueueEntity.Command> oldLeader = kit.createTestProbe();
    ActorRef<QueueMirror.Command> b = kit.spawn(QueueMirror.create(QUEUE, "b", settings(128 * 1024)));
    ActorRef<QueueMirror.Command> c = kit.spawn(QueueMirror.create(QUEUE, "c", settings(128 * 1024)));
    long seq = 1;
    for (int w = 0; w < writes.size(); w++) {
      b.tell(new QueueMirror.Apply(oldLeader.getRef(), seq, writes.get(w)));
      if (w < writes.size() - 1) {
        c.tell(new QueueMirror.Apply(oldLeader.getRef(), seq, writes.get(w))); // c misses the last write
      }
      seq += writes.get(w).size();
    }
    long newest = seq - 1;
    oldLeader.fishForMessage(Duration.ofSeconds(5), m -> m instanceof QueueEntity.MirrorAck a && a.node().equals("b")
        && a.seqNr() == newest ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());

    // The old leader dies; b's node starts the new leader, which adopts b's state and events.
    TestProbe<MirrorHost.Adopted> adopting = kit.createTestProbe();
    b.tell(new QueueMirror.HandOver(adopting.getRef()));
    MirrorHost.Adopted adopted = adopting.receiveMessage();
    assertThat(adopted.seqNr()).isEqualTo(newest);
    assertThat(adopted.recent().last()).as("the handed-over events end where the state does").isEqualTo(newest);

    // The new leader's first placement, as LeaderMirrors.place sends it: the handed-over events,
    // then the announcement of the sequence number it holds.
    TestProbe<QueueEntity.Command> newLeader = kit.createTestProbe();
    long first = adopted.recent().first();
    c.tell(new QueueMirror.Apply(newLeader.getRef(), first, adopted.recent().from(first).orElseThrow()));
    c.tell(new QueueMirror.Apply(newLeader.getRef(), newest + 1, List.of()));
    newLeader.fishForMessage(Duration.ofSeconds(3), m -> m instanceof QueueEntity.MirrorAck a && a.seqNr() == newest
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());

    TestProbe<MirrorHost.MirrorStatus> status = kit.createTestProbe();
    c.tell(new QueueMirror.GetStatus(status.getRef()));
    MirrorHost.MirrorStatus s = status.receiveMessage();
    assertThat(s.seqNr()).isEqualTo(newest);
    assertThat(s.catchingUp()).isFalse();
    assertThat(s.counts()).as("the same queue as the new leader's").isEqualTo(adopted.state().counts());
  }

  @Test
  void aMirrorFurtherBehindThanTheHandedOverEventsDoesNotCountTheirAcknowledgementAsInSync() {
    List<List<QueueEvent>> writes = threeWrites();
    TestProbe<QueueEntity.Command> oldLeader = kit.createTestProbe();
    // b keeps only its latest event (one message's worth), so the hand-over cannot cover c, which
    // holds only the first write.
    long oneWrite = QueueMirror.estimatedBytes(writes.get(2).get(0));
    ActorRef<QueueMirror.Command> b = kit.spawn(QueueMirror.create(QUEUE, "b", settings(oneWrite)));
    ActorRef<QueueMirror.Command> c = kit.spawn(QueueMirror.create(QUEUE, "c", settings(oneWrite)));
    long seq = 1;
    for (int w = 0; w < writes.size(); w++) {
      b.tell(new QueueMirror.Apply(oldLeader.getRef(), seq, writes.get(w)));
      if (w == 0) {
        c.tell(new QueueMirror.Apply(oldLeader.getRef(), seq, writes.get(w)));
      }
      seq += writes.get(w).size();
    }
    long newest = seq - 1;
    long cHolds = writes.get(0).size();
    TestProbe<MirrorHost.Adopted> adopting = kit.createTestProbe();
    b.tell(new QueueMirror.HandOver(adopting.getRef()));
    MirrorHost.Adopted adopted = adopting.receiveMessage();
    long first = adopted.recent().first();
    assertThat(first).as("a gap between what c holds and the handed-over events").isGreaterThan(cHolds + 1);

    TestProbe<QueueEntity.Command> newLeader = kit.createTestProbe();
    c.tell(new QueueMirror.Apply(newLeader.getRef(), first, adopted.recent().from(first).orElseThrow()));
    c.tell(new QueueMirror.Apply(newLeader.getRef(), newest + 1, List.of()));
    // c must read the journal for what it lacks (there is none here): until it has, it acknowledges
    // nothing, so the new leader never counts it in sync on the handed-over events alone.
    newLeader.expectNoMessage(Duration.ofSeconds(2));
  }

  @Test
  void aHandOverBoundThatWouldNotFitInOneArteryMessageIsRefusedNamingTheSetting() {
    var config = ConfigFactory.parseString("weir.mirrors.hand-over-bytes = 256 KiB")
        .withFallback(ConfigFactory.defaultReference()).resolve();
    assertThatThrownBy(() -> MirrorSettings.from(config)).hasMessageContaining("weir.mirrors.hand-over-bytes")
        .hasMessageContaining("maximum-frame-size");
    assertThat(MirrorSettings.from(ConfigFactory.defaultReference().resolve()).handOverBytes()).isEqualTo(128 * 1024);
  }
}
