package io.weirmq.core.queue;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Small message factories for queue tests. */
final class TestMessages {

  static final String EXCHANGE = "orders";
  static final String ROUTING_KEY = "order.created";

  private TestMessages() {}

  static Message msg(String body) {
    return new Message(EXCHANGE, ROUTING_KEY, MessageProperties.EMPTY, bytes(body));
  }

  static Message msg(String body, MessageProperties properties) {
    return new Message(EXCHANGE, ROUTING_KEY, properties, bytes(body));
  }

  static Message withTtl(String body, long ttlMillis) {
    return msg(body, MessageProperties.builder().expiration(Long.toString(ttlMillis)).build());
  }

  static Message withPriority(String body, Integer priority) {
    return msg(body, MessageProperties.builder().priority(priority).build());
  }

  static Message ofSize(int bytes) {
    return new Message(EXCHANGE, ROUTING_KEY, MessageProperties.EMPTY, new byte[bytes]);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }

  static QueueSettings settings(Map<String, Object> arguments) {
    return QueueSettings.fromArguments(arguments);
  }
}
