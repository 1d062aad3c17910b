package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A queue and its counts, with RabbitMQ's meanings: {@code messages} = {@code messagesReady} +
 * {@code messagesUnacknowledged}; {@code messageBytesReady} is the ready bodies' size.
 */
public record QueueInfo(
    @JsonProperty("name") String name,
    @JsonProperty("vhost") String vhost,
    @JsonProperty("durable") boolean durable,
    @JsonProperty("auto_delete") boolean autoDelete,
    @JsonProperty("exclusive") boolean exclusive,
    @JsonProperty("arguments") Map<String, Object> arguments,
    @JsonProperty("messages") long messages,
    @JsonProperty("messages_ready") long messagesReady,
    @JsonProperty("messages_unacknowledged") long messagesUnacknowledged,
    @JsonProperty("message_bytes_ready") long messageBytesReady,
    @JsonProperty("consumers") int consumers) {}
