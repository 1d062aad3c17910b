package io.weirmq.core.routing;

import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;

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

  /** A user was added, or its password or tags changed. */
  record UserPut(User user) implements TopologyEvent {}

  /** The user and all its permissions are gone. */
  record UserDeleted(String name) implements TopologyEvent {}

  /** A user's permissions on a vhost were set (replacing any before). */
  record PermissionSet(Permission permission) implements TopologyEvent {}

  record PermissionCleared(String user, String vhost) implements TopologyEvent {}

  /** A policy was added or replaced. */
  record PolicySet(Policy policy) implements TopologyEvent {}

  record PolicyCleared(String vhost, String name) implements TopologyEvent {}
}
