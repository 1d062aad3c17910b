package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.DestinationKind;
import io.weirmq.core.security.Access;
import io.weirmq.node.Broker;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code /api/bindings}: list, create, inspect and delete bindings. A binding between one source
 * and one destination is named by its properties key, as in RabbitMQ's management API.
 */
final class BindingRoutes extends ApiDirectives {

  BindingRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
  }

  Route route() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> ok(topology().bindings().stream()
            .filter(b -> visible(b.vhost())).map(Views::binding).toList()))),
        pathPrefix(segment(), vhost -> concat(
            pathEndOrSingleSlash(() -> get(() ->
                ok(topology().bindings(visibleVhost(vhost)).stream().map(Views::binding).toList()))),
            pathPrefix("e", () -> pathPrefix(segment(), source -> concat(
                pathPrefix("q", () -> pathPrefix(segment(), queue ->
                    between(vhost, source, DestinationKind.QUEUE, queue))),
                pathPrefix("e", () -> pathPrefix(segment(), exchange ->
                    between(vhost, source, DestinationKind.EXCHANGE, exchange)))))))));
  }

  private Route between(String vhost, String sourceInPath, DestinationKind kind, String destinationInPath) {
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> ok(bindings(vhost, sourceInPath, kind, destinationInPath).stream().map(Views::binding).toList())),
            post(() -> create(vhost, sourceInPath, kind, destinationInPath)))),
        path(segment(), props -> concat(
            get(() -> ok(Views.binding(one(vhost, sourceInPath, kind, destinationInPath, props)))),
            delete(() -> onSuccess(broker.unbind(permitted(one(vhost, sourceInPath, kind, destinationInPath, props))),
                version -> noContent())))));
  }

  private Route create(String vhost, String sourceInPath, DestinationKind kind, String destinationInPath) {
    return body(Bodies.BindingBody.class, b -> {
      Binding binding = new Binding(vhost, exchangeName("source", sourceInPath), kind,
          destination(kind, destinationInPath), b.routingKey() == null ? "" : b.routingKey(), b.arguments());
      permitted(binding);
      return onSuccess(broker.bind(binding), version -> complete(HttpResponse.create()
          .withStatus(StatusCodes.CREATED)
          .addHeader(Location.create(location(binding)))));
    });
  }

  /** RabbitMQ's rule for bind and unbind: write on the destination, read on the source. */
  private Binding permitted(Binding b) {
    check(b.vhost(), Access.Kind.WRITE, b.destinationKind() == DestinationKind.QUEUE
        ? Access.Resource.QUEUE : Access.Resource.EXCHANGE, b.destination());
    check(b.vhost(), Access.Kind.READ, Access.Resource.EXCHANGE, b.source());
    return b;
  }

  /** The bindings from the source to the destination; 404 when either does not exist. */
  private List<Binding> bindings(String vhost, String sourceInPath, DestinationKind kind, String destinationInPath) {
    visibleVhost(vhost);
    ExchangeId source = new ExchangeId(vhost, exchangeName("source", sourceInPath));
    String destination = destination(kind, destinationInPath);
    if (topology().exchange(source).isEmpty()) {
      throw BrokerException.notFound("source", "no " + source);
    }
    boolean destinationExists = kind == DestinationKind.QUEUE
        ? topology().queue(new QueueId(vhost, destination)).isPresent()
        : topology().exchange(new ExchangeId(vhost, destination)).isPresent();
    if (!destinationExists) {
      throw BrokerException.notFound("destination", "no " + (kind == DestinationKind.QUEUE
          ? new QueueId(vhost, destination) : new ExchangeId(vhost, destination)));
    }
    return topology().bindingsFrom(source).stream()
        .filter(b -> b.destinationKind() == kind && b.destination().equals(destination))
        .toList();
  }

  private Binding one(String vhost, String sourceInPath, DestinationKind kind, String destinationInPath, String props) {
    return bindings(vhost, sourceInPath, kind, destinationInPath).stream()
        .filter(b -> b.propertiesKey().equals(props))
        .findFirst()
        .orElseThrow(() -> BrokerException.notFound("props", "no binding with properties key '" + props + "'"));
  }

  private static String destination(DestinationKind kind, String inPath) {
    return kind == DestinationKind.QUEUE ? Names.queue("destination", inPath) : exchangeName("destination", inPath);
  }

  /** Where the new binding can be read and deleted, every segment percent-encoded. */
  static String location(Binding b) {
    return "/api/bindings/" + encode(b.vhost()) + "/e/" + encode(exchangeInPath(b.source()))
        + (b.destinationKind() == DestinationKind.QUEUE ? "/q/" : "/e/") + encode(exchangeInPathIfExchange(b))
        + "/" + encode(b.propertiesKey());
  }

  private static String exchangeInPathIfExchange(Binding b) {
    return b.destinationKind() == DestinationKind.EXCHANGE ? exchangeInPath(b.destination()) : b.destination();
  }

  static String encode(String segment) {
    // URLEncoder encodes for forms: a space becomes '+', which in a path must be %20.
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
