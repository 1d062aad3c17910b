package io.weirmq.core.routing;

import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;

/**
 * A change to the broker's topology that has happened. The metadata registry persists these; the
 * registry and every node's routing copy apply them with {@link Topology#apply}.
 */
public sealed interface TopologyEvent {

  record VhostAdded(String vhost) implements TopologyEvent {}

  /** The vhost and everything in it are gone. */
  record VhostDeleted(String vhost) implements TopologyEvent {}

  record ExchangeDeclared(ExchangeDefinition exchange) implements TopologyEvent {}

  /** The exchange and every binding from or to it are gone. */
  record ExchangeDeleted(ExchangeId exchange) implements TopologyEvent {}

  record QueueDeclared(QueueDefinition queue) implements TopologyEvent {}

  /** The queue and every binding to it are gone. */
  record QueueDeleted(QueueId queue) implements TopologyEvent {}

  record BindingAdded(Binding binding) implements TopologyEvent {}

  record BindingRemoved(Binding binding) implements TopologyEvent {}
}
