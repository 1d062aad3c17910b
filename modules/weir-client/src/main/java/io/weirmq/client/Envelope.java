package io.weirmq.client;

/** Where a delivered message came from and the tag to settle it with, as RabbitMQ's {@code Envelope}. */
public record Envelope(long deliveryTag, boolean redeliver, String exchange, String routingKey) {

  public long getDeliveryTag() {
    return deliveryTag;
  }

  public boolean isRedeliver() {
    return redeliver;
  }

  public String getExchange() {
    return exchange;
  }

  public String getRoutingKey() {
    return routingKey;
  }
}
