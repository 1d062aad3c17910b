package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.security.Access;
import io.weirmq.node.Broker;

/** {@code /api/exchanges}: list, declare, inspect and delete exchanges; publishing is in {@link MessageRoutes}. */
final class ExchangeRoutes extends ApiDirectives {

  private final MessageRoutes messages;

  ExchangeRoutes(Broker broker, Json json, HttpSettings settings, MessageRoutes messages, Caller caller) {
    super(broker, json, settings, caller);
    this.messages = messages;
  }

  Route route() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> ok(topology().exchanges().stream()
            .filter(x -> visible(x.id().vhost())).map(Views::exchange).toList()))),
        pathPrefix(segment(), vhost -> concat(
            pathEndOrSingleSlash(() -> get(() ->
                ok(topology().exchanges(visibleVhost(vhost)).stream().map(Views::exchange).toList()))),
            pathPrefix(segment(), name -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> ok(Views.exchange(existing(vhost, name)))),
                    put(() -> declare(vhost, name)),
                    delete(() -> delete(vhost, name)))),
                path("publish", () -> post(() -> messages.publish(vhost, writable(vhost, name)))),
                path("publish-batch", () -> post(() -> messages.publishBatch(vhost, writable(vhost, name)))))))));
  }

  /** Publishing needs write permission on the exchange. */
  private String writable(String vhost, String nameInPath) {
    String name = exchangeName("name", nameInPath);
    check(vhost, Access.Kind.WRITE, Access.Resource.EXCHANGE, name);
    return name;
  }

  private ExchangeDefinition existing(String vhost, String name) {
    ExchangeId id = new ExchangeId(visibleVhost(vhost), exchangeName("name", name));
    return topology().exchange(id).orElseThrow(() -> BrokerException.notFound("name", "no " + id));
  }

  private Route declare(String vhost, String name) {
    return body(Bodies.ExchangeBody.class, b -> {
      ExchangeDefinition definition = new ExchangeDefinition(new ExchangeId(vhost, exchangeName("name", name)),
          ExchangeType.parse("type", b.type()), orDefault(b.durable(), true), orDefault(b.autoDelete(), false),
          orDefault(b.internal(), false), b.arguments());
      check(vhost, Access.Kind.CONFIGURE, Access.Resource.EXCHANGE, definition.id().name());
      // RabbitMQ answers 201 for a new exchange and 204 for an equivalent redeclaration.
      boolean existed = topology().exchange(definition.id()).isPresent();
      return onSuccess(broker.declareExchange(definition),
          version -> declared(existed));
    });
  }

  private Route delete(String vhost, String name) {
    return flag("if-unused", ifUnused -> {
      ExchangeId id = new ExchangeId(vhost, exchangeName("name", name));
      check(vhost, Access.Kind.CONFIGURE, Access.Resource.EXCHANGE, id.name());
      return onSuccess(broker.deleteExchange(id, ifUnused), version -> noContent());
    });
  }
}
