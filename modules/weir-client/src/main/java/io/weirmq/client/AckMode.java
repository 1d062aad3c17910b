package io.weirmq.client;

/** How {@link WeirAdmin#get} settles the messages it took, as RabbitMQ's management API names it. */
public enum AckMode {
  /** Acked: removed from the queue. */
  ACK_REQUEUE_FALSE,
  /** Returned to the queue in place, flagged redelivered: a peek. */
  ACK_REQUEUE_TRUE,
  /** Rejected with requeue: the same as {@link #ACK_REQUEUE_TRUE}. */
  REJECT_REQUEUE_TRUE,
  /** Rejected without requeue: removed, or dead-lettered if the queue has a dead-letter exchange. */
  REJECT_REQUEUE_FALSE;

  /** The name on the wire, such as {@code ack_requeue_false}. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses the wire name (case-insensitive). */
  public static AckMode fromWireName(String s) {
    return valueOf(s.toUpperCase(java.util.Locale.ROOT));
  }
}
