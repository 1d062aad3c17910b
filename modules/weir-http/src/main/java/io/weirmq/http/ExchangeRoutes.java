package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.node.Broker;

/** {@code /api/exchanges}: list, declare, inspect and delete exchanges; publishing is in {@link MessageRoutes}. */
final class ExchangeRoutes extends ApiDirectives {

  private final MessageRoutes messages;

  ExchangeRoutes(Broker broker, Json json, HttpSettings settings, MessageRoutes messages) {
    super(broker, json, settings);
    this.messages = messages;
  }

  Route route() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> ok(topology().exchanges().stream().map(Views::exchange).toList()))),
        pathPrefix(segment(), vhost -> concat(
            pathEndOrSingleSlash(() -> get(() ->
                ok(topology().exchanges(existingVhost(vhost)).stream().map(Views::exchange).toList()))),
            pathPrefix(segment(), name -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> ok(Views.exchange(existing(vhost, name)))),
                    put(() -> declare(vhost, name)),
                    delete(() -> delete(vhost, name)))),
                path("publish", () -> post(() -> messages.publish(vhost, exchangeName("name", name)))),
                path("publish-batch", () -> post(() -> messages.publishBatch(vhost, exchangeName("name", name)))))))));
  }

  private ExchangeDefinition existing(String vhost, String name) {
    ExchangeId id = new ExchangeId(existingVhost(vhost), exchangeName("name", name));
    return topology().exchange(id).orElseThrow(() -> BrokerException.notFound("name", "no " + id));
  }

  private Route declare(String vhost, String name) {
    return body(Bodies.ExchangeBody.class, b -> {
      ExchangeDefinition definition = new ExchangeDefinition(new ExchangeId(vhost, exchangeName("name", name)),
          ExchangeType.parse("type", b.type()), orDefault(b.durable(), true), orDefault(b.autoDelete(), false),
          orDefault(b.internal(), false), b.arguments());
      // RabbitMQ answers 201 for a new exchange and 204 for an equivalent redeclaration.
      boolean existed = topology().exchange(definition.id()).isPresent();
      return onSuccess(broker.declareExchange(definition),
          version -> declared(existed));
    });
  }

  private Route delete(String vhost, String name) {
    return flag("if-unused", ifUnused -> {
      ExchangeId id = new ExchangeId(vhost, exchangeName("name", name));
      return onSuccess(broker.deleteExchange(id, ifUnused), version -> noContent());
    });
  }
}
