package io.weirmq.node.queue;

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
}
