package io.weirmq.http;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.security.Access;
import io.weirmq.core.security.Tags;
import io.weirmq.core.security.User;
import java.util.List;

/**
 * The authenticated user of one request, and the checks the management API makes for it, as
 * RabbitMQ's management plugin makes them: tags decide which parts of the API it may use, and its
 * permissions on a vhost decide what it may do to that vhost's exchanges and queues.
 */
record Caller(User user) {

  String name() {
    return user.name();
  }

  List<String> tags() {
    return user.tags();
  }

  boolean isAdministrator() {
    return Tags.isAdministrator(user.tags());
  }

  /** Monitoring and administrator users see every vhost; others only those they have permissions on. */
  boolean isMonitor() {
    return Tags.isMonitor(user.tags());
  }

  /** Refuses (403) unless the user may use the HTTP API at all. */
  void requireManagement() {
    if (!Tags.isManagement(user.tags())) {
      throw BrokerException.refused(null, "user '" + name() + "' has no management tag (management, policymaker, "
          + "monitoring or administrator) and may not use the HTTP API");
    }
  }

  void requireAdministrator() {
    if (!isAdministrator()) {
      throw BrokerException.refused(null, "user '" + name() + "' is not an administrator");
    }
  }

  void requireMonitor() {
    if (!isMonitor()) {
      throw BrokerException.refused(null, "user '" + name() + "' is not tagged monitoring or administrator");
    }
  }

  /** Whether the user may manage policies of the vhost: an administrator, or a policymaker with permissions there. */
  boolean managesPolicies(Topology topology, String vhost) {
    return isAdministrator() || (Tags.isPolicymaker(user.tags()) && topology.users().access(name(), vhost) != null);
  }

  /** Refuses (403) unless the user is tagged policymaker or administrator. */
  void requirePolicymaker() {
    if (!Tags.isPolicymaker(user.tags())) {
      throw BrokerException.refused(null, "user '" + name() + "' is not tagged policymaker or administrator");
    }
  }

  /** Refuses (403) unless the user may manage the vhost's policies. */
  void requirePolicies(Topology topology, String vhost) {
    requirePolicymaker();
    if (!managesPolicies(topology, vhost)) {
      throw Access.vhostRefused(vhost, name());
    }
  }

  /** Whether the user may look at the vhost's objects. */
  boolean sees(Topology topology, String vhost) {
    return isMonitor() || topology.users().access(name(), vhost) != null;
  }

  /** Refuses (403) when the user may not look at the vhost. */
  void requireSees(Topology topology, String vhost) {
    if (!sees(topology, vhost)) {
      throw Access.vhostRefused(vhost, name());
    }
  }

  /** The user's permissions on the vhost; refuses (403) when it has none there. */
  Access access(Topology topology, String vhost) {
    Access a = topology.users().access(name(), vhost);
    if (a == null) {
      throw Access.vhostRefused(vhost, name());
    }
    return a;
  }

  void check(Topology topology, String vhost, Access.Kind kind, Access.Resource resource, String name) {
    access(topology, vhost).check(kind, resource, name);
  }
}
