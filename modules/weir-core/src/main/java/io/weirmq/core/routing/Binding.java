package io.weirmq.core.routing;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.FieldValues;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import java.util.Map;
import java.util.Objects;

/**
 * A binding from a source exchange to a queue or exchange, with a routing key and arguments.
 *
 * <p>Two bindings are the same binding when all six components are equal, arguments compared
 * strictly (type-aware, byte arrays by content), as in RabbitMQ.
 */
public record Binding(
    String vhost,
    String source,
    DestinationKind destinationKind,
    String destination,
    String routingKey,
    Map<String, Object> arguments) {

  public Binding {
    Names.vhost("vhost", vhost);
    Names.exchange("source", source);
    if (destinationKind == null) {
      throw BrokerException.invalid("destinationKind", "must be QUEUE or EXCHANGE");
    }
    if (destinationKind == DestinationKind.QUEUE) {
      Names.queue("destination", destination);
    } else {
      Names.exchange("destination", destination);
    }
    Names.routingKey("routingKey", routingKey);
    arguments = FieldValues.normalizeTable("arguments", arguments);
  }

  /** A binding from {@code source} to a queue, without arguments. */
  public static Binding toQueue(String vhost, String source, String queue, String routingKey) {
    return new Binding(vhost, source, DestinationKind.QUEUE, queue, routingKey, Map.of());
  }

  /** A binding from {@code source} to another exchange, without arguments. */
  public static Binding toExchange(String vhost, String source, String destination, String routingKey) {
    return new Binding(vhost, source, DestinationKind.EXCHANGE, destination, routingKey, Map.of());
  }

  public Binding withArguments(Map<String, Object> newArguments) {
    return new Binding(vhost, source, destinationKind, destination, routingKey, newArguments);
  }

  public ExchangeId sourceId() {
    return new ExchangeId(vhost, source);
  }

  /** The destination queue's id; only for bindings to queues. */
  public QueueId destinationQueue() {
    if (destinationKind != DestinationKind.QUEUE) {
      throw new IllegalStateException("binding to an exchange: " + this);
    }
    return new QueueId(vhost, destination);
  }

  /** The destination exchange's id; only for exchange-to-exchange bindings. */
  public ExchangeId destinationExchange() {
    if (destinationKind != DestinationKind.EXCHANGE) {
      throw new IllegalStateException("binding to a queue: " + this);
    }
    return new ExchangeId(vhost, destination);
  }

  /**
   * The key that tells apart bindings between the same source and destination, as RabbitMQ's
   * management API builds it: the routing key ("~" for the empty key), then, if there are
   * arguments, "~" and a short stable fingerprint of them.
   */
  public String propertiesKey() {
    String key = routingKey.isEmpty() ? "~" : routingKey;
    return arguments.isEmpty() ? key : key + "~" + Tables.fingerprint(arguments);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Binding b && vhost.equals(b.vhost) && source.equals(b.source)
        && destinationKind == b.destinationKind && destination.equals(b.destination)
        && routingKey.equals(b.routingKey) && Tables.deepEquals(arguments, b.arguments);
  }

  @Override
  public int hashCode() {
    return Objects.hash(vhost, source, destinationKind, destination, routingKey) * 31 + Tables.deepHash(arguments);
  }
}
