package io.weirmq.core.queue;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.QueueEvent.DeadLettersSettled;
import io.weirmq.core.queue.QueueEvent.DeliveriesMarked;
import io.weirmq.core.queue.QueueEvent.EnqueuedMessage;
import io.weirmq.core.queue.QueueEvent.MessagesAcked;
import io.weirmq.core.queue.QueueEvent.MessagesDeadLettered;
import io.weirmq.core.queue.QueueEvent.MessagesDiscarded;
import io.weirmq.core.queue.QueueEvent.MessagesEnqueued;
import io.weirmq.core.queue.QueueEvent.MessagesPurged;
import io.weirmq.core.queue.QueueEvent.MessagesRequeued;
import io.weirmq.core.queue.QueueEvent.QueueConfigured;
import io.weirmq.core.queue.QueueSettings.Overflow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * One queue's state machine: commands in, events out, state = fold of events.
 *
 * <p>Two kinds of change happen here. Durable changes are decided by the command methods
 * ({@link #publish}, {@link #ack}, {@link #nack}, {@link #expire}, ...), which validate and return
 * events without touching the state; the caller persists those events and then folds each into the
 * state with {@link #apply}. Transient changes (consumers joining and leaving, messages handed out
 * by {@link #deliver} and {@link #get}) mutate the state directly: deliveries are not persisted, and
 * after a restart every unacknowledged message is ready again.
 *
 * <p>Not thread-safe: one owner (an actor, a test) drives it. Every method that depends on time
 * takes {@code now} in epoch millis, so replay is deterministic.
 */
public final class QueueState {

  private final QueueId queue;
  private final BodyStore bodies;
  private QueueSettings settings = QueueSettings.DEFAULT;
  private long nextId = 1;
  private long deliveryMark;
  private final Map<Long, StoredMessage> messages = new HashMap<>();
  private ReadyLane[] lanes = newLanes(1);
  private long readyCount;
  private long readyBytes;
  private long storedBytes;
  private final LinkedHashMap<Long, StoredMessage> unacked = new LinkedHashMap<>();
  private final LinkedHashMap<Long, StoredMessage> pendingDeadLetters = new LinkedHashMap<>();
  private final LinkedHashMap<String, Consumer> consumers = new LinkedHashMap<>();
  private final ArrayDeque<Consumer> rotation = new ArrayDeque<>();
  private long lastUsedAt;

  public QueueState(QueueId queue, BodyStore bodies) {
    this.queue = queue;
    this.bodies = bodies;
  }

  // ---------------------------------------------------------------- queries

  public QueueId queue() {
    return queue;
  }

  public QueueSettings settings() {
    return settings;
  }

  public QueueCounts counts() {
    return new QueueCounts(readyCount, unacked.size(), readyBytes, consumers.size(), pendingDeadLetters.size(),
        activeConsumer());
  }

  /** Body bytes of every message the queue holds: ready, unacked and waiting to be dead-lettered. */
  public long storedBytes() {
    return storedBytes;
  }

  /**
   * What a snapshot of this state takes, about: the bodies plus what each message costs besides
   * its body once serialized (id, properties, flags). Measured: a snapshot of 1,000,000 messages of
   * 16-byte bodies serialized to 318 MB, so 320 bytes a message is counted.
   */
  public long snapshotSizeEstimate() {
    return storedBytes + (long) messages.size() * SNAPSHOT_BYTES_PER_MESSAGE;
  }

  static final int SNAPSHOT_BYTES_PER_MESSAGE = 320;

  public int consumerCount() {
    return consumers.size();
  }

  public boolean hasConsumer(String consumerId) {
    return consumers.containsKey(consumerId);
  }

  /** The id the next enqueued message will get. */
  public long nextId() {
    return nextId;
  }

  public long deliveryMark() {
    return deliveryMark;
  }

  /** The consumer that receives messages under x-single-active-consumer, or null. */
  public String activeConsumer() {
    if (consumers.isEmpty()) {
      return null;
    }
    return settings.singleActiveConsumer() ? consumers.keySet().iterator().next() : null;
  }

  /** When the earliest message at the head of a lane expires, or {@link Long#MAX_VALUE}. */
  public long nextExpiryAt() {
    long earliest = Long.MAX_VALUE;
    for (ReadyLane lane : lanes) {
      StoredMessage head = lane.peek();
      if (head != null) {
        earliest = Math.min(earliest, head.expiresAt());
      }
    }
    return earliest;
  }

  /**
   * When the queue itself expires under x-expires (unused: no consumers and no basic.get), or
   * {@link Long#MAX_VALUE}. Usage is not persisted: after a restart the clock starts again, as in
   * RabbitMQ.
   */
  public long queueExpiresAt() {
    if (settings.expires() == null || !consumers.isEmpty()) {
      return Long.MAX_VALUE;
    }
    return lastUsedAt + settings.expires();
  }

  /** Ready messages in delivery order (highest priority lane first), for inspection. */
  public List<StoredMessage> readyMessages() {
    List<StoredMessage> out = new ArrayList<>();
    readyInDeliveryOrder().forEachRemaining(out::add);
    return out;
  }

  /** Messages handed out and not yet settled, in delivery order. */
  public List<StoredMessage> unackedMessages() {
    return List.copyOf(unacked.values());
  }

  /** The dead-letter copies still to be published, oldest first, bodies read from the store. */
  public List<DeadLetter> pendingDeadLetters() {
    List<DeadLetter> out = new ArrayList<>();
    for (long id : pendingDeadLetterIds()) {
      out.add(deadLetter(id));
    }
    return out;
  }

  /**
   * The ids of the dead letters still to be published, oldest first; cheap, so a caller that has
   * most of them in flight builds only the copies it needs with {@link #deadLetter}. Empty while the
   * queue has no dead-letter exchange (see {@link #dropOrphanedDeadLetters}).
   */
  public List<Long> pendingDeadLetterIds() {
    if (pendingDeadLetters.isEmpty() || !settings.hasDeadLetterExchange()) {
      return List.of();
    }
    return List.copyOf(pendingDeadLetters.keySet());
  }

  /** The dead-letter copy of a pending dead letter, its body read from the store. */
  public DeadLetter deadLetter(long id) {
    StoredMessage m = pendingDeadLetters.get(id);
    if (m == null) {
      throw new IllegalArgumentException("message " + id + " is not waiting to be dead-lettered");
    }
    return new DeadLetter(id, DeadLetters.copy(m.exchange(), m.routingKey(), m.properties(), bodies.get(id), queue,
        settings, m.pendingReason, m.pendingAt));
  }

  public byte[] body(long messageId) {
    return bodies.get(messageId);
  }

  // ---------------------------------------------------------------- commands that decide events

  /**
   * Declares or reconfigures the queue (a redeclaration, a policy added, changed or removed); also
   * counts as use for x-expires. New limits apply at once, as in RabbitMQ: under drop-head, ready
   * messages beyond a lowered max-length or max-length-bytes leave from the head, dead-lettered
   * (reason maxlen) when the new settings name a dead-letter exchange, dropped otherwise. Under the
   * reject-publish modes the queue keeps what it holds and refuses publishes until it is under the
   * limit. A new message TTL applies to messages enqueued from now on (each message's expiry is
   * fixed when it is enqueued, as in RabbitMQ classic queues).
   */
  public List<QueueEvent> configure(QueueSettings newSettings, long now) {
    lastUsedAt = now;
    if (newSettings.equals(settings)) {
      return List.of();
    }
    List<QueueEvent> events = new ArrayList<>(2);
    events.add(new QueueConfigured(newSettings));
    Long maxLength = newSettings.maxLength();
    Long maxBytes = newSettings.maxLengthBytes();
    if (newSettings.overflow() == Overflow.DROP_HEAD && (maxLength != null || maxBytes != null)) {
      long count = readyCount;
      long bytes = readyBytes;
      List<Long> dropped = new ArrayList<>();
      Iterator<StoredMessage> oldest = readyInDeliveryOrder();
      while (oldest.hasNext() && ((maxLength != null && count > maxLength) || (maxBytes != null && bytes > maxBytes))) {
        StoredMessage head = oldest.next();
        dropped.add(head.id());
        count--;
        bytes -= head.bodySize();
      }
      if (!dropped.isEmpty()) {
        events.add(removal(MessageIds.of(dropped), DeadLetterReason.MAXLEN, now, newSettings));
      }
    }
    return events;
  }

  /** The outcome of offering a batch of messages to the queue. */
  public record PublishDecision(List<QueueEvent> events, List<Boolean> accepted, List<Message> rejectedDeadLetters) {}

  /**
   * Offers messages to the queue. Each is accepted (the events enqueue it) or rejected because an
   * {@code x-overflow=reject-publish*} limit is reached (the publisher is nacked; with
   * reject-publish-dlx its dead-letter copy is returned for publishing). Under drop-head, accepting
   * may drop the oldest ready messages, which the events dead-letter or discard.
   */
  public PublishDecision publish(List<Message> batch, long now) {
    List<EnqueuedMessage> enqueued = new ArrayList<>(batch.size());
    List<Boolean> accepted = new ArrayList<>(batch.size());
    List<Message> rejectedDeadLetters = new ArrayList<>();
    Long maxLength = settings.maxLength();
    Long maxBytes = settings.maxLengthBytes();
    boolean limited = maxLength != null || maxBytes != null;
    long count = readyCount;
    long bytes = readyBytes;
    List<Long> dropped = new ArrayList<>();
    Iterator<StoredMessage> oldest = limited && settings.overflow() == Overflow.DROP_HEAD ? readyInDeliveryOrder() : null;
    int firstNewNotDropped = 0;
    for (Message m : batch) {
      int size = m.bodySize();
      if (limited && settings.overflow() != Overflow.DROP_HEAD
          && ((maxLength != null && count + 1 > maxLength) || (maxBytes != null && bytes + size > maxBytes))) {
        accepted.add(false);
        if (settings.overflow() == Overflow.REJECT_PUBLISH_DLX && settings.hasDeadLetterExchange()) {
          rejectedDeadLetters.add(DeadLetters.copy(m.exchange(), m.routingKey(), m.properties(), m.body(), queue,
              settings, DeadLetterReason.MAXLEN, now));
        }
        continue;
      }
      long id = nextId + enqueued.size();
      enqueued.add(new EnqueuedMessage(id, m.exchange(), m.routingKey(), m.properties(), m.body(), now,
          expiryOf(m.properties(), now)));
      accepted.add(true);
      count++;
      bytes += size;
      while (oldest != null && ((maxLength != null && count > maxLength) || (maxBytes != null && bytes > maxBytes))) {
        if (oldest.hasNext()) {
          StoredMessage head = oldest.next();
          dropped.add(head.id());
          bytes -= head.bodySize();
        } else {
          EnqueuedMessage head = enqueued.get(firstNewNotDropped++);
          dropped.add(head.id());
          bytes -= head.body().length;
        }
        count--;
      }
    }
    List<QueueEvent> events = new ArrayList<>(2);
    if (!enqueued.isEmpty()) {
      events.add(new MessagesEnqueued(enqueued));
    }
    if (!dropped.isEmpty()) {
      events.add(removal(MessageIds.of(dropped), DeadLetterReason.MAXLEN, now));
    }
    return new PublishDecision(events, accepted, rejectedDeadLetters);
  }

  /**
   * Expires messages whose TTL has passed. As in RabbitMQ, only messages at the head of the queue
   * (of each priority lane) expire; one behind a longer-lived message waits until it reaches the head.
   */
  public List<QueueEvent> expire(long now) {
    List<Long> expired = new ArrayList<>();
    for (ReadyLane lane : lanes) {
      Iterator<StoredMessage> it = lane.iterator();
      while (it.hasNext()) {
        StoredMessage m = it.next();
        if (m.expiresAt() > now) {
          break;
        }
        expired.add(m.id());
      }
    }
    if (expired.isEmpty()) {
      return List.of();
    }
    return List.of(removal(MessageIds.of(expired), DeadLetterReason.EXPIRED, now));
  }

  /** Settles deliveries positively: the messages are done. */
  public List<QueueEvent> ack(String owner, MessageIds ids) {
    checkUnacked(owner, ids);
    return ids.empty() ? List.of() : List.of(new MessagesAcked(ids));
  }

  /**
   * Settles deliveries negatively. With requeue they return to the queue, flagged redelivered, at
   * their original position (RabbitMQ's classic-queue order) unless x-delivery-limit is exceeded,
   * which dead-letters them; without requeue they are dead-lettered with reason {@code rejected}.
   */
  public List<QueueEvent> nack(String owner, MessageIds ids, boolean requeue, long now) {
    checkUnacked(owner, ids);
    if (!requeue) {
      return ids.empty() ? List.of() : List.of(removal(ids, DeadLetterReason.REJECTED, now));
    }
    return returnToQueue(ids.values(), now);
  }

  /**
   * Returns every message the owner (a closed channel or connection, an expired lease) holds
   * unacknowledged, as a requeue; counts towards x-delivery-limit as in RabbitMQ quorum queues.
   */
  public List<QueueEvent> release(String owner, long now) {
    List<Long> ids = new ArrayList<>();
    for (StoredMessage m : unacked.values()) {
      if (owner.equals(m.owner)) {
        ids.add(m.id());
      }
    }
    return returnToQueue(ids.stream().mapToLong(Long::longValue).toArray(), now);
  }

  /** Removes every ready message; unacknowledged ones stay. */
  public List<QueueEvent> purge() {
    List<Long> ids = new ArrayList<>();
    readyInDeliveryOrder().forEachRemaining(m -> ids.add(m.id()));
    return ids.isEmpty() ? List.of() : List.of(new MessagesPurged(MessageIds.of(ids)));
  }

  /** Records that dead-letter copies were published and confirmed; the originals can go. */
  public List<QueueEvent> settleDeadLetters(MessageIds ids) {
    // Only pending dead letters can be settled: a stale or mistaken id must not delete a live message.
    List<Long> pending = new ArrayList<>(ids.count());
    for (long id : ids.values()) {
      if (pendingDeadLetters.containsKey(id)) {
        pending.add(id);
      }
    }
    return pending.isEmpty() ? List.of() : List.of(new DeadLettersSettled(MessageIds.of(pending)));
  }

  /**
   * Settles dead letters that can no longer go anywhere because the queue was reconfigured without
   * a dead-letter exchange while they waited: dropped, as RabbitMQ drops messages it cannot
   * dead-letter.
   */
  public List<QueueEvent> dropOrphanedDeadLetters() {
    if (settings.hasDeadLetterExchange() || pendingDeadLetters.isEmpty()) {
      return List.of();
    }
    return List.of(new DeadLettersSettled(MessageIds.of(pendingDeadLetters.keySet())));
  }

  /**
   * Allows deliveries of every message enqueued so far and of the next {@code ahead} ones. Persisting
   * the mark before delivering keeps the redelivered flag honest across restarts at the cost of one
   * small write per {@code ahead} messages.
   */
  public List<QueueEvent> markDeliveries(long ahead) {
    return List.of(new DeliveriesMarked(nextId - 1 + Math.max(1, ahead)));
  }

  // ---------------------------------------------------------------- transient changes

  /**
   * Registers a consumer. {@code prefetch} 0 means unlimited. An exclusive consumer needs the queue
   * to itself, as in AMQP.
   */
  public void addConsumer(String consumerId, String owner, int prefetch, boolean autoAck, boolean exclusive, long now) {
    if (consumers.containsKey(consumerId)) {
      throw BrokerException.precondition("consumer_tag", "consumer '" + consumerId + "' already exists on " + queue);
    }
    if (prefetch < 0) {
      throw BrokerException.invalid("prefetch", "must be 0 (unlimited) or more, got " + prefetch);
    }
    if (exclusive && !consumers.isEmpty()) {
      throw BrokerException.locked("exclusive", queue + " already has consumers; an exclusive consumer needs it alone");
    }
    for (Consumer c : consumers.values()) {
      if (c.exclusive) {
        throw BrokerException.locked("consumer", queue + " has an exclusive consumer");
      }
    }
    Consumer c = new Consumer(consumerId, owner, prefetch, autoAck, exclusive);
    consumers.put(consumerId, c);
    rotation.addLast(c);
    lastUsedAt = now;
  }

  /**
   * Cancels a consumer. Its unacknowledged messages stay with their owner, as in AMQP, until
   * settled or {@link #release released}. Returns false when there was no such consumer.
   */
  public boolean removeConsumer(String consumerId, long now) {
    Consumer c = consumers.remove(consumerId);
    if (c == null) {
      return false;
    }
    rotation.remove(c);
    // Its deliveries stay with their owner but no longer count against any consumer's prefetch,
    // not even a later consumer that reuses the tag.
    for (StoredMessage m : unacked.values()) {
      if (consumerId.equals(m.consumerId)) {
        m.consumerId = null;
      }
    }
    lastUsedAt = now;
    return true;
  }

  /**
   * Frees the prefetch credit that these deliveries hold, once their settlement is decided and
   * before its events are applied: the queue can deliver again while the settlement is being
   * written. If that write fails the queue restarts from its journal, and the messages are
   * unacknowledged again (redelivered later), so nothing is lost; credit is transient state that
   * replay never sees. Ids not awaiting an ack are ignored.
   */
  public void releaseCredit(MessageIds ids) {
    for (long id : ids.values()) {
      StoredMessage m = unacked.get(id);
      if (m != null && m.consumerId != null) {
        Consumer c = consumers.get(m.consumerId);
        if (c != null) {
          c.unacked--;
        }
        m.consumerId = null;
      }
    }
  }

  /**
   * Whether every consumer that acks has at least half of its prefetch free (one without a prefetch
   * limit always has). While this holds, settling a few deliveries a little later holds back no
   * delivery: each consumer can still take half a window of messages meanwhile.
   */
  public boolean creditToSpare() {
    for (Consumer c : consumers.values()) {
      if (!c.autoAck && c.prefetch > 0 && 2L * (c.prefetch - c.unacked) < c.prefetch) {
        return false;
      }
    }
    return true;
  }

  /** What {@link #deliver} and {@link #get} hand out. */
  public record Dispatch(List<Delivery> deliveries, List<QueueEvent> events, boolean markWanted) {
    static final Dispatch NONE = new Dispatch(List.of(), List.of(), false);
  }

  /**
   * Hands ready messages to consumers with room under their prefetch, round-robin (or only to the
   * single active consumer), at most {@code max} of them. Auto-ack deliveries come back as
   * {@link MessagesAcked} events to persist. Stops with {@code markWanted} when the next message lies
   * beyond the persisted delivery mark: persist {@link #markDeliveries} and call again.
   */
  public Dispatch deliver(long now, int max) {
    if (consumers.isEmpty() || readyCount == 0) {
      return Dispatch.NONE;
    }
    List<Delivery> out = new ArrayList<>();
    List<Long> autoAcked = new ArrayList<>();
    boolean markWanted = false;
    while (out.size() < max) {
      ReadyLane lane = laneWithNextMessage(now);
      if (lane == null) {
        break;
      }
      StoredMessage head = lane.peek();
      if (head.id() > deliveryMark) {
        markWanted = true;
        break;
      }
      Consumer c = nextConsumerWithRoom();
      if (c == null) {
        break;
      }
      lane.poll();
      out.add(handOut(head, c.owner, c));
      if (c.autoAck) {
        autoAcked.add(head.id());
      }
    }
    List<QueueEvent> events = autoAcked.isEmpty() ? List.of() : List.of(new MessagesAcked(MessageIds.of(autoAcked)));
    return new Dispatch(out, events, markWanted);
  }

  /**
   * basic.get: hands out the next ready message to {@code owner}, or none. With auto-ack the
   * returned event settles it; otherwise the owner must ack, nack or release it.
   */
  public Dispatch get(String owner, boolean autoAck, long now) {
    lastUsedAt = now;
    ReadyLane lane = laneWithNextMessage(now);
    if (lane == null) {
      return Dispatch.NONE;
    }
    StoredMessage head = lane.peek();
    if (head.id() > deliveryMark) {
      return new Dispatch(List.of(), List.of(), true);
    }
    lane.poll();
    Delivery d = handOut(head, owner, null);
    List<QueueEvent> events = autoAck ? List.of(new MessagesAcked(MessageIds.of(head.id()))) : List.of();
    return new Dispatch(List.of(d), events, false);
  }

  /**
   * Ends recovery: messages that may have been delivered before the restart (those within the
   * persisted delivery mark) are flagged redelivered.
   */
  public void recoveryCompleted(long now) {
    for (StoredMessage m : messages.values()) {
      if (m.id() <= deliveryMark) {
        m.markRedelivered();
      }
    }
    lastUsedAt = now;
  }

  // ---------------------------------------------------------------- the fold

  /** Folds one persisted event into the state. Events that name unknown ids ignore them. */
  public QueueState apply(QueueEvent event) {
    if (event instanceof MessagesEnqueued e) {
      e.messages().forEach(this::enqueue);
    } else if (event instanceof MessagesAcked e) {
      remove(e.ids());
    } else if (event instanceof DeliveriesMarked e) {
      deliveryMark = Math.max(deliveryMark, e.upToId());
    } else if (event instanceof MessagesRequeued e) {
      requeue(e.ids());
    } else if (event instanceof MessagesDeadLettered e) {
      toDeadLetterPending(e.ids(), e.reason(), e.at());
    } else if (event instanceof DeadLettersSettled e) {
      remove(e.ids());
    } else if (event instanceof MessagesDiscarded e) {
      remove(e.ids());
    } else if (event instanceof MessagesPurged e) {
      remove(e.ids());
    } else if (event instanceof QueueConfigured e) {
      configureLanes(e.settings());
    } else {
      throw new IllegalArgumentException("unknown queue event " + event.getClass().getName());
    }
    return this;
  }

  private void enqueue(EnqueuedMessage e) {
    StoredMessage m = new StoredMessage(e.id(), e.exchange(), e.routingKey(), e.properties(), e.body().length,
        e.enqueuedAt(), e.expiresAt(), laneOf(e.properties()), 0, false);
    addRecord(m, e.body());
  }

  private void addRecord(StoredMessage m, byte[] body) {
    messages.put(m.id(), m);
    bodies.put(m.id(), body);
    storedBytes += m.bodySize();
    nextId = Math.max(nextId, m.id() + 1);
    if (m.pendingReason != null) {
      m.status = StoredMessage.Status.DEAD_LETTER_PENDING;
      pendingDeadLetters.put(m.id(), m);
    } else {
      lanes[m.lane].addFresh(m);
      readyCount++;
      readyBytes += m.bodySize();
    }
  }

  private void remove(MessageIds ids) {
    for (long id : ids.values()) {
      StoredMessage m = messages.remove(id);
      if (m != null) {
        detach(m);
        bodies.remove(id);
        storedBytes -= m.bodySize();
      }
    }
  }

  private void requeue(MessageIds ids) {
    for (long id : ids.values()) {
      StoredMessage m = messages.get(id);
      if (m == null || m.status == StoredMessage.Status.DEAD_LETTER_PENDING) {
        continue;
      }
      m.returned();
      if (m.status == StoredMessage.Status.UNACKED) {
        detach(m);
        m.status = StoredMessage.Status.READY;
        lanes[m.lane].addReturned(m);
        readyCount++;
        readyBytes += m.bodySize();
      }
    }
  }

  private void toDeadLetterPending(MessageIds ids, DeadLetterReason reason, long at) {
    for (long id : ids.values()) {
      StoredMessage m = messages.get(id);
      if (m == null || m.status == StoredMessage.Status.DEAD_LETTER_PENDING) {
        continue;
      }
      detach(m);
      m.status = StoredMessage.Status.DEAD_LETTER_PENDING;
      m.pendingReason = reason;
      m.pendingAt = at;
      pendingDeadLetters.put(id, m);
    }
  }

  /** Takes a message out of whichever collection holds it now. */
  private void detach(StoredMessage m) {
    switch (m.status) {
      case READY -> {
        lanes[m.lane].remove(m);
        readyCount--;
        readyBytes -= m.bodySize();
      }
      case UNACKED -> {
        unacked.remove(m.id());
        Consumer c = m.consumerId == null ? null : consumers.get(m.consumerId);
        if (c != null) {
          c.unacked--;
        }
        m.owner = null;
        m.consumerId = null;
      }
      case DEAD_LETTER_PENDING -> pendingDeadLetters.remove(m.id());
    }
    // A message leaving READY may stay in its lane's FIFO; this status makes the lane skip it.
    m.status = StoredMessage.Status.GONE;
  }

  private void configureLanes(QueueSettings newSettings) {
    int oldLanes = settings.priorityLanes();
    settings = newSettings;
    if (newSettings.priorityLanes() != oldLanes) {
      List<StoredMessage> ready = readyMessages();
      ready.sort((a, b) -> Long.compare(a.id(), b.id()));
      lanes = newLanes(newSettings.priorityLanes());
      // Unacked messages need their new lane too: they return to it on requeue.
      for (StoredMessage m : messages.values()) {
        m.lane = laneOf(m.properties());
      }
      for (StoredMessage m : ready) {
        lanes[m.lane].addFresh(m);
      }
    }
  }

  // ---------------------------------------------------------------- snapshots

  public QueueSnapshot snapshot() {
    List<QueueSnapshot.Entry> entries = new ArrayList<>(messages.size());
    List<StoredMessage> all = new ArrayList<>(messages.values());
    all.sort((a, b) -> Long.compare(a.id(), b.id()));
    for (StoredMessage m : all) {
      boolean pending = m.status == StoredMessage.Status.DEAD_LETTER_PENDING;
      entries.add(new QueueSnapshot.Entry(m.id(), m.exchange(), m.routingKey(), m.properties(), bodies.get(m.id()),
          m.enqueuedAt(), m.expiresAt(), m.deliveryCount(), m.redelivered(), pending ? m.pendingReason : null,
          pending ? m.pendingAt : 0L));
    }
    return new QueueSnapshot(settings, nextId, deliveryMark, entries);
  }

  /** Rebuilds a state from a snapshot: every message not pending dead-lettering is ready, in id order. */
  public static QueueState restore(QueueId queue, QueueSnapshot snapshot, BodyStore bodies) {
    bodies.clear();
    QueueState s = new QueueState(queue, bodies);
    s.settings = snapshot.settings();
    s.lanes = newLanes(snapshot.settings().priorityLanes());
    s.nextId = snapshot.nextId();
    s.deliveryMark = snapshot.deliveryMark();
    for (QueueSnapshot.Entry e : snapshot.messages()) {
      StoredMessage m = new StoredMessage(e.id(), e.exchange(), e.routingKey(), e.properties(), e.body().length,
          e.enqueuedAt(), e.expiresAt(), s.laneOf(e.properties()), e.deliveryCount(), e.redelivered());
      m.pendingReason = e.pendingReason();
      m.pendingAt = e.pendingAt();
      s.addRecord(m, e.body());
    }
    return s;
  }

  // ---------------------------------------------------------------- helpers

  private QueueEvent removal(MessageIds ids, DeadLetterReason reason, long now) {
    return removal(ids, reason, now, settings);
  }

  private static QueueEvent removal(MessageIds ids, DeadLetterReason reason, long now, QueueSettings settings) {
    return settings.hasDeadLetterExchange()
        ? new MessagesDeadLettered(ids, reason, now)
        : new MessagesDiscarded(ids, reason);
  }

  private List<QueueEvent> returnToQueue(long[] ids, long now) {
    List<Long> requeue = new ArrayList<>();
    List<Long> overLimit = new ArrayList<>();
    Long limit = settings.deliveryLimit();
    for (long id : ids) {
      StoredMessage m = messages.get(id);
      if (limit != null && m.deliveryCount() + 1 > limit) {
        overLimit.add(id);
      } else {
        requeue.add(id);
      }
    }
    List<QueueEvent> events = new ArrayList<>(2);
    if (!requeue.isEmpty()) {
      events.add(new MessagesRequeued(MessageIds.of(requeue)));
    }
    if (!overLimit.isEmpty()) {
      events.add(removal(MessageIds.of(overLimit), DeadLetterReason.DELIVERY_LIMIT, now));
    }
    return events;
  }

  private void checkUnacked(String owner, MessageIds ids) {
    for (long id : ids.values()) {
      StoredMessage m = unacked.get(id);
      if (m == null || !owner.equals(m.owner)) {
        throw BrokerException.precondition("delivery_tag",
            "message " + id + " of " + queue + " is not awaiting an acknowledgement from this channel");
      }
    }
  }

  private Delivery handOut(StoredMessage m, String owner, Consumer c) {
    readyCount--;
    readyBytes -= m.bodySize();
    m.status = StoredMessage.Status.UNACKED;
    m.owner = owner;
    m.consumerId = c == null ? null : c.id;
    if (c != null) {
      c.unacked++;
    }
    unacked.put(m.id(), m);
    return new Delivery(m.consumerId, owner, m.id(), m.exchange(), m.routingKey(), m.properties(), bodies.get(m.id()),
        m.redelivered(), m.deliveryCount());
  }

  private ReadyLane laneWithNextMessage(long now) {
    for (int i = lanes.length - 1; i >= 0; i--) {
      StoredMessage head = lanes[i].peek();
      // A message is still deliverable at the instant it expires: that is what lets a TTL of 0
      // reach a consumer that is waiting for it, as in RabbitMQ.
      if (head != null && head.expiresAt() >= now) {
        return lanes[i];
      }
    }
    return null;
  }

  private Consumer nextConsumerWithRoom() {
    if (settings.singleActiveConsumer()) {
      Consumer active = consumers.values().iterator().next();
      return active.hasRoom() ? active : null;
    }
    for (int i = 0, n = rotation.size(); i < n; i++) {
      Consumer c = rotation.pollFirst();
      rotation.addLast(c);
      if (c.hasRoom()) {
        return c;
      }
    }
    return null;
  }

  private int laneOf(MessageProperties properties) {
    if (settings.maxPriority() == null || properties.priority() == null) {
      return 0;
    }
    return Math.min(properties.priority(), settings.maxPriority());
  }

  private long expiryOf(MessageProperties properties, long now) {
    long ttl = Long.MAX_VALUE;
    if (settings.messageTtl() != null) {
      ttl = settings.messageTtl();
    }
    Long perMessage = properties.expirationMillis();
    if (perMessage != null) {
      ttl = Math.min(ttl, perMessage);
    }
    return ttl == Long.MAX_VALUE || now > Long.MAX_VALUE - ttl ? Long.MAX_VALUE : now + ttl;
  }

  private Iterator<StoredMessage> readyInDeliveryOrder() {
    List<Iterator<StoredMessage>> parts = new ArrayList<>(lanes.length);
    for (int i = lanes.length - 1; i >= 0; i--) {
      parts.add(lanes[i].iterator());
    }
    return new Iterator<>() {
      int part;

      @Override
      public boolean hasNext() {
        while (part < parts.size() && !parts.get(part).hasNext()) {
          part++;
        }
        return part < parts.size();
      }

      @Override
      public StoredMessage next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return parts.get(part).next();
      }
    };
  }

  private static ReadyLane[] newLanes(int n) {
    ReadyLane[] lanes = new ReadyLane[n];
    for (int i = 0; i < n; i++) {
      lanes[i] = new ReadyLane();
    }
    return lanes;
  }

  /** A registered consumer and how many of its deliveries are unsettled. */
  private static final class Consumer {
    final String id;
    final String owner;
    final int prefetch;
    final boolean autoAck;
    final boolean exclusive;
    int unacked;

    Consumer(String id, String owner, int prefetch, boolean autoAck, boolean exclusive) {
      this.id = id;
      this.owner = owner;
      this.prefetch = prefetch;
      this.autoAck = autoAck;
      this.exclusive = exclusive;
    }

    boolean hasRoom() {
      // As in RabbitMQ, prefetch limits only deliveries that await an ack.
      return autoAck || prefetch == 0 || unacked < prefetch;
    }
  }

  /**
   * The ready messages of one priority. Fresh messages arrive in id order at the tail; returned ones
   * go back to their original position. Every returned message was taken from the head, so its id is
   * below every fresh one still waiting: a small sorted map in front of a FIFO keeps the order.
   * Messages that leave from the middle of the FIFO (acked during replay, purged) are skipped lazily.
   */
  private static final class ReadyLane {
    private final ArrayDeque<StoredMessage> fresh = new ArrayDeque<>();
    private final TreeMap<Long, StoredMessage> returned = new TreeMap<>();

    void addFresh(StoredMessage m) {
      fresh.addLast(m);
    }

    void addReturned(StoredMessage m) {
      returned.put(m.id(), m);
    }

    void remove(StoredMessage m) {
      returned.remove(m.id());
    }

    StoredMessage peek() {
      if (!returned.isEmpty()) {
        return returned.firstEntry().getValue();
      }
      dropStaleHead();
      return fresh.peekFirst();
    }

    StoredMessage poll() {
      if (!returned.isEmpty()) {
        return returned.pollFirstEntry().getValue();
      }
      dropStaleHead();
      return fresh.pollFirst();
    }

    private void dropStaleHead() {
      while (!fresh.isEmpty() && !fresh.peekFirst().isReady()) {
        fresh.pollFirst();
      }
    }

    Iterator<StoredMessage> iterator() {
      Iterator<StoredMessage> r = returned.values().iterator();
      Iterator<StoredMessage> f = fresh.iterator();
      return new Iterator<>() {
        StoredMessage next = advance();

        private StoredMessage advance() {
          if (r.hasNext()) {
            return r.next();
          }
          while (f.hasNext()) {
            StoredMessage m = f.next();
            if (m.isReady()) {
              return m;
            }
          }
          return null;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public StoredMessage next() {
          if (next == null) {
            throw new NoSuchElementException();
          }
          StoredMessage m = next;
          next = advance();
          return m;
        }
      };
    }
  }

  @Override
  public String toString() {
    return "QueueState[" + queue + ", " + counts() + "]";
  }
}
