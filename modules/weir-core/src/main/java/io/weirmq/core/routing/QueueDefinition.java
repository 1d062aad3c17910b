package io.weirmq.core.routing;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.FieldValues;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.queue.QueueSettings;
import java.util.Map;
import java.util.Objects;

/**
 * A queue as declared: identity, flags, arguments (checked by {@link QueueSettings#fromArguments})
 * and, for an exclusive queue, the connection that owns it.
 *
 * @param exclusiveOwner the owning connection's id when {@code exclusive}; null otherwise
 */
public record QueueDefinition(
    QueueId id,
    boolean durable,
    boolean exclusive,
    boolean autoDelete,
    Map<String, Object> arguments,
    String exclusiveOwner) {

  public QueueDefinition {
    if (id == null) {
      throw BrokerException.invalid("name", "must be present");
    }
    Names.vhost("vhost", id.vhost());
    Names.queue("name", id.name());
    arguments = FieldValues.normalizeTable("arguments", arguments);
    QueueSettings.fromArguments(arguments);
    if (exclusive && (exclusiveOwner == null || exclusiveOwner.isEmpty())) {
      throw BrokerException.invalid("exclusiveOwner", "an exclusive queue needs the id of the connection that owns it");
    }
    if (!exclusive && exclusiveOwner != null) {
      throw BrokerException.invalid("exclusiveOwner", "only an exclusive queue has an owner");
    }
  }

  /** A durable, shared, non-auto-delete queue without arguments. */
  public static QueueDefinition of(String vhost, String name) {
    return new QueueDefinition(new QueueId(vhost, name), true, false, false, Map.of(), null);
  }

  /** The behaviour the arguments ask for (parsed on each call; cache it where it is hot). */
  public QueueSettings settings() {
    return QueueSettings.fromArguments(arguments);
  }

  /**
   * Checks that a redeclaration asks for the same queue, as RabbitMQ does.
   *
   * @throws BrokerException RESOURCE_LOCKED when another connection owns this exclusive queue;
   *     PRECONDITION_FAILED naming the first of durable, exclusive, auto_delete, arguments that differs
   */
  public void requireEquivalent(QueueDefinition redeclared) {
    Objects.requireNonNull(redeclared, "redeclared");
    if (exclusive && !exclusiveOwner.equals(redeclared.exclusiveOwner)) {
      throw BrokerException.locked("exclusive", "cannot obtain exclusive access to locked " + id
          + "; it is exclusive to another connection");
    }
    Tables.requireSame(id, "durable", durable, redeclared.durable);
    Tables.requireSame(id, "exclusive", exclusive, redeclared.exclusive);
    Tables.requireSame(id, "auto_delete", autoDelete, redeclared.autoDelete);
    Tables.requireSameArguments(id, arguments, redeclared.arguments);
  }

}
