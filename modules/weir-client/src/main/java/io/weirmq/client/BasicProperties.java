package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A message's properties, as AMQP's basic properties (RabbitMQ's {@code AMQP.BasicProperties});
 * null means absent. Build with {@link #builder()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BasicProperties(
    @JsonProperty("content_type") String contentType,
    @JsonProperty("content_encoding") String contentEncoding,
    @JsonProperty("headers") Map<String, Object> headers,
    @JsonProperty("delivery_mode") Integer deliveryMode,
    @JsonProperty("priority") Integer priority,
    @JsonProperty("correlation_id") String correlationId,
    @JsonProperty("reply_to") String replyTo,
    @JsonProperty("expiration") String expiration,
    @JsonProperty("message_id") String messageId,
    @JsonProperty("timestamp") Long timestamp,
    @JsonProperty("type") String type,
    @JsonProperty("user_id") String userId,
    @JsonProperty("app_id") String appId) {

  /** No properties. */
  public static final BasicProperties EMPTY = builder().build();
  /** Persistent (delivery mode 2), nothing else. */
  public static final BasicProperties PERSISTENT = builder().deliveryMode(2).build();

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link BasicProperties}; every property is optional. */
  public static final class Builder {
    private String contentType;
    private String contentEncoding;
    private Map<String, Object> headers;
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

    private Builder() {}

    public Builder contentType(String v) { contentType = v; return this; }
    public Builder contentEncoding(String v) { contentEncoding = v; return this; }
    public Builder headers(Map<String, Object> v) { headers = v; return this; }
    /** 1 transient, 2 persistent. */
    public Builder deliveryMode(Integer v) { deliveryMode = v; return this; }
    public Builder priority(Integer v) { priority = v; return this; }
    public Builder correlationId(String v) { correlationId = v; return this; }
    public Builder replyTo(String v) { replyTo = v; return this; }
    /** Milliseconds, as a string (AMQP's type for it). */
    public Builder expiration(String v) { expiration = v; return this; }
    public Builder messageId(String v) { messageId = v; return this; }
    /** Seconds since the epoch. */
    public Builder timestamp(Long v) { timestamp = v; return this; }
    public Builder type(String v) { type = v; return this; }
    public Builder userId(String v) { userId = v; return this; }
    public Builder appId(String v) { appId = v; return this; }

    public BasicProperties build() {
      return new BasicProperties(contentType, contentEncoding, headers == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers)),
          deliveryMode, priority, correlationId, replyTo, expiration, messageId, timestamp, type, userId, appId);
    }
  }
}
