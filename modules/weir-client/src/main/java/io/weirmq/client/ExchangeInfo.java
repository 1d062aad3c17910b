package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** An exchange as the broker lists it; the default exchange's name is {@code ""}. */
public record ExchangeInfo(
    @JsonProperty("name") String name,
    @JsonProperty("vhost") String vhost,
    @JsonProperty("type") String type,
    @JsonProperty("durable") boolean durable,
    @JsonProperty("auto_delete") boolean autoDelete,
    @JsonProperty("internal") boolean internal,
    @JsonProperty("arguments") Map<String, Object> arguments) {}
