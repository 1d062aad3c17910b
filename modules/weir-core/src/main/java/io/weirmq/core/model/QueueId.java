package io.weirmq.core.model;

import java.util.Objects;

/** A queue's identity: its name within a vhost. */
public record QueueId(String vhost, String name) {

  public QueueId {
    Objects.requireNonNull(vhost, "vhost");
    Objects.requireNonNull(name, "name");
  }

  /**
   * A stable key for sharding and persistence ids. The vhost is length-prefixed so no pair of
   * (vhost, name) can produce the key of another pair, whatever characters either contains.
   */
  public String key() {
    return vhost.length() + ":" + vhost + "/" + name;
  }

  /** The inverse of {@link #key()}. */
  public static QueueId fromKey(String key) {
    int colon = key.indexOf(':');
    if (colon <= 0) {
      throw BrokerException.invalid("queue key", "not a queue key: " + key);
    }
    int len = Integer.parseInt(key.substring(0, colon));
    String vhost = key.substring(colon + 1, colon + 1 + len);
    if (key.charAt(colon + 1 + len) != '/') {
      throw BrokerException.invalid("queue key", "not a queue key: " + key);
    }
    return new QueueId(vhost, key.substring(colon + 2 + len));
  }

  @Override
  public String toString() {
    return "queue '" + name + "' in vhost '" + vhost + "'";
  }
}
