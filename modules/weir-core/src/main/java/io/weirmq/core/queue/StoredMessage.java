package io.weirmq.core.queue;

import io.weirmq.core.message.MessageProperties;

/**
 * A message's record in its queue: everything but the body, which sits in the {@link BodyStore}.
 *
 * <p>Mutable and owned by one {@link QueueState}; only the state changes it.
 */
public final class StoredMessage {

  enum Status { READY, UNACKED, DEAD_LETTER_PENDING, GONE }

  private final long id;
  private final String exchange;
  private final String routingKey;
  private final MessageProperties properties;
  private final int bodySize;
  private final long enqueuedAt;
  private final long expiresAt;
  /** The priority lane; recomputed when x-max-priority changes. */
  int lane;
  private int deliveryCount;
  private boolean redelivered;

  Status status = Status.READY;
  /** The channel or lease holder that must settle the message while it is unacked. */
  String owner;
  /** The consumer it was delivered to, or null for a basic.get. */
  String consumerId;
  DeadLetterReason pendingReason;
  long pendingAt;

  StoredMessage(long id, String exchange, String routingKey, MessageProperties properties, int bodySize,
      long enqueuedAt, long expiresAt, int lane, int deliveryCount, boolean redelivered) {
    this.id = id;
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.properties = properties;
    this.bodySize = bodySize;
    this.enqueuedAt = enqueuedAt;
    this.expiresAt = expiresAt;
    this.lane = lane;
    this.deliveryCount = deliveryCount;
    this.redelivered = redelivered;
  }

  public long id() { return id; }
  public String exchange() { return exchange; }
  public String routingKey() { return routingKey; }
  public MessageProperties properties() { return properties; }
  public int bodySize() { return bodySize; }
  public long enqueuedAt() { return enqueuedAt; }
  /** Epoch millis after which the message expires; {@link Long#MAX_VALUE} when it never does. */
  public long expiresAt() { return expiresAt; }
  /** How many times the message was returned to the queue unacknowledged. */
  public int deliveryCount() { return deliveryCount; }
  /** True when the message may have been delivered before. */
  public boolean redelivered() { return redelivered; }

  boolean isReady() {
    return status == Status.READY;
  }

  void returned() {
    deliveryCount++;
    redelivered = true;
  }

  void markRedelivered() {
    redelivered = true;
  }

  @Override
  public String toString() {
    return "StoredMessage[id=" + id + ", status=" + status + ", bytes=" + bodySize + "]";
  }
}
