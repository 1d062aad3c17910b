package io.weirmq.core.message;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.FieldValues;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AMQP 0-9-1 basic properties of a message. Every field is optional (null when absent).
 *
 * @param deliveryMode 1 = transient, 2 = persistent
 * @param priority 0-255; only queues declared with {@code x-max-priority} order by it
 * @param expiration per-message TTL in milliseconds, as a decimal string (AMQP's encoding)
 * @param timestamp seconds since the epoch, as AMQP defines it
 */
public record MessageProperties(
    String contentType,
    String contentEncoding,
    Map<String, Object> headers,
    Integer deliveryMode,
    Integer priority,
    String correlationId,
    String replyTo,
    String expiration,
    String messageId,
    Long timestamp,
    String type,
    String userId,
    String appId) {

  public static final MessageProperties EMPTY =
      new MessageProperties(null, null, Map.of(), null, null, null, null, null, null, null, null, null, null);

  public static final int TRANSIENT = 1;
  public static final int PERSISTENT = 2;

  public MessageProperties {
    headers = FieldValues.normalizeTable("properties.headers", headers);
    if (deliveryMode != null && deliveryMode != TRANSIENT && deliveryMode != PERSISTENT) {
      throw BrokerException.invalid("properties.delivery_mode", "must be 1 (transient) or 2 (persistent), got " + deliveryMode);
    }
    if (priority != null && (priority < 0 || priority > 255)) {
      throw BrokerException.invalid("properties.priority", "must be between 0 and 255, got " + priority);
    }
    if (expiration != null) {
      parseExpiration(expiration);
    }
  }

  /** Persistent messages survive a broker restart when they sit in a durable queue. */
  public boolean persistent() {
    return deliveryMode != null && deliveryMode == PERSISTENT;
  }

  /** The per-message TTL in milliseconds, or null when the message has none. */
  public Long expirationMillis() {
    return expiration == null ? null : parseExpiration(expiration);
  }

  public MessageProperties withHeaders(Map<String, Object> newHeaders) {
    return new MessageProperties(contentType, contentEncoding, newHeaders, deliveryMode, priority, correlationId,
        replyTo, expiration, messageId, timestamp, type, userId, appId);
  }

  /** A copy without the per-message TTL, as RabbitMQ does when it dead-letters a message. */
  public MessageProperties withoutExpiration() {
    return new MessageProperties(contentType, contentEncoding, headers, deliveryMode, priority, correlationId,
        replyTo, null, messageId, timestamp, type, userId, appId);
  }

  public MessageProperties withHeader(String key, Object value) {
    Map<String, Object> h = new LinkedHashMap<>(headers);
    h.put(key, value);
    return withHeaders(h);
  }

  /** Builds properties field by field, like the RabbitMQ client's {@code BasicProperties.Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  private static long parseExpiration(String expiration) {
    // AMQP carries the TTL as a short string of decimal digits; RabbitMQ refuses anything else.
    if (expiration.isEmpty() || expiration.length() > 19) {
      throw BrokerException.invalid("properties.expiration", "must be a non-negative number of milliseconds as a string, got \"" + expiration + "\"");
    }
    for (int i = 0; i < expiration.length(); i++) {
      if (!Character.isDigit(expiration.charAt(i))) {
        throw BrokerException.invalid("properties.expiration", "must be a non-negative number of milliseconds as a string, got \"" + expiration + "\"");
      }
    }
    return Long.parseLong(expiration);
  }

  /** A mutable builder for {@link MessageProperties}. */
  public static final class Builder {
    private String contentType;
    private String contentEncoding;
    private Map<String, Object> headers = Map.of();
    private Integer deliveryMode;
    private Integer priority;
    private String correlationId;
    private String replyTo;
    private String expiration;
    private String messageId;
    private Long timestamp;
    private String type;
    private String userId;
    private String appId;

    public Builder contentType(String v) { contentType = v; return this; }
    public Builder contentEncoding(String v) { contentEncoding = v; return this; }
    public Builder headers(Map<String, Object> v) { headers = v; return this; }
    public Builder deliveryMode(Integer v) { deliveryMode = v; return this; }
    public Builder persistent() { deliveryMode = PERSISTENT; return this; }
    public Builder priority(Integer v) { priority = v; return this; }
    public Builder correlationId(String v) { correlationId = v; return this; }
    public Builder replyTo(String v) { replyTo = v; return this; }
    public Builder expiration(String v) { expiration = v; return this; }
    public Builder messageId(String v) { messageId = v; return this; }
    public Builder timestamp(Long v) { timestamp = v; return this; }
    public Builder type(String v) { type = v; return this; }
    public Builder userId(String v) { userId = v; return this; }
    public Builder appId(String v) { appId = v; return this; }

    public MessageProperties build() {
      return new MessageProperties(contentType, contentEncoding, headers, deliveryMode, priority, correlationId,
          replyTo, expiration, messageId, timestamp, type, userId, appId);
    }
  }
}
