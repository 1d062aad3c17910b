package io.weirmq.http;

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
  }

  public Route route() {
    MessageRoutes messages = new MessageRoutes(broker, json, settings);
    Route api = pathPrefix("api", () -> concat(
        pathPrefix("exchanges", () -> new ExchangeRoutes(broker, json, settings, messages).route()),
        pathPrefix("queues", () -> new QueueRoutes(broker, json, settings, messages).route()),
        pathPrefix("bindings", () -> new BindingRoutes(broker, json, settings).route()),
        pathPrefix("overview", () -> new OverviewRoutes(broker, json, settings).route()),
        pathPrefix("definitions", () -> new DefinitionsRoutes(broker, json, settings).route())));
    Route ws = path("ws", () -> new WebSocketRoutes(broker, json, settings,
        WebSocketSettings.from(broker.system().settings().config()), connections).route());
    // Outside /api, as Prometheus and Kubernetes expect; when the API gets authentication, these
    // stay open (health) or are wrapped as configured (metrics).
    Route metrics = path("metrics", () -> new MetricsRoutes(broker, json, settings).route());
    Route health = pathPrefix("health", () -> new HealthRoutes(broker, json, settings).route());
    return withRequestTimeoutResponse(request -> errors.errorResponse(StatusCodes.SERVICE_UNAVAILABLE, "unavailable",
            "request: not answered within weir.http.request-timeout (" + settings.requestTimeout().toSeconds() + " s)"),
        () -> concat(api, ws, metrics, health, new DashboardRoutes().route()).seal(errors.rejectionHandler(), errors.exceptionHandler()));
  }
}
