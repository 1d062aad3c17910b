package io.weirmq.client;

/** One message of a {@link WeirAdmin#publishBatch batch publish}. */
public record OutboundMessage(String routingKey, BasicProperties properties, byte[] body) {

  public OutboundMessage {
    java.util.Objects.requireNonNull(routingKey, "routingKey");
    java.util.Objects.requireNonNull(body, "body");
  }
}
