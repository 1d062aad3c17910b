package io.weirmq.core.queue;

/** Why a message left its queue other than by an ack; the names are RabbitMQ's x-death reasons. */
public enum DeadLetterReason {
  REJECTED("rejected"),
  EXPIRED("expired"),
  MAXLEN("maxlen"),
  DELIVERY_LIMIT("delivery_limit");

  private final String wireName;

  DeadLetterReason(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
