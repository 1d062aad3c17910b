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
    // Paths first, methods inside: a get() that matched would cancel the API's method rejections,
    // turning a wrong method on an API path (405) into a 404.
    return concat(
        pathSingleSlash(() -> get(() -> getFromResource(FILES + "/index.html", ContentTypes.TEXT_HTML_UTF8))),
        pathPrefix("dashboard", () -> get(() -> getFromResourceDirectory(FILES))),
        pathPrefix("webjars", () -> get(() -> getFromResourceDirectory("META-INF/resources/webjars"))));
  }
}
