package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A binding from an exchange ({@code source}) to a queue or exchange. Between the same two ends,
 * bindings are told apart by {@code propertiesKey}, which {@link WeirAdmin#unbind(BindingInfo)} uses.
 */
public record BindingInfo(
    @JsonProperty("source") String source,
    @JsonProperty("vhost") String vhost,
    @JsonProperty("destination") String destination,
    @JsonProperty("destination_type") String destinationType,
    @JsonProperty("routing_key") String routingKey,
    @JsonProperty("arguments") Map<String, Object> arguments,
    @JsonProperty("properties_key") String propertiesKey) {

  public boolean toQueue() {
    return "queue".equals(destinationType);
  }
}
