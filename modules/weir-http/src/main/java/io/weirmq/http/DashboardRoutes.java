package io.weirmq.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;

/**
 * The admin dashboard: a static page of plain JavaScript over the REST API at {@code /}, its files
 * under {@code /dashboard/}, and the front-end libraries it uses from their WebJars under
 * {@code /webjars/}. Everything comes from the classpath: no build step, no internet.
 */
final class DashboardRoutes extends AllDirectives {

  private static final String FILES = "io/weirmq/http/dashboard";

  Route route() {
    return get(() -> concat(
        pathSingleSlash(() -> getFromResource(FILES + "/index.html", ContentTypes.TEXT_HTML_UTF8)),
        pathPrefix("dashboard", () -> getFromResourceDirectory(FILES)),
        pathPrefix("webjars", () -> getFromResourceDirectory("META-INF/resources/webjars"))));
  }
}
