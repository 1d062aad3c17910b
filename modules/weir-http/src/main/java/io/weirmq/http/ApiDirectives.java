package io.weirmq.http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.Names;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.security.Access;
import io.weirmq.node.Broker;
import java.util.Optional;
import java.util.function.Function;

/** What every resource's routes share: the broker, JSON in and out, name and vhost checks. */
abstract class ApiDirectives extends AllDirectives {

  /** How the management API writes the default exchange (whose name is empty) in a path. */
  static final String DEFAULT_EXCHANGE_IN_PATH = "amq.default";

  protected final Broker broker;
  protected final Json json;
  protected final HttpSettings settings;
  /** Who is asking; null for the routes that need no login (health, metrics when so configured). */
  protected final Caller caller;

  ApiDirectives(Broker broker, Json json, HttpSettings settings) {
    this(broker, json, settings, null);
  }

  ApiDirectives(Broker broker, Json json, HttpSettings settings, Caller caller) {
    this.broker = broker;
    this.json = json;
    this.settings = settings;
    this.caller = caller;
  }

  /** A vhost from the path that must exist and that the caller may look at (403 otherwise). */
  String visibleVhost(String vhost) {
    existingVhost(vhost);
    caller.requireSees(topology(), vhost);
    return vhost;
  }

  /** Whether the caller may look at the vhost (for filtering lists). */
  boolean visible(String vhost) {
    return caller.sees(topology(), vhost);
  }

  /** Refuses (403) unless the caller's permissions on the vhost allow the operation; 404 for a missing vhost. */
  void check(String vhost, Access.Kind kind, Access.Resource resource, String name) {
    existingVhost(vhost);
    caller.check(topology(), vhost, kind, resource, name);
  }

  Route json(StatusCode status, Object body) {
    return complete(json.response(status, body));
  }

  Route ok(Object body) {
    return json(StatusCodes.OK, body);
  }

  Route noContent() {
    return complete(StatusCodes.NO_CONTENT);
  }

  /**
   * 201 or 204 for a declaration, with an empty body as RabbitMQ answers (Akka would otherwise
   * render a default sentence as text/plain into a JSON API).
   */
  Route declared(boolean existed) {
    return complete(HttpResponse.create().withStatus(existed ? StatusCodes.NO_CONTENT : StatusCodes.CREATED));
  }

  /** A JSON request body of {@code type}, at most weir.http.max-message-bytes long. */
  <T> Route body(Class<T> type, Function<T, Route> inner) {
    return withSizeLimit(settings.maxMessageBytes(), () -> entity(json.unmarshaller(type), inner));
  }

  /** A {@code true}/{@code false} query parameter, false when absent. */
  Route flag(String name, Function<Boolean, Route> inner) {
    return parameterOptional(name, value -> inner.apply(value.map(v -> {
      if (v.equals("true")) {
        return true;
      }
      if (v.equals("false")) {
        return false;
      }
      throw BrokerException.invalid(name, "must be true or false, got \"" + v + "\"");
    }).orElse(false)));
  }

  /** A vhost named in the path that must exist on this node (404 otherwise). */
  String existingVhost(String vhost) {
    Names.vhost("vhost", vhost);
    if (!topology().hasVhost(vhost)) {
      throw BrokerException.notFound("vhost", "no vhost '" + vhost + "'");
    }
    return vhost;
  }

  /** An exchange name from the path: {@code amq.default} is the default exchange. */
  static String exchangeName(String field, String inPath) {
    String name = inPath.equals(DEFAULT_EXCHANGE_IN_PATH) ? "" : inPath;
    return Names.exchange(field, name);
  }

  static String exchangeInPath(String name) {
    return name.isEmpty() ? DEFAULT_EXCHANGE_IN_PATH : name;
  }

  Topology topology() {
    return broker.topology();
  }

  static <T> T orDefault(T value, T fallback) {
    return Optional.ofNullable(value).orElse(fallback);
  }
}
