package io.weirmq.core.channel;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.MessageIds;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A channel's delivery tags: numbers it gives each delivery, mapped back to the queue and the
 * queue-local message id, with AMQP's {@code multiple} semantics (settle every outstanding tag up
 * to and including this one; tag 0 with multiple settles all).
 *
 * @param <Q> how the channel names a queue
 */
public final class DeliveryTags<Q> {

  /** {@code stale}: the queue lost this delivery (it restarted and delivers the message again). */
  private record Outstanding<Q>(Q queue, long messageId, boolean stale) {}

  private long nextTag = 1;
  private final TreeMap<Long, Outstanding<Q>> outstanding = new TreeMap<>();

  /** Gives a delivery its tag. */
  public long assign(Q queue, long messageId) {
    long tag = nextTag++;
    outstanding.put(tag, new Outstanding<>(queue, messageId, false));
    return tag;
  }

  public int outstandingCount() {
    return outstanding.size();
  }

  /** The highest tag given so far (0 before the first). */
  public long lastTag() {
    return nextTag - 1;
  }

  /**
   * The queue forgot its deliveries up to {@code upToTag}: it moved to another node or restarted, and
   * hands those messages out again, flagged redelivered. Their tags stay valid for the client, but
   * settling them settles nothing (the queue would not know the ids, or would give them to someone else).
   */
  public int forget(Q queue, long upToTag) {
    int n = 0;
    for (var e : outstanding.headMap(upToTag, true).entrySet()) {
      Outstanding<Q> o = e.getValue();
      if (!o.stale() && o.queue().equals(queue)) {
        e.setValue(new Outstanding<>(queue, o.messageId(), true));
        n++;
      }
    }
    return n;
  }

  /**
   * Removes the tags a settlement covers and returns their message ids per queue, in tag order.
   * An unknown tag is a protocol error, as in AMQP (PRECONDITION_FAILED, channel closed).
   */
  public Map<Q, MessageIds> settle(long deliveryTag, boolean multiple) {
    if (multiple) {
      var covered = deliveryTag == 0 ? outstanding : outstanding.headMap(deliveryTag, true);
      if (covered.isEmpty() && deliveryTag != 0) {
        throw unknown(deliveryTag);
      }
      return drain(covered.values().iterator());
    }
    Outstanding<Q> o = outstanding.remove(deliveryTag);
    if (o == null) {
      throw unknown(deliveryTag);
    }
    return o.stale() ? Map.of() : Map.of(o.queue(), MessageIds.of(o.messageId()));
  }

  /** Removes every outstanding tag: the channel closes and its deliveries go back. */
  public Map<Q, MessageIds> settleAll() {
    return drain(outstanding.values().iterator());
  }

  private Map<Q, MessageIds> drain(Iterator<Outstanding<Q>> it) {
    Map<Q, List<Long>> byQueue = new LinkedHashMap<>();
    while (it.hasNext()) {
      Outstanding<Q> o = it.next();
      it.remove();
      if (o.stale()) {
        continue;
      }
      byQueue.computeIfAbsent(o.queue(), q -> new ArrayList<>()).add(o.messageId());
    }
    Map<Q, MessageIds> out = new LinkedHashMap<>();
    byQueue.forEach((q, ids) -> out.put(q, MessageIds.of(ids)));
    return out;
  }

  private static BrokerException unknown(long tag) {
    return BrokerException.precondition("delivery_tag", "unknown delivery tag " + tag);
  }
}
