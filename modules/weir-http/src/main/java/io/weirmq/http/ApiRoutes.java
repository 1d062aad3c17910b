package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.weirmq.node.Broker;

/**
 * The whole HTTP API: each resource's routes under {@code /api}, the WebSocket protocol on
 * {@code /ws}, {@code /metrics} and {@code /health}, the dashboard at {@code /}, sealed so every error
 * is JSON.
 */
public final class ApiRoutes extends ApiDirectives {

  private final ApiErrors errors;
  private final WsConnections connections;
  private final ConnectionDirectory directory;

  public ApiRoutes(Broker broker, HttpSettings settings) {
    this(broker, Json.of(broker.system()), settings, new WsConnections());
  }

  ApiRoutes(Broker broker, HttpSettings settings, WsConnections connections) {
    this(broker, Json.of(broker.system()), settings, connections);
  }

  private ApiRoutes(Broker broker, Json json, HttpSettings settings, WsConnections connections) {
    super(broker, json, settings);
    this.errors = new ApiErrors(json);
    this.connections = connections;
    this.directory = ConnectionDirectory.start(broker.system(), connections);
  }

  public Route route() {
    BasicAuth auth = new BasicAuth(broker.authenticator(), json);
    WebSocketSettings wsSettings = WebSocketSettings.from(broker.system().settings().config());
    // Every request under /api needs a login and a management tag; each resource's routes are
    // built per request for its caller, and check its permissions as RabbitMQ does.
    Route api = pathPrefix("api", () -> auth.authenticated(caller -> {
      caller.requireManagement();
      MessageRoutes messages = new MessageRoutes(broker, json, settings, caller);
      AdminRoutes admin = new AdminRoutes(broker, json, settings, caller);
      ConnectionRoutes clients = new ConnectionRoutes(broker, json, settings, caller, directory);
      return concat(
          pathPrefix("exchanges", () -> new ExchangeRoutes(broker, json, settings, messages, caller).route()),
          pathPrefix("queues", () -> new QueueRoutes(broker, json, settings, messages, caller).route()),
          pathPrefix("bindings", () -> new BindingRoutes(broker, json, settings, caller).route()),
          pathPrefix("overview", () -> new OverviewRoutes(broker, json, settings, caller).route()),
          pathPrefix("nodes", () -> new NodeRoutes(broker, json, settings, caller).route()),
          pathPrefix("definitions", () -> new DefinitionsRoutes(broker, json, settings, caller).route()),
          path("whoami", admin::whoami),
          pathPrefix("users", admin::users),
          pathPrefix("permissions", admin::permissions),
          pathPrefix("policies", () -> new PolicyRoutes(broker, json, settings, caller).route()),
          pathPrefix("connections", clients::connections),
          pathPrefix("channels", clients::channels),
          pathPrefix("consumers", clients::consumers),
          pathPrefix("vhosts", () -> pathPrefix(segment(), vhost -> path("connections",
              () -> clients.vhostConnections(vhost)))),
          pathPrefix("vhosts", admin::vhosts));
    }));
    // The WebSocket protocol needs a login but no tag, like AMQP: any user with permissions on the vhost.
    Route ws = path("ws", () -> auth.authenticated(caller ->
        new WebSocketRoutes(broker, json, settings, wsSettings, caller, connections).route()));
    // Outside /api, as Prometheus and Kubernetes expect: health is always open, metrics when
    // weir.metrics.require-auth is off (then it needs a monitoring or administrator user).
    boolean metricsNeedLogin = broker.system().settings().config().getBoolean("weir.metrics.require-auth");
    Route metrics = path("metrics", () -> metricsNeedLogin
        ? auth.authenticated(caller -> {
            caller.requireMonitor();
            return new MetricsRoutes(broker, json, settings).route();
          })
        : new MetricsRoutes(broker, json, settings).route());
    Route health = pathPrefix("health", () -> new HealthRoutes(broker, json, settings).route());
    return withRequestTimeoutResponse(request -> errors.errorResponse(StatusCodes.SERVICE_UNAVAILABLE, "unavailable",
            "request: not answered within weir.http.request-timeout (" + settings.requestTimeout().toSeconds() + " s)"),
        () -> concat(api, ws, metrics, health, new DashboardRoutes().route()).seal(errors.rejectionHandler(), errors.exceptionHandler()));
  }
}
