package io.weirmq.node.queue;

import io.weirmq.core.queue.Delivery;
import io.weirmq.node.serialization.CborSerializable;

/** What a queue sends to the channel (connection-side actor) of a consumer. */
public sealed interface ChannelMessage extends CborSerializable {

  /** A message for one of the channel's consumers (or a basic.get answered out of band). */
  record Delivered(QueueRef queue, Delivery delivery) implements ChannelMessage {}

  /** The queue ended a consumer: the queue was deleted, or restarted after a journal failure. */
  record ConsumerCancelled(QueueRef queue, String consumerId, String reason) implements ChannelMessage {}
}
