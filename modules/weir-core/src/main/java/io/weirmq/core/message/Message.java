package io.weirmq.core.message;

import java.util.Objects;

/**
 * A message as published: where it was published to, its properties and its body.
 *
 * <p>The body array is owned by the message once constructed; callers must not modify it.
 */
public record Message(String exchange, String routingKey, MessageProperties properties, byte[] body) {

  public Message {
    Objects.requireNonNull(exchange, "exchange");
    Objects.requireNonNull(routingKey, "routingKey");
    properties = properties == null ? MessageProperties.EMPTY : properties;
    body = body == null ? new byte[0] : body;
  }

  public int bodySize() {
    return body.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && exchange.equals(m.exchange) && routingKey.equals(m.routingKey)
        && properties.equals(m.properties) && java.util.Arrays.equals(body, m.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(exchange, routingKey, properties, java.util.Arrays.hashCode(body));
  }

  @Override
  public String toString() {
    // Never the body: message contents stay out of logs.
    return "Message[exchange=" + exchange + ", routingKey=" + routingKey + ", bytes=" + body.length + "]";
  }
}
