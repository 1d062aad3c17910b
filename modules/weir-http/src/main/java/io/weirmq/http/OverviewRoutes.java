package io.weirmq.http;

import akka.cluster.typed.Cluster;
import akka.http.javadsl.server.Route;
import io.weirmq.node.Broker;
import io.weirmq.node.QueueListing;
import io.weirmq.node.metrics.NodeMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/overview}, in the shape of RabbitMQ's: object and queue totals of the whole
 * cluster (every queue is asked for its counts, as {@code GET /api/queues} does), and this node's
 * message counters since it started (the dashboard turns their differences into rates).
 */
final class OverviewRoutes extends ApiDirectives {

  static final String VERSION = versionOf(OverviewRoutes.class);

  OverviewRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
  }

  /**
   * As in RabbitMQ, a monitoring or administrator user sees the whole cluster; a management user
   * sees the totals of the vhosts it has permissions on, and no node-wide figures.
   */
  Route route() {
    return pathEnd(() -> get(() -> {
      List<io.weirmq.core.routing.QueueDefinition> queues = caller.isMonitor() ? topology().queues()
          : topology().queues().stream().filter(q -> visible(q.id().vhost())).toList();
      return onSuccess(broker.listQueues(queues, broker.settings().askTimeout()), listed -> ok(overview(listed)));
    }));
  }

  private Map<String, Object> overview(List<QueueListing> queues) {
    long ready = 0;
    long unacked = 0;
    long consumers = 0;
    int unanswered = 0;
    for (QueueListing q : queues) {
      if (q.answered()) {
        ready += q.counts().ready();
        unacked += q.counts().unacked();
        consumers += q.counts().consumers();
      } else {
        unanswered++;
      }
    }
    NodeMetrics metrics = broker.metrics();
    boolean wholeNode = caller.isMonitor();
    Map<String, Object> objects = new LinkedHashMap<>();
    if (wholeNode) {
      objects.put("connections", metrics.connections());
      objects.put("channels", metrics.channels());
    }
    objects.put("exchanges", topology().exchanges().stream().filter(x -> wholeNode || visible(x.id().vhost())).count());
    objects.put("queues", queues.size());
    objects.put("consumers", consumers);
    Map<String, Object> queueTotals = new LinkedHashMap<>();
    queueTotals.put("messages", ready + unacked);
    queueTotals.put("messages_ready", ready);
    queueTotals.put("messages_unacknowledged", unacked);
    queueTotals.put("queues_unanswered", unanswered);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("weirmq_version", VERSION);
    o.put("node", Cluster.get(broker.system()).selfMember().address().toString());
    o.put("object_totals", objects);
    o.put("queue_totals", queueTotals);
    if (wholeNode) {
      NodeMetrics.MessageTotals m = metrics.messageTotals();
      Map<String, Object> stats = new LinkedHashMap<>();
      stats.put("publish", m.published());
      stats.put("deliver_get", m.delivered());
      stats.put("redeliver", m.redelivered());
      stats.put("ack", m.acked());
      stats.put("dead_lettered", m.deadLettered());
      o.put("message_stats", stats);
      o.put("message_stats_scope", "queues hosted by this node, since it started");
    }
    return o;
  }

  private static String versionOf(Class<?> c) {
    String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
