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

  private record Outstanding<Q>(Q queue, long messageId) {}

  private long nextTag = 1;
  private final TreeMap<Long, Outstanding<Q>> outstanding = new TreeMap<>();

  /** Gives a delivery its tag. */
  public long assign(Q queue, long messageId) {
    long tag = nextTag++;
    outstanding.put(tag, new Outstanding<>(queue, messageId));
    return tag;
  }

  public int outstandingCount() {
    return outstanding.size();
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
    return Map.of(o.queue(), MessageIds.of(o.messageId()));
  }

  /** Removes every outstanding tag: the channel closes and its deliveries go back. */
  public Map<Q, MessageIds> settleAll() {
    return drain(outstanding.values().iterator());
  }

  private Map<Q, MessageIds> drain(Iterator<Outstanding<Q>> it) {
    Map<Q, List<Long>> byQueue = new LinkedHashMap<>();
    while (it.hasNext()) {
      Outstanding<Q> o = it.next();
      byQueue.computeIfAbsent(o.queue(), q -> new ArrayList<>()).add(o.messageId());
      it.remove();
    }
    Map<Q, MessageIds> out = new LinkedHashMap<>();
    byQueue.forEach((q, ids) -> out.put(q, MessageIds.of(ids)));
    return out;
  }

  private static BrokerException unknown(long tag) {
    return BrokerException.precondition("delivery_tag", "unknown delivery tag " + tag);
  }
}
