package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.policy.Policy;
import io.weirmq.node.Broker;

/**
 * {@code /api/policies}, in RabbitMQ's management API shapes: list, show, put (201 created, 204
 * updated) and delete (204). Policymakers manage the policies of the vhosts they have permissions
 * on, administrators those of every vhost. Setting or removing a policy reconfigures the matching
 * queues before the answer ({@link Broker#setPolicy}).
 */
final class PolicyRoutes extends ApiDirectives {

  PolicyRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
  }

  Route route() {
    caller.requirePolicymaker();
    return concat(
        pathEndOrSingleSlash(() -> get(() -> ok(topology().policies().all().stream()
            .filter(p -> caller.managesPolicies(topology(), p.vhost())).map(Views::policy).toList()))),
        pathPrefix(segment(), vhost -> concat(
            pathEndOrSingleSlash(() -> get(() -> {
              checkedVhost(vhost);
              return ok(topology().policies().of(vhost).stream().map(Views::policy).toList());
            })),
            path(segment(), name -> concat(
                get(() -> ok(Views.policy(topology().policies().require(checkedVhost(vhost), name)))),
                put(() -> put(checkedVhost(vhost), name)),
                delete(() -> onSuccess(broker.clearPolicy(checkedVhost(vhost), name), v -> noContent())))))));
  }

  private String checkedVhost(String vhost) {
    existingVhost(vhost);
    caller.requirePolicies(topology(), vhost);
    return vhost;
  }

  private Route put(String vhost, String name) {
    return body(Bodies.PolicyBody.class, b -> {
      if (b.vhost() != null && !b.vhost().equals(vhost)) {
        throw BrokerException.invalid("vhost", "is \"" + b.vhost() + "\" but the path names vhost \"" + vhost + "\"");
      }
      if (b.name() != null && !b.name().equals(name)) {
        throw BrokerException.invalid("name", "is \"" + b.name() + "\" but the path names policy \"" + name + "\"");
      }
      Policy policy = new Policy(vhost, name, b.pattern(), Policy.ApplyTo.parse("apply-to", b.applyTo()),
          orDefault(b.priority(), 0), b.definition());
      boolean existed = topology().policies().get(vhost, name).isPresent();
      return onSuccess(broker.setPolicy(policy), v -> declared(existed));
    });
  }
}
