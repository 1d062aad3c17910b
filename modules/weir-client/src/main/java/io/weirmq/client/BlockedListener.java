package io.weirmq.client;

/**
 * Told when the broker stops reading this connection's publishes because a memory or disk alarm
 * went on, and when it reads them again (RabbitMQ's {@code BlockedListener}). While blocked,
 * publishes queue in the client and then block the publishing thread; consumers go on.
 */
public interface BlockedListener {
  void handleBlocked(String reason);

  void handleUnblocked();
}
