package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.Names;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.node.Broker;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/whoami}, {@code /api/users}, {@code /api/permissions} and {@code /api/vhosts}, in
 * RabbitMQ's management API shapes and with its rules: only administrators manage users,
 * permissions and vhosts; any management user sees itself and the vhosts it has permissions on.
 */
final class AdminRoutes extends ApiDirectives {

  AdminRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
  }

  Route whoami() {
    return get(() -> {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("name", caller.name());
      v.put("tags", caller.tags());
      return ok(v);
    });
  }

  Route users() {
    caller.requireAdministrator();
    return concat(
        pathEndOrSingleSlash(() -> get(() -> ok(topology().users().users().stream().map(Views::user).toList()))),
        pathPrefix(segment(), name -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> ok(Views.user(existingUser(name)))),
                put(() -> putUser(name)),
                delete(() -> onSuccess(broker.deleteUser(name), v -> noContent())))),
            path("permissions", () -> get(() -> {
              existingUser(name);
              return ok(topology().users().permissions().stream().filter(p -> p.user().equals(name))
                  .map(Views::permission).toList());
            })))));
  }

  Route permissions() {
    caller.requireAdministrator();
    return concat(
        pathEndOrSingleSlash(() -> get(() ->
            ok(topology().users().permissions().stream().map(Views::permission).toList()))),
        pathPrefix(segment(), vhost -> path(segment(), user -> concat(
            get(() -> {
              existingVhost(vhost);
              existingUser(user);
              var access = topology().users().access(user, vhost);
              if (access == null) {
                throw BrokerException.notFound("permission", "user '" + user + "' has no permissions on vhost '"
                    + vhost + "'");
              }
              return ok(Views.permission(access.permission()));
            }),
            put(() -> body(Bodies.PermissionBody.class, b -> {
              boolean existed = topology().users().access(user, vhost) != null;
              return onSuccess(broker.setPermission(new Permission(user, vhost, b.configure(), b.write(), b.read())),
                  v -> declared(existed));
            })),
            delete(() -> onSuccess(broker.clearPermission(user, vhost), v -> noContent()))))));
  }

  Route vhosts() {
    return concat(
        pathEndOrSingleSlash(() -> get(() ->
            ok(topology().vhosts().stream().filter(this::visible).map(Views::vhost).toList()))),
        pathPrefix(segment(), vhost -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> ok(Views.vhost(visibleVhost(vhost)))),
                put(() -> {
                  caller.requireAdministrator();
                  Names.vhost("vhost", vhost);
                  boolean existed = topology().hasVhost(vhost);
                  return onSuccess(broker.addVhost(vhost), v -> declared(existed));
                }),
                delete(() -> {
                  caller.requireAdministrator();
                  return onSuccess(broker.deleteVhost(vhost), v -> noContent());
                }))),
            path("permissions", () -> get(() -> {
              caller.requireAdministrator();
              existingVhost(vhost);
              return ok(topology().users().permissions().stream().filter(p -> p.vhost().equals(vhost))
                  .map(Views::permission).toList());
            })))));
  }

  private User existingUser(String name) {
    return topology().users().user(User.name(name))
        .orElseThrow(() -> BrokerException.notFound("user", "no user '" + name + "'"));
  }

  private Route putUser(String name) {
    return body(Bodies.UserBody.class, b -> {
      List<String> tags = tags(b.tags());
      var existing = topology().users().user(User.name(name));
      if (b.password() == null) {
        if (existing.isEmpty()) {
          throw BrokerException.invalid("password", "is required for a new user");
        }
        return onSuccess(broker.setUserTags(existing.get(), tags), v -> declared(true));
      }
      return onSuccess(broker.putUser(name, b.password(), tags), v -> declared(existing.isPresent()));
    });
  }

  /** RabbitMQ's comma-separated string, or a list of strings. */
  private static List<String> tags(Object tags) {
    if (tags == null) {
      return List.of();
    }
    if (tags instanceof String s) {
      return User.tags(Arrays.asList(s.split(",")));
    }
    if (tags instanceof List<?> list && list.stream().allMatch(t -> t instanceof String)) {
      return User.tags(list.stream().map(t -> (String) t).toList());
    }
    throw BrokerException.invalid("tags", "must be a comma-separated string or a list of strings");
  }
}
