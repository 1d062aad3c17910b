package io.weirmq.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The request bodies the API reads, with RabbitMQ management API field names. Absent fields are
 * null; the routes apply RabbitMQ's defaults. Unknown fields are refused (see reference.conf).
 */
final class Bodies {

  private Bodies() {}

  /** PUT /api/exchanges/{vhost}/{name}. */
  record ExchangeBody(
      @JsonProperty("type") String type,
      @JsonProperty("durable") Boolean durable,
      @JsonProperty("auto_delete") Boolean autoDelete,
      @JsonProperty("internal") Boolean internal,
      @JsonProperty("arguments") Map<String, Object> arguments) {}

  /** PUT /api/queues/{vhost}/{name}. Exclusive queues need a connection, so HTTP cannot declare them. */
  record QueueBody(
      @JsonProperty("durable") Boolean durable,
      @JsonProperty("auto_delete") Boolean autoDelete,
      @JsonProperty("arguments") Map<String, Object> arguments) {}

  /** POST /api/bindings/{vhost}/e/{source}/{q|e}/{destination}. */
  record BindingBody(
      @JsonProperty("routing_key") String routingKey,
      @JsonProperty("arguments") Map<String, Object> arguments) {}

  /** The 13 AMQP basic properties, named as the management API names them. */
  record PropertiesBody(
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
      @JsonProperty("app_id") String appId) {}

  /** POST /api/exchanges/{vhost}/{name}/publish. */
  record PublishBody(
      @JsonProperty("properties") PropertiesBody properties,
      @JsonProperty("routing_key") String routingKey,
      @JsonProperty("payload") String payload,
      @JsonProperty("payload_encoding") String payloadEncoding) {}

  /** POST /api/exchanges/{vhost}/{name}/publish-batch (a WeirMQ extension). */
  record PublishBatchBody(@JsonProperty("messages") List<PublishBody> messages) {}

  /** POST /api/queues/{vhost}/{name}/get. */
  record GetBody(
      @JsonProperty("count") Integer count,
      @JsonProperty("ackmode") String ackmode,
      @JsonProperty("encoding") String encoding,
      @JsonProperty("truncate") Integer truncate) {}

  /**
   * PUT /api/users/{name}. {@code tags} is a comma-separated string (RabbitMQ's form) or a list.
   * A new user needs a password; for an existing one, leaving it out keeps the password.
   */
  record UserBody(
      @JsonProperty("password") String password,
      @JsonProperty("tags") Object tags) {}

  /** PUT /api/permissions/{vhost}/{user}: three regular expressions, all required. */
  record PermissionBody(
      @JsonProperty("configure") String configure,
      @JsonProperty("write") String write,
      @JsonProperty("read") String read) {}

  /**
   * PUT /api/policies/{vhost}/{name}. RabbitMQ's UI also sends the vhost and name; they must match
   * the path when given.
   */
  record PolicyBody(
      @JsonProperty("vhost") String vhost,
      @JsonProperty("name") String name,
      @JsonProperty("pattern") String pattern,
      @JsonProperty("apply-to") String applyTo,
      @JsonProperty("priority") Integer priority,
      @JsonProperty("definition") Map<String, Object> definition) {}
}
