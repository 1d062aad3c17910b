package io.weirmq.node.queue;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.Delivery;
import io.weirmq.node.serialization.CborSerializable;
import java.util.List;

/** What a queue sends to the channel (connection-side actor) of a consumer. */
public sealed interface ChannelMessage extends CborSerializable {

  /**
   * Messages for the channel's consumers, in delivery order: everything one turn of the queue
   * delivered to this channel, so a busy consumer costs one message per turn, not one per delivery.
   */
  record Delivered(QueueRef queue, List<Delivery> deliveries) implements ChannelMessage {
    public Delivered {
      deliveries = List.copyOf(deliveries);
    }
  }

  /** The queue ended a consumer: the queue was deleted, or restarted after a journal failure. */
  record ConsumerCancelled(QueueRef queue, String consumerId, String reason) implements ChannelMessage {}

  /**
   * The queue's answer to the channel's {@link QueueEntity.Settle} {@code requestId}: settled (no
   * error kind), or refused with the error's kind, field and reason (kept across nodes, where an
   * exception would arrive as its message only).
   */
  record Settled(long requestId, BrokerException.Kind errorKind, String errorField, String errorReason)
      implements ChannelMessage {

    public static Settled done(long requestId) {
      return new Settled(requestId, null, null, null);
    }

    public static Settled refused(long requestId, BrokerException e) {
      return new Settled(requestId, e.kind(), e.field(), e.reason());
    }

    /** The refusal, or null when the settlements were made. */
    public BrokerException failure() {
      return errorKind == null ? null : new BrokerException(errorKind, errorField, errorReason);
    }
  }
}
