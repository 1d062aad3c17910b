package io.weirmq.core.queue;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the copy of a message that goes to a dead-letter exchange, with RabbitMQ's x-death header. */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * RabbitMQ's cycle rule: a dead-lettered copy must not go to {@code target} if it already died
   * there and nothing in its history was a rejection. Such a cycle (queues whose TTLs or limits
   * dead-letter into each other) would otherwise circulate the message forever; a cycle that
   * includes a consumer's rejection (the usual delayed-retry pattern) is allowed.
   */
  public static boolean isCycle(Message deadLetter, QueueId target) {
    if (!(deadLetter.properties().headers().get("x-death") instanceof List<?> deaths)) {
      return false;
    }
    boolean diedThere = false;
    for (Object o : deaths) {
      if (o instanceof Map<?, ?> death) {
        if (DeadLetterReason.REJECTED.wireName().equals(death.get("reason"))) {
          return false;
        }
        diedThere |= target.name().equals(death.get("queue"));
      }
    }
    return diedThere;
  }

  /**
   * The dead-letter copy: published to the queue's dead-letter exchange with its dead-letter routing
   * key (or the original key), the per-message TTL removed and recorded in x-death, and the x-death
   * entry for this queue and reason counted up (RabbitMQ keeps one entry per queue and reason, most
   * recent first).
   *
   * @param atMillis when the message was dead-lettered, epoch millis
   */
  public static Message copy(String exchange, String routingKey, MessageProperties properties, byte[] body,
      QueueId queue, QueueSettings settings, DeadLetterReason reason, long atMillis) {
    Map<String, Object> headers = new LinkedHashMap<>(properties.headers());
    List<Object> deaths = new ArrayList<>();
    Object existing = headers.get("x-death");
    Map<String, Object> entry = null;
    if (existing instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> m && queue.name().equals(m.get("queue")) && reason.wireName().equals(m.get("reason"))) {
          entry = new LinkedHashMap<>();
          for (Map.Entry<?, ?> e : m.entrySet()) {
            entry.put((String) e.getKey(), e.getValue());
          }
        } else {
          deaths.add(o);
        }
      }
    }
    if (entry == null) {
      entry = new LinkedHashMap<>();
      entry.put("count", 0L);
      entry.put("reason", reason.wireName());
      entry.put("queue", queue.name());
      entry.put("exchange", exchange);
      entry.put("routing-keys", List.of(routingKey));
      entry.put("time", atMillis / 1000);
      if (properties.expiration() != null) {
        entry.put("original-expiration", properties.expiration());
      }
    }
    // A counted-up entry keeps the time of its first death, as RabbitMQ's does.
    entry.put("count", ((Number) entry.get("count")).longValue() + 1);
    deaths.add(0, entry);
    headers.put("x-death", deaths);
    headers.putIfAbsent("x-first-death-exchange", exchange);
    headers.putIfAbsent("x-first-death-queue", queue.name());
    headers.putIfAbsent("x-first-death-reason", reason.wireName());
    String key = settings.deadLetterRoutingKey() != null ? settings.deadLetterRoutingKey() : routingKey;
    MessageProperties props = properties.withoutExpiration().withHeaders(headers);
    return new Message(settings.deadLetterExchange(), key, props, body);
  }
}
