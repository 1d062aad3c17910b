package io.weirmq.core.model;

import java.util.Objects;

/** An exchange's identity: its name within a vhost. The empty name is the default exchange. */
public record ExchangeId(String vhost, String name) {

  public ExchangeId {
    Objects.requireNonNull(vhost, "vhost");
    Objects.requireNonNull(name, "name");
  }

  public boolean isDefault() {
    return name.isEmpty();
  }

  @Override
  public String toString() {
    return (name.isEmpty() ? "the default exchange" : "exchange '" + name + "'") + " in vhost '" + vhost + "'";
  }
}
