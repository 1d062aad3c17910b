package io.weirmq.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.queue.QueueEvent.DeadLettersSettled;
import io.weirmq.core.queue.QueueEvent.MessagesAcked;
import io.weirmq.core.queue.QueueEvent.MessagesDeadLettered;
import io.weirmq.core.queue.QueueEvent.MessagesDiscarded;
import io.weirmq.core.queue.QueueEvent.MessagesEnqueued;
import io.weirmq.core.queue.QueueEvent.MessagesPurged;
import io.weirmq.core.queue.QueueEvent.MessagesRequeued;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random operation sequences against a model of where every message is. The model is driven by the
 * events the state decides and the deliveries it hands out, and checks each against what is allowed:
 * a delivery only of a ready message, an ack only of an unacked one, and so on.
 */
class QueueStatePropertyTest {

  enum Variant {
    PLAIN(QueueSettings.DEFAULT),
    DROP_HEAD_DLX(QueueSettings.fromArguments(Map.of("x-max-length", 6, "x-max-length-bytes", 300,
        "x-dead-letter-exchange", "dlx"))),
    DELIVERY_LIMIT(QueueSettings.fromArguments(Map.of("x-delivery-limit", 2, "x-dead-letter-exchange", "dlx",
        "x-message-ttl", 5000))),
    PRIORITY(QueueSettings.fromArguments(Map.of("x-max-priority", 4)));

    final QueueSettings settings;

    Variant(QueueSettings settings) {
      this.settings = settings;
    }
  }

  sealed interface Op {}

  record Publish(int count, int size, Integer ttl, Integer priority) implements Op {}

  record AddConsumer(int owner, int prefetch, boolean autoAck) implements Op {}

  record RemoveConsumer(int pick) implements Op {}

  record Deliver(int max) implements Op {}

  record Ack(int pick, int count) implements Op {}

  record Nack(int pick, int count, boolean requeue) implements Op {}

  record Reject(int pick, boolean requeue) implements Op {}

  record Release(int owner) implements Op {}

  record Get(int owner, boolean autoAck) implements Op {}

  record Expire(int advance) implements Op {}

  record Purge() implements Op {}

  record Settle(int count) implements Op {}

  record Restart() implements Op {}

