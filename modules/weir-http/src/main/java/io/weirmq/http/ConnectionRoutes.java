package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.node.Broker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * {@code /api/connections}, {@code /api/vhosts/{vhost}/connections}, {@code /api/channels} and
 * {@code /api/consumers}, for the whole cluster: every node's {@link ConnectionDirectory} is asked, and
 * a node that does not answer in time is named in the {@value #UNANSWERED} header. RabbitMQ's rules:
 * monitoring and administrator users see every connection, other users their own; a user may close its
 * own connections, an administrator any.
 */
final class ConnectionRoutes extends ApiDirectives {

  /** Names the nodes whose directory did not answer within weir.http.cluster-listing-timeout. */
  static final String UNANSWERED = "x-weir-unanswered-nodes";
  /** RabbitMQ's header for the reason of a close, and its default reason. */
  static final String REASON_HEADER = "X-Reason";
  static final String DEFAULT_REASON = "Closed via management plugin";

  private static final Set<String> CONNECTION_SORTS = Set.of("name", "node", "vhost", "user", "peer_host",
      "peer_port", "connected_at", "channels", "state", "recv_oct", "send_oct");
  private static final Set<String> CHANNEL_SORTS = Set.of("name", "node", "vhost", "user", "number",
      "prefetch_count", "consumer_count");
  private static final Set<String> CONSUMER_SORTS = Set.of("consumer_tag", "prefetch_count", "ack_required",
      "exclusive", "active");

  private final ConnectionDirectory directory;

  ConnectionRoutes(Broker broker, Json json, HttpSettings settings, Caller caller, ConnectionDirectory directory) {
    super(broker, json, settings, caller);
    this.directory = directory;
  }

  Route connections() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> listConnections(c -> true))),
        pathPrefix(segment(), name -> pathEndOrSingleSlash(() -> concat(
            get(() -> onSuccess(directory.list(), gathered -> {
              ConnectionSnapshot c = visibleConnection(gathered, name);
              return answer(ConnectionViews.connection(c), gathered.unanswered());
            })),
            delete(() -> optionalHeaderValueByName(REASON_HEADER, reason -> onSuccess(directory.list(), gathered -> {
              ConnectionSnapshot c = visibleConnection(gathered, name);
              if (!ConnectionViews.mayClose(c, caller.name(), caller.isAdministrator())) {
                throw BrokerException.refused(null, "user '" + caller.name() + "' may not close connection '" + name
                    + "' of user '" + c.user() + "': closing another user's connection needs the administrator tag");
              }
              return onSuccess(directory.close(name, reason.filter(r -> !r.isBlank()).orElse(DEFAULT_REASON)),
                  closed -> {
                    if (closed.answers().stream().mapToInt(ConnectionDirectory.Closed::closed).sum() == 0) {
                      throw BrokerException.notFound("connection", "no connection '" + name + "' (it closed meanwhile,"
                          + " or its node did not answer)");
                    }
                    return complete(HttpResponse.create().withStatus(StatusCodes.NO_CONTENT));
                  });
            })))))));
  }

  /** {@code GET /api/vhosts/{vhost}/connections}. */
  Route vhostConnections(String vhost) {
    return get(() -> {
      visibleVhost(vhost);
      return listConnections(c -> c.vhost().equals(vhost));
    });
  }

  Route channels() {
    return pathEndOrSingleSlash(() -> get(() -> parameterMap(params -> onSuccess(directory.list(), gathered -> {
      List<ConnectionSnapshot> seen = visible(gathered, c -> true);
      return answer(ConnectionViews.list(params, ConnectionViews.channels(seen), "name", CHANNEL_SORTS),
          gathered.unanswered());
    }))));
  }

  Route consumers() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> listConsumers(c -> true))),
        path(segment(), vhost -> get(() -> {
          visibleVhost(vhost);
          return listConsumers(c -> c.vhost().equals(vhost));
        })));
  }

  private Route listConnections(Predicate<ConnectionSnapshot> which) {
    return parameterMap(params -> onSuccess(directory.list(), gathered -> {
      List<Map<String, Object>> views = visible(gathered, which).stream().map(ConnectionViews::connection).toList();
      return answer(ConnectionViews.list(params, views, "name", CONNECTION_SORTS), gathered.unanswered());
    }));
  }

  private Route listConsumers(Predicate<ConnectionSnapshot> which) {
    return parameterMap(params -> onSuccess(directory.list(), gathered -> {
      List<ConnectionViews.ConsumerRow> rows = ConnectionViews.consumers(visible(gathered, which), c -> true);
      return onSuccess(activeConsumers(rows), active -> {
        List<Map<String, Object>> views = new ArrayList<>(rows.size());
        for (ConnectionViews.ConsumerRow r : rows) {
          QueueId q = new QueueId(r.connection().vhost(), r.consumer().queue());
          boolean single = active.containsKey(q);
          Boolean isActive = !single ? Boolean.TRUE
              : active.get(q).map(tag -> tag.equals(r.consumer().consumerTag())).orElse(null);
          views.add(ConnectionViews.consumer(r, single, isActive));
        }
        return answer(ConnectionViews.list(params, views, "consumer_tag", CONSUMER_SORTS), gathered.unanswered());
      });
    }));
  }

  /**
   * For each single-active-consumer queue among the rows, its active consumer's tag (empty when the
   * queue did not answer): only the queue knows which of its consumers it delivers to.
   */
  private CompletionStage<Map<QueueId, Optional<String>>> activeConsumers(List<ConnectionViews.ConsumerRow> rows) {
    Map<QueueId, CompletableFuture<Optional<String>>> asked = new LinkedHashMap<>();
    var topology = topology();
    for (ConnectionViews.ConsumerRow r : rows) {
      QueueId q = new QueueId(r.connection().vhost(), r.consumer().queue());
      if (asked.containsKey(q)) {
        continue;
      }
      Optional<QueueDefinition> def = topology.queue(q);
      if (def.isPresent() && def.get().settings().singleActiveConsumer()) {
        asked.put(q, broker.counts(q).toCompletableFuture()
            .thenApply(counts -> Optional.ofNullable(((QueueCounts) counts).activeConsumer()))
            .exceptionally(failure -> Optional.empty()));
      }
    }
    return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<QueueId, Optional<String>> active = new HashMap<>();
      asked.forEach((q, f) -> active.put(q, f.join()));
      return active;
    });
  }

  private List<ConnectionSnapshot> visible(ConnectionDirectory.Gathered<ConnectionDirectory.Listing> gathered,
      Predicate<ConnectionSnapshot> which) {
    List<ConnectionSnapshot> seen = new ArrayList<>();
    for (ConnectionDirectory.Listing l : gathered.answers()) {
      for (ConnectionSnapshot c : l.connections()) {
        if (which.test(c) && ConnectionViews.sees(c, caller.name(), caller.isMonitor())) {
          seen.add(c);
        }
      }
    }
    return seen;
  }

  /** The named connection: 404 when no node has it, 403 when the caller may not see it. */
  private ConnectionSnapshot visibleConnection(ConnectionDirectory.Gathered<ConnectionDirectory.Listing> gathered,
      String name) {
    for (ConnectionDirectory.Listing l : gathered.answers()) {
      for (ConnectionSnapshot c : l.connections()) {
        if (c.name().equals(name)) {
          if (!ConnectionViews.sees(c, caller.name(), caller.isMonitor())) {
            throw BrokerException.refused(null, "user '" + caller.name() + "' may not see connection '" + name
                + "' of another user: that needs the monitoring or administrator tag");
          }
          return c;
        }
      }
    }
    String unanswered = gathered.unanswered().isEmpty() ? ""
        : " (nodes that did not answer: " + String.join(", ", gathered.unanswered()) + ")";
    throw BrokerException.notFound("connection", "no connection '" + name + "'" + unanswered);
  }

  private Route answer(Object body, List<String> unanswered) {
    HttpResponse r = json.response(StatusCodes.OK, body);
    return complete(unanswered.isEmpty() ? r : r.addHeader(RawHeader.create(UNANSWERED, String.join(",", unanswered))));
  }
}
