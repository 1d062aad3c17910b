package io.weirmq.core.queue;

import io.weirmq.core.message.MessageProperties;

/**
 * A message handed to a consumer or to a basic.get caller. Transient: never persisted.
 *
 * @param consumerId the consumer it goes to, or null for a basic.get
 * @param owner the channel (or lease holder) that must settle it
 * @param deliveryCount how many times it was returned before this delivery
 */
public record Delivery(String consumerId, String owner, long messageId, String exchange, String routingKey,
    MessageProperties properties, byte[] body, boolean redelivered, int deliveryCount) {

  @Override
  public String toString() {
    return "Delivery[message=" + messageId + ", consumer=" + consumerId + ", redelivered=" + redelivered + "]";
  }
}
