package io.weirmq.core.routing;

import io.weirmq.core.policy.Policy;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import java.util.List;

/** The whole topology at one version, for persistence snapshots and for seeding a node's copy. */
public record TopologySnapshot(
    long version,
    List<String> vhosts,
    List<ExchangeDefinition> exchanges,
    List<QueueDefinition> queues,
    List<Long> queueIncarnations,
    List<Binding> bindings,
    List<User> users,
    List<Permission> permissions,
    List<Policy> policies) {

  public TopologySnapshot {
    vhosts = vhosts == null ? List.of() : List.copyOf(vhosts);
    exchanges = exchanges == null ? List.of() : List.copyOf(exchanges);
    queues = queues == null ? List.of() : List.copyOf(queues);
    queueIncarnations = queueIncarnations == null ? List.of() : List.copyOf(queueIncarnations);
    if (queueIncarnations.size() != queues.size()) {
      throw new IllegalArgumentException("one incarnation per queue: " + queues.size() + " queues, "
          + queueIncarnations.size() + " incarnations");
    }
    bindings = bindings == null ? List.of() : List.copyOf(bindings);
    // Snapshots from before users existed have neither list.
    users = users == null ? List.of() : List.copyOf(users);
    permissions = permissions == null ? List.of() : List.copyOf(permissions);
    // Snapshots from before policies existed have none.
    policies = policies == null ? List.of() : List.copyOf(policies);
  }
}
