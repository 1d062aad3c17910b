package io.weirmq.node;

import io.weirmq.core.message.MessageProperties;

/** A delivery as a channel's consumer sees it, with the channel's delivery tag. */
public record Envelope(long deliveryTag, String consumerTag, boolean redelivered, String exchange, String routingKey,
    MessageProperties properties, byte[] body) {

  @Override
  public String toString() {
    return "Envelope[tag=" + deliveryTag + ", consumer=" + consumerTag + ", redelivered=" + redelivered
        + ", bytes=" + body.length + "]";
  }
}
