package io.weirmq.http;

import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Authorization;
import akka.http.javadsl.model.headers.BasicHttpCredentials;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import io.weirmq.node.security.Authenticator;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * HTTP Basic authentication for the API and the WebSocket upgrade. No or wrong credentials get 401
 * with {@code WWW-Authenticate: Basic realm="WeirMQ"} (after the login throttle's delay); the
 * client's address is the TCP peer's, never a header a client could forge, so that loopback-only
 * users stay loopback-only behind no proxy.
 */
final class BasicAuth extends AllDirectives {

  static final String REALM = "WeirMQ";

  private final Authenticator authenticator;
  private final Json json;

  BasicAuth(Authenticator authenticator, Json json) {
    this.authenticator = authenticator;
    this.json = json;
  }

  Route authenticated(Function<Caller, Route> inner) {
    return extractRequest(request -> {
      Optional<BasicHttpCredentials> credentials = request.getHeader(Authorization.class)
          .map(Authorization::credentials)
          .filter(c -> c instanceof BasicHttpCredentials)
          .map(c -> (BasicHttpCredentials) c);
      // A script (the dashboard) asking with X-Requested-With shows its own login form: without
      // the challenge header, the browser does not open its login dialog over it.
      boolean challenge = request.getHeader("X-Requested-With").isEmpty();
      if (credentials.isEmpty()) {
        return complete(unauthorized("no credentials: this API needs HTTP Basic authentication", challenge));
      }
      BasicHttpCredentials c = credentials.get();
      return onSuccess(authenticator.authenticate(c.username(), c.password(), peer(request)), user -> user
          .map(u -> inner.apply(new Caller(u)))
          .orElseGet(() -> complete(unauthorized("Login failed", challenge))));
    });
  }

  /** The TCP peer (akka.http.server.remote-address-attribute is on in this module's reference.conf). */
  static InetAddress peer(HttpRequest request) {
    return request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress)
        .orElse(null);
  }

  HttpResponse unauthorized(String reason) {
    return unauthorized(reason, true);
  }

  HttpResponse unauthorized(String reason, boolean challenge) {
    HttpResponse r = json.response(StatusCodes.UNAUTHORIZED, Map.of("error", "not_authorized", "reason", reason));
    return challenge ? r.addHeader(WWWAuthenticate.create(HttpChallenge.createBasic(REALM))) : r;
  }
}
