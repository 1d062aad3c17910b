package io.weirmq.core.routing;

import io.weirmq.core.model.BrokerException;

/** The four AMQP 0-9-1 exchange types, with the names clients use on the wire. */
public enum ExchangeType {
  DIRECT("direct"),
  FANOUT("fanout"),
  TOPIC("topic"),
  HEADERS("headers");

  private final String wireName;

  ExchangeType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Parses a wire name, naming {@code field} and the allowed values when it is not one. */
  public static ExchangeType parse(String field, String wireName) {
    for (ExchangeType t : values()) {
      if (t.wireName.equals(wireName)) {
        return t;
      }
    }
    throw BrokerException.invalid(field, "must be one of direct, fanout, topic, headers, got "
        + (wireName == null ? "nothing" : "\"" + wireName + "\""));
  }
}
