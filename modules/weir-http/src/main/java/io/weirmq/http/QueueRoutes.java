package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.security.Access;
import io.weirmq.node.Broker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** {@code /api/queues}: list with counts, declare, inspect, purge and delete queues; get is in {@link MessageRoutes}. */
final class QueueRoutes extends ApiDirectives {

  private final MessageRoutes messages;

  QueueRoutes(Broker broker, Json json, HttpSettings settings, MessageRoutes messages, Caller caller) {
    super(broker, json, settings, caller);
    this.messages = messages;
  }

  Route route() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> list(() -> topology().queues().stream()
            .filter(q -> visible(q.id().vhost())).toList()))),
        pathPrefix(segment(), vhost -> concat(
            pathEndOrSingleSlash(() -> get(() -> list(() -> topology().queues(visibleVhost(vhost))))),
            pathPrefix(segment(), name -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> {
                      QueueDefinition q = existing(vhost, name);
                      return onSuccess(broker.counts(q.id()).thenCombine(broker.replication(q.id()),
                          (counts, replication) -> Views.queue(q, counts, topology().policyFor(q.id()), replication)),
                          view -> ok(view));
                    }),
                    put(() -> declare(vhost, name)),
                    delete(() -> delete(vhost, name)))),
                path("contents", () -> delete(() ->
                    onSuccess(broker.purgeQueue(checked(vhost, name, Access.Kind.READ)), purged -> noContent()))),
                path("get", () -> post(() -> messages.get(checked(vhost, name, Access.Kind.READ)))))))));
  }

  /**
   * A listing: every queue with its counts, or, with {@code page}, one page of them in RabbitMQ's
   * paged shape ({@link QueuePages}). Paged and sorted by a property of the queue (name, vhost...),
   * only the page's queues are asked for their counts, so a page costs the same with 10,000 queues
   * as with 10.
   */
  private Route list(java.util.function.Supplier<List<QueueDefinition>> queues) {
    return parameterMap(params -> {
      QueuePages.Request request = QueuePages.Request.from(params);
      if (request == null) {
        return onSuccess(views(queues.get()), this::ok);
      }
      return onSuccess(QueuePages.page(request, queues.get(), this::views), this::ok);
    });
  }

  private static QueueId id(String vhost, String name) {
    return new QueueId(Names.vhost("vhost", vhost), Names.queue("name", name));
  }

  /** The queue's id once the caller's permissions allow the operation on it. */
  private QueueId checked(String vhost, String name, Access.Kind kind) {
    QueueId id = id(vhost, name);
    check(vhost, kind, Access.Resource.QUEUE, id.name());
    return id;
  }

  private QueueDefinition existing(String vhost, String name) {
    QueueId id = new QueueId(visibleVhost(vhost), Names.queue("name", name));
    return topology().queue(id).orElseThrow(() -> BrokerException.notFound("name", "no " + id));
  }

  /**
   * Each queue with its counts, asked of all queues at once ({@link Broker#listQueues}, which
   * {@code /metrics} reads too); a queue deleted meanwhile is left out, one that did not answer fails
   * the request.
   */
  private CompletionStage<List<Map<String, Object>>> views(List<QueueDefinition> queues) {
    return broker.listQueues(queues, broker.settings().askTimeout()).thenApply(listed -> listed.stream().map(q -> {
      if (!q.answered()) {
        throw new CompletionException(ApiErrors.unwrap(q.failure()));
      }
      return Views.queue(q.queue(), q.counts(), topology().policyFor(q.queue().id()));
    }).toList());
  }

  private Route declare(String vhost, String name) {
    return body(Bodies.QueueBody.class, b -> {
      QueueDefinition definition = new QueueDefinition(new QueueId(vhost, name), orDefault(b.durable(), true), false,
          orDefault(b.autoDelete(), false), b.arguments(), null);
      check(vhost, Access.Kind.CONFIGURE, Access.Resource.QUEUE, definition.id().name());
      boolean existed = topology().queue(definition.id()).isPresent();
      return onSuccess(broker.declareQueue(definition),
          ok -> declared(existed));
    });
  }

  private Route delete(String vhost, String name) {
    return flag("if-unused", ifUnused -> flag("if-empty", ifEmpty ->
        onSuccess(broker.deleteQueue(checked(vhost, name, Access.Kind.CONFIGURE), ifUnused, ifEmpty), messages -> noContent())));
  }
}
