package io.weirmq.client;

import java.nio.charset.StandardCharsets;

/**
 * A message taken by {@link WeirAdmin#get} or {@link Channel#basicGet}, as RabbitMQ's {@code GetResponse}:
 * its body, properties, where it was published, {@code messageCount}, how many messages stayed ready
 * behind it, and the {@code deliveryTag} to settle it with on its channel (0 for REST gets and auto-ack).
 */
public record GetResponse(
    byte[] body,
    BasicProperties properties,
    String exchange,
    String routingKey,
    boolean redelivered,
    long messageCount,
    long deliveryTag) {

  /** A message taken over REST, which settles it at once: no delivery tag. */
  public GetResponse(byte[] body, BasicProperties properties, String exchange, String routingKey, boolean redelivered,
      long messageCount) {
    this(body, properties, exchange, routingKey, redelivered, messageCount, 0);
  }

  /** The body as UTF-8 text. */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