  // ---------------------------------------------------------------- generators

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Integer> small = Arbitraries.integers().between(0, 20);
    Arbitrary<Integer> owner = Arbitraries.integers().between(0, 2);
    Arbitrary<Op> publish = Combinators.combine(
        Arbitraries.integers().between(1, 5),
        Arbitraries.integers().between(0, 80),
        Arbitraries.integers().between(0, 3000).injectNull(0.7),
        Arbitraries.integers().between(0, 9).injectNull(0.3)).as(Publish::new);
    Arbitrary<Op> addConsumer = Combinators.combine(owner, Arbitraries.integers().between(0, 3),
        Arbitraries.of(false, false, false, true)).as(AddConsumer::new);
    Arbitrary<Op> removeConsumer = small.map(RemoveConsumer::new);
    Arbitrary<Op> deliver = Arbitraries.integers().between(1, 10).map(Deliver::new);
    Arbitrary<Op> ack = Combinators.combine(small, Arbitraries.integers().between(1, 3)).as(Ack::new);
    Arbitrary<Op> nack = Combinators.combine(small, Arbitraries.integers().between(1, 3), Arbitraries.of(true, false))
        .as(Nack::new);
    Arbitrary<Op> reject = Combinators.combine(small, Arbitraries.of(true, false)).as(Reject::new);
    Arbitrary<Op> release = owner.map(Release::new);
    Arbitrary<Op> get = Combinators.combine(owner, Arbitraries.of(true, false)).as(Get::new);
    Arbitrary<Op> expire = Arbitraries.integers().between(0, 2500).map(Expire::new);
    Arbitrary<Op> purge = Arbitraries.just(new Purge());
    Arbitrary<Op> settle = Arbitraries.integers().between(1, 4).map(Settle::new);
    Arbitrary<Op> restart = Arbitraries.just(new Restart());
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        Tuple.of(8, publish), Tuple.of(3, addConsumer), Tuple.of(1, removeConsumer), Tuple.of(6, deliver),
        Tuple.of(5, ack), Tuple.of(3, nack), Tuple.of(2, reject), Tuple.of(1, release), Tuple.of(2, get),
        Tuple.of(2, expire), Tuple.of(1, purge), Tuple.of(2, settle), Tuple.of(1, restart));
    return op.list().ofMinSize(1).ofMaxSize(40);
  }

  // ---------------------------------------------------------------- properties

  @Property(tries = 250)
  void everyMessageIsInExactlyOnePlaceAndReplayAgrees(@ForAll Variant variant, @ForAll("ops") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 4) int markAhead) {
    Run run = new Run(variant, markAhead);
    for (Op op : ops) {
      run.step(op);
      run.checkInvariants();
    }
    run.checkReplayAfterReleasingEveryOwner();
  }

  record Step(int publish, int deliverMax, int acks) {}

  @Property(tries = 100)
  void singleConsumerWithoutRequeuesReceivesMessagesInPublishOrder(
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 4) Integer> publishes,
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 5) Integer> acks,
      @ForAll @IntRange(min = 0, max = 4) int prefetch, @ForAll @IntRange(min = 1, max = 4) int markAhead) {
    QueueDriver q = new QueueDriver(QueueSettings.DEFAULT, markAhead, 0);
    q.addConsumer("c1", "ch1", prefetch);
    List<Long> delivered = new ArrayList<>();
    long published = 0;
    for (int i = 0; i < Math.max(publishes.size(), acks.size()); i++) {
      int n = i < publishes.size() ? publishes.get(i) : 0;
      for (int k = 0; k < n; k++) {
        q.publish(TestMessages.msg("m" + ++published));
      }
      q.deliver(1 + i % 3).forEach(d -> delivered.add(d.messageId()));
      List<Long> unacked = q.unackedIds();
      int ackCount = Math.min(i < acks.size() ? acks.get(i) : 0, unacked.size());
      if (ackCount > 0) {
        q.ack("ch1", unacked.subList(0, ackCount).stream().mapToLong(Long::longValue).toArray());
      }
    }
    while (q.state().counts().ready() > 0) {
      q.ack("ch1", q.unackedIds().stream().mapToLong(Long::longValue).toArray());
      q.deliverAll().forEach(d -> delivered.add(d.messageId()));
    }
    List<Long> expected = new ArrayList<>();
    for (long id = 1; id <= published; id++) {
      expected.add(id);
    }
    assertThat(delivered).isEqualTo(expected);
  }

  // ---------------------------------------------------------------- the model

  enum Where { READY, UNACKED, PENDING, ACKED, DROPPED, SETTLED }

  static final class Run {
    final Variant variant;
    final QueueDriver q;
    final Map<Long, Where> where = new HashMap<>();
    final Map<Long, String> ownerOf = new HashMap<>();
    final Map<Long, Integer> returns = new HashMap<>();
    final Set<Long> deliveredBefore = new HashSet<>();
    final Set<Long> presentAtARestart = new HashSet<>();
    final Map<Long, Integer> sizeOf = new HashMap<>();
    final Map<String, String> consumers = new LinkedHashMap<>();
    long enqueued;
    long acked;
    long dropped;
    long deadLettered;
    int consumerSeq;
    int seq;

    Run(Variant variant, long markAhead) {
      this.variant = variant;
      this.q = new QueueDriver(variant.settings, markAhead, 1_000_000L);
    }

    void step(Op op) {
      int journalBefore = q.journal().size();
      Map<Long, Long> readyExpiry = new HashMap<>();
      q.state().readyMessages().forEach(m -> readyExpiry.put(m.id(), m.expiresAt()));
      List<Delivery> deliveries = new ArrayList<>();
      Set<Long> expectedReleased = null;
      if (op instanceof Publish p) {
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < p.count(); i++) {
          MessageProperties.Builder b = MessageProperties.builder().priority(p.priority());
          if (p.ttl() != null) {
            b.expiration(Integer.toString(p.ttl()));
          }
          batch.add(new Message("ex", "rk", b.build(), new byte[p.size() + i]));
        }
        QueueState.PublishDecision d = q.publish(batch);
        assertThat(d.accepted()).containsOnly(true);
      } else if (op instanceof AddConsumer a) {
        String id = "c" + ++consumerSeq;
        q.addConsumer(id, "ch" + a.owner(), a.prefetch(), a.autoAck(), false);
        consumers.put(id, "ch" + a.owner());
      } else if (op instanceof RemoveConsumer r) {
        if (!consumers.isEmpty()) {
          String id = new ArrayList<>(consumers.keySet()).get(r.pick() % consumers.size());
          assertThat(q.removeConsumer(id)).isTrue();
          consumers.remove(id);
        }
      } else if (op instanceof Deliver d) {
        deliveries.addAll(q.deliver(d.max()));
        assertThat(deliveries.size()).isLessThanOrEqualTo(d.max());
      } else if (op instanceof Ack a) {
        long[] ids = pickUnacked(a.pick(), a.count());
        if (ids.length > 0) {
          q.ack(ownerOf.get(ids[0]), ids);
        }
      } else if (op instanceof Nack n) {
        long[] ids = pickUnacked(n.pick(), n.count());
        if (ids.length > 0) {
          q.nack(ownerOf.get(ids[0]), n.requeue(), ids);
        }
      } else if (op instanceof Reject r) {
        long[] ids = pickUnacked(r.pick(), 1);
        if (ids.length > 0) {
          q.reject(ownerOf.get(ids[0]), ids[0], r.requeue());
        }
      } else if (op instanceof Release r) {
        String owner = "ch" + r.owner();
        expectedReleased = ownerOf.entrySet().stream().filter(e -> e.getValue().equals(owner))
            .map(Map.Entry::getKey).collect(Collectors.toSet());
        q.release(owner);
      } else if (op instanceof Get g) {
        Delivery d = q.get("ch" + g.owner(), g.autoAck());
        if (d != null) {
          deliveries.add(d);
        }
      } else if (op instanceof Expire e) {
        q.advance(e.advance()).expire();
      } else if (op instanceof Purge p) {
        q.purge();
      } else if (op instanceof Settle s) {
        List<Long> pending = q.pendingIds();
        q.settleDeadLetters(pending.subList(0, Math.min(s.count(), pending.size())).stream()
            .mapToLong(Long::longValue).toArray());
      } else if (op instanceof Restart r) {
        List<Long> wasUnacked = q.unackedIds();
        q.restart();
        consumers.clear();
        for (long id : wasUnacked) {
          assertThat(where.get(id)).isEqualTo(Where.UNACKED);
          where.put(id, Where.READY);
          ownerOf.remove(id);
        }
        presentAtARestart.addAll(where.keySet());
        Map<Long, StoredMessage> ready = q.state().readyMessages().stream()
            .collect(Collectors.toMap(StoredMessage::id, m -> m));
        for (long id : wasUnacked) {
          assertThat(ready.get(id)).as("previously delivered message %d after restart", id)
              .isNotNull().extracting(StoredMessage::redelivered).isEqualTo(true);
        }
      }

      for (Delivery d : deliveries) {
        long id = d.messageId();
        assertThat(where.get(id)).as("message %d handed out while not ready", id).isEqualTo(Where.READY);
        where.put(id, Where.UNACKED);
        ownerOf.put(id, d.owner());
        assertThat(d.deliveryCount()).isEqualTo(returns.getOrDefault(id, 0));
        if (deliveredBefore.contains(id)) {
          assertThat(d.redelivered()).as("redelivery of %d", id).isTrue();
        } else if (!presentAtARestart.contains(id)) {
          assertThat(d.redelivered()).as("first delivery of %d", id).isFalse();
        }
        deliveredBefore.add(id);
        if (d.consumerId() != null) {
          assertThat(consumers).containsEntry(d.consumerId(), d.owner());
        }
      }
      Set<Long> released = new HashSet<>();
      for (QueueEvent e : q.journal().subList(journalBefore, q.journal().size())) {
        fold(e, op, readyExpiry, released);
      }
      if (expectedReleased != null) {
        assertThat(released).isEqualTo(expectedReleased);
      }
      seq++;
    }

    private long[] pickUnacked(int pick, int count) {
      List<Long> unacked = where.entrySet().stream().filter(e -> e.getValue() == Where.UNACKED)
          .map(Map.Entry::getKey).sorted().toList();
      if (unacked.isEmpty()) {
        return new long[0];
      }
      long first = unacked.get(pick % unacked.size());
      String owner = ownerOf.get(first);
      return unacked.stream().filter(id -> id >= first && owner.equals(ownerOf.get(id))).limit(count)
          .mapToLong(Long::longValue).toArray();
    }

    private void move(long id, Where to, Where... from) {
      assertThat(where.get(id)).as("message %d moving to %s", id, to).isIn((Object[]) from);
      where.put(id, to);
      if (to != Where.UNACKED) {
        ownerOf.remove(id);
      }
    }

    private void fold(QueueEvent e, Op op, Map<Long, Long> readyExpiry, Set<Long> released) {
      if (e instanceof MessagesEnqueued m) {
        for (QueueEvent.EnqueuedMessage em : m.messages()) {
          assertThat(where).doesNotContainKey(em.id());
          where.put(em.id(), Where.READY);
          sizeOf.put(em.id(), em.body().length);
          enqueued++;
        }
      } else if (e instanceof MessagesAcked a) {
        for (long id : a.ids().values()) {
          move(id, Where.ACKED, Where.UNACKED);
          acked++;
        }
      } else if (e instanceof MessagesRequeued r) {
        for (long id : r.ids().values()) {
          move(id, Where.READY, Where.UNACKED);
          returns.merge(id, 1, Integer::sum);
          released.add(id);
        }
      } else if (e instanceof MessagesDeadLettered d) {
        assertThat(variant.settings.hasDeadLetterExchange()).isTrue();
        for (long id : d.ids().values()) {
          checkRemovalReason(id, d.reason(), op, readyExpiry);
          if (d.reason() == DeadLetterReason.DELIVERY_LIMIT) {
            released.add(id);
          }
          move(id, Where.PENDING, Where.READY, Where.UNACKED);
          deadLettered++;
        }
      } else if (e instanceof MessagesDiscarded d) {
        assertThat(variant.settings.hasDeadLetterExchange()).isFalse();
        for (long id : d.ids().values()) {
          checkRemovalReason(id, d.reason(), op, readyExpiry);
          move(id, Where.DROPPED, Where.READY, Where.UNACKED);
          dropped++;
        }
      } else if (e instanceof MessagesPurged p) {
        Set<Long> ready = idsAt(Where.READY);
        Set<Long> purged = Arrays.stream(p.ids().values()).boxed().collect(Collectors.toCollection(TreeSet::new));
        assertThat(purged).isEqualTo(ready);
        for (long id : p.ids().values()) {
          move(id, Where.DROPPED, Where.READY);
          dropped++;
        }
      } else if (e instanceof DeadLettersSettled s) {
        for (long id : s.ids().values()) {
          move(id, Where.SETTLED, Where.PENDING);
        }
      }
    }


    private void checkRemovalReason(long id, DeadLetterReason reason, Op op, Map<Long, Long> readyExpiry) {
      switch (reason) {
        case EXPIRED -> {
          assertThat(op).isInstanceOf(Expire.class);
          assertThat(readyExpiry.get(id)).as("expiry of %d", id).isNotNull().isLessThanOrEqualTo(q.now());
        }
        case MAXLEN -> assertThat(op).isInstanceOf(Publish.class);
        case REJECTED -> assertThat(op).isInstanceOfAny(Nack.class, Reject.class);
        case DELIVERY_LIMIT -> {
          assertThat(variant.settings.deliveryLimit()).isNotNull();
          assertThat(returns.getOrDefault(id, 0) + 1L).isGreaterThan(variant.settings.deliveryLimit());
        }
      }
    }

    Set<Long> idsAt(Where w) {
      return where.entrySet().stream().filter(e -> e.getValue() == w).map(Map.Entry::getKey)
          .collect(Collectors.toCollection(TreeSet::new));
    }

    void checkInvariants() {
      QueueState s = q.state();
      List<Long> ready = q.readyIds();
      List<Long> unacked = q.unackedIds();
      List<Long> pending = q.pendingIds();
      // each place holds each message once, and the places agree with the model
      assertThat(ready).doesNotHaveDuplicates();
      assertThat(new TreeSet<>(ready)).isEqualTo(idsAt(Where.READY));
      assertThat(new TreeSet<>(unacked)).isEqualTo(idsAt(Where.UNACKED)).hasSameSizeAs(unacked);
      assertThat(new TreeSet<>(pending)).isEqualTo(idsAt(Where.PENDING)).hasSameSizeAs(pending);
      // every id the queue ever gave out is accounted for
      assertThat(where.keySet()).hasSize((int) (s.nextId() - 1));

      QueueCounts c = s.counts();
      assertThat(c.ready()).isEqualTo(ready.size());
      assertThat(c.unacked()).isEqualTo(unacked.size());
      assertThat(c.pendingDeadLetters()).isEqualTo(pending.size());
      assertThat(c.consumers()).isEqualTo(consumers.size());
      assertThat(c.ready() + c.unacked()).isEqualTo(enqueued - acked - dropped - deadLettered);
      assertThat(c.readyBytes()).isEqualTo(ready.stream().mapToLong(sizeOf::get).sum());
      assertThat(q.store().size()).isEqualTo(ready.size() + unacked.size() + pending.size());
      assertThat(s.storedBytes()).isEqualTo(java.util.stream.Stream.of(ready, unacked, pending)
          .flatMap(List::stream).mapToLong(sizeOf::get).sum());

      // requeued messages sit at their original position: ids ascend within each priority
      List<StoredMessage> readyMessages = s.readyMessages();
      for (int i = 1; i < readyMessages.size(); i++) {
        StoredMessage a = readyMessages.get(i - 1);
        StoredMessage b = readyMessages.get(i);
        int pa = priorityOf(a);
        int pb = priorityOf(b);
        assertThat(pa).isGreaterThanOrEqualTo(pb);
        if (pa == pb) {
          assertThat(a.id()).isLessThan(b.id());
        }
      }

      // the journal alone rebuilds what is durable: everything held is ready again after replay
      HeapBodyStore store = new HeapBodyStore();
      QueueState replayed = QueueDriver.replay(q.journal(), store);
      TreeSet<Long> held = new TreeSet<>(ready);
      held.addAll(unacked);
      assertThat(new TreeSet<>(replayed.readyMessages().stream().map(StoredMessage::id).toList())).isEqualTo(held);
      assertThat(replayed.pendingDeadLetters()).isEqualTo(s.pendingDeadLetters());
      assertThat(replayed.nextId()).isEqualTo(s.nextId());
      assertThat(replayed.deliveryMark()).isEqualTo(s.deliveryMark());
      assertThat(store.size()).isEqualTo(q.store().size());
    }

    private int priorityOf(StoredMessage m) {
      Integer max = variant.settings.maxPriority();
      Integer p = m.properties().priority();
      return max == null || p == null ? 0 : Math.min(p, max);
    }

    void checkReplayAfterReleasingEveryOwner() {
      for (String owner : new TreeSet<>(ownerOf.values())) {
        step(new Release(Integer.parseInt(owner.substring(2))));
      }
      checkInvariants();
      QueueState live = q.state();
      HeapBodyStore store = new HeapBodyStore();
      QueueState replayed = QueueDriver.replay(q.journal(), store);
      replayed.recoveryCompleted(q.now());

      assertThat(replayed.readyMessages().stream().map(StoredMessage::id).toList()).isEqualTo(q.readyIds());
      QueueCounts lc = live.counts();
      assertThat(replayed.counts()).isEqualTo(new QueueCounts(lc.ready(), lc.unacked(), lc.readyBytes(), 0,
          lc.pendingDeadLetters()));
      assertThat(replayed.nextId()).isEqualTo(live.nextId());
      assertThat(replayed.pendingDeadLetters()).isEqualTo(live.pendingDeadLetters());
      assertThat(withoutRedelivered(replayed.snapshot())).isEqualTo(withoutRedelivered(live.snapshot()));

      // a snapshot restores to the same durable state
      QueueSnapshot snap = live.snapshot();
      QueueState restored = QueueState.restore(QueueDriver.QUEUE, snap, new HeapBodyStore());
      assertThat(restored.snapshot()).isEqualTo(snap);
      assertThat(restored.readyMessages().stream().map(StoredMessage::id).toList()).isEqualTo(q.readyIds());
    }

    /** The redelivered flag is what recovery adds by design (everything within the mark), so it is left out. */
    private static QueueSnapshot withoutRedelivered(QueueSnapshot s) {
      return new QueueSnapshot(s.settings(), s.nextId(), s.deliveryMark(), s.messages().stream()
          .map(e -> new QueueSnapshot.Entry(e.id(), e.exchange(), e.routingKey(), e.properties(), e.body(),
              e.enqueuedAt(), e.expiresAt(), e.deliveryCount(), false, e.pendingReason(), e.pendingAt()))
          .toList());
    }
  }
}
