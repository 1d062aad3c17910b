package io.weirmq.client;

import java.nio.charset.StandardCharsets;

/**
 * A message taken by {@link WeirAdmin#get}, as RabbitMQ's {@code GetResponse}: its body, properties,
 * where it was published, and {@code messageCount}, how many messages stayed ready behind it.
 */
public record GetResponse(
    byte[] body,
    BasicProperties properties,
    String exchange,
    String routingKey,
    boolean redelivered,
    long messageCount) {

  /** The body as UTF-8 text. */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
