package io.weirmq.client;

import java.nio.charset.StandardCharsets;

/** A message pushed to a consumer, as RabbitMQ's {@code Delivery}. */
public final class Delivery {

  private final Envelope envelope;
  private final BasicProperties properties;
  private final byte[] body;

  public Delivery(Envelope envelope, BasicProperties properties, byte[] body) {
    this.envelope = envelope;
    this.properties = properties;
    this.body = body;
  }

  public Envelope getEnvelope() {
    return envelope;
  }

  public BasicProperties getProperties() {
    return properties;
  }

  public byte[] getBody() {
    return body;
  }

  /** The body as UTF-8 text. */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Delivery[" + envelope + ", " + properties + ", " + body.length + " bytes]";
  }
}
