package io.weirmq.core.model;

import java.nio.charset.StandardCharsets;

/**
 * Validation of the names clients choose: vhosts, exchanges, queues and routing keys.
 *
 * <p>The limits are AMQP 0-9-1's: a short string of at most 255 bytes of UTF-8. Exchange and queue
 * names are further restricted to printable characters (no control characters), as RabbitMQ's
 * management API effectively requires, and the {@code amq.} prefix is reserved for the broker.
 */
public final class Names {

  /** AMQP short strings hold at most 255 bytes. */
  public static final int MAX_NAME_BYTES = 255;

  public static final String RESERVED_PREFIX = "amq.";

  private Names() {}

  /** Checks a vhost name: non-empty, at most 255 bytes, no control characters. */
  public static String vhost(String field, String name) {
    requireText(field, name);
    if (name.isEmpty()) {
      throw BrokerException.invalid(field, "a vhost name must not be empty");
    }
    return name;
  }

  /**
   * Checks an exchange name. The empty name is the default exchange, valid wherever an exchange is
   * referenced but never declared or deleted by clients.
   */
  public static String exchange(String field, String name) {
    requireText(field, name);
    return name;
  }

  /** Checks a queue name that must name a queue (not empty). */
  public static String queue(String field, String name) {
    requireText(field, name);
    if (name.isEmpty()) {
      throw BrokerException.invalid(field, "a queue name must not be empty");
    }
    return name;
  }

  /** Checks that a client may create or delete a resource of this name (not {@code amq.*}). */
  public static String clientDeclarable(String field, String name) {
    if (name.startsWith(RESERVED_PREFIX)) {
      throw BrokerException.refused(
          field, "names starting with '" + RESERVED_PREFIX + "' are reserved for the broker: '" + name + "'");
    }
    return name;
  }

  /** Checks a routing key or binding key: at most 255 bytes; any characters, empty allowed. */
  public static String routingKey(String field, String key) {
    if (key == null) {
      throw BrokerException.invalid(field, "must be present (use \"\" for an empty key)");
    }
    if (utf8Length(key) > MAX_NAME_BYTES) {
      throw BrokerException.invalid(field, "must be at most " + MAX_NAME_BYTES + " bytes of UTF-8");
    }
    return key;
  }

  private static void requireText(String field, String name) {
    if (name == null) {
      throw BrokerException.invalid(field, "must be present");
    }
    if (utf8Length(name) > MAX_NAME_BYTES) {
      throw BrokerException.invalid(field, "must be at most " + MAX_NAME_BYTES + " bytes of UTF-8, got " + utf8Length(name));
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isISOControl(c)) {
        throw BrokerException.invalid(field, "must not contain control characters (found U+"
            + String.format("%04X", (int) c) + " at index " + i + ")");
      }
    }
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
