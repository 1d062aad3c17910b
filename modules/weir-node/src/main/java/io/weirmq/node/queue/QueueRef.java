package io.weirmq.node.queue;

import io.weirmq.core.model.QueueId;
import io.weirmq.node.serialization.CborSerializable;

/**
 * One incarnation of a queue: its id plus the registry version that declared it. A queue deleted
 * and declared again is a new incarnation with a new entity and journal, so it starts empty, as in
 * RabbitMQ.
 */
public record QueueRef(QueueId id, long incarnation) implements CborSerializable {

  public String entityId() {
    return incarnation + "@" + id.key();
  }

  public static QueueRef fromEntityId(String entityId) {
    int at = entityId.indexOf('@');
    return new QueueRef(QueueId.fromKey(entityId.substring(at + 1)), Long.parseLong(entityId.substring(0, at)));
  }
}
