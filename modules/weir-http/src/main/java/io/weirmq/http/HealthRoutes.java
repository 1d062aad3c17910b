package io.weirmq.http;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.weirmq.node.Broker;
import io.weirmq.node.health.NodeHealth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /health/live} (the process answers HTTP) and {@code GET /health/ready} (the node can
 * serve: {@link NodeHealth}'s checks). Ready answers 200, or 503 naming the failed checks; both
 * carry every check with its result. Neither needs authentication, by design.
 */
final class HealthRoutes extends ApiDirectives {

  HealthRoutes(Broker broker, Json json, HttpSettings settings) {
    super(broker, json, settings);
  }

  Route route() {
    return concat(
        path("live", () -> get(() -> ok(Map.of("status", "alive")))),
        path("ready", () -> get(() -> onSuccess(broker.health().readiness(), report ->
            json(report.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body(report))))));
  }

  private static Map<String, Object> body(NodeHealth.Report report) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", report.ready() ? "ready" : "not_ready");
    body.put("failed", report.failed());
    List<Map<String, Object>> checks = report.checks().stream().map(c -> {
      Map<String, Object> check = new LinkedHashMap<>();
      check.put("name", c.name());
      check.put("ok", c.ok());
      check.put("detail", c.detail());
      return check;
    }).toList();
    body.put("checks", checks);
    return body;
  }
}
