package io.weirmq.http;

import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import io.weirmq.node.Broker;
import io.weirmq.node.queue.MirrorHost;
import io.weirmq.node.queue.QueueRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/nodes} and {@code GET /api/nodes/{name}}, in the shape of RabbitMQ's where it maps:
 * every cluster member with what its JVM can honestly report (uptime, heap, processors) and ours:
 * how many queues it leads and mirrors (the single node's view lists them). A member that does not
 * answer in time shows {@code running: false} and an {@code error}, never a 500. Monitoring or
 * administrator users only, as in RabbitMQ.
 */
final class NodeRoutes extends ApiDirectives {

  NodeRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
  }

  Route route() {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> {
          caller.requireMonitor();
          return onSuccess(broker.nodes(), nodes -> ok(nodes.stream().map(n -> view(n, false)).toList()));
        })),
        path(PathMatchers.segment(), name -> pathEndOrSingleSlash(() -> get(() -> {
          caller.requireMonitor();
          return onSuccess(broker.nodes(), nodes -> ok(view(nodes.stream().filter(n -> matches(n.name(), name))
              .findFirst().orElseThrow(() -> BrokerException.notFound("name", "no cluster member named '" + name
                  + "' (a name as GET /api/nodes lists it, such as akka://weir@127.0.0.1:25520, URL-encoded)")),
              true)));
        }))));
  }

  /** The full address, or the part after {@code akka://}, which needs no encoding of its slashes. */
  private static boolean matches(String node, String asked) {
    return node.equals(asked) || node.equals("akka://" + asked);
  }

  private static Map<String, Object> view(Broker.NodeInfo n, boolean lists) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", n.name());
    v.put("running", n.description() != null);
    v.put("status", n.status().toLowerCase(java.util.Locale.ROOT));
    v.put("reachable", n.reachable());
    MirrorHost.NodeDescription d = n.description();
    if (d != null) {
      v.put("uptime", d.uptimeMillis());
      v.put("heap_used", d.heapUsed());
      v.put("heap_max", d.heapMax());
      v.put("processors", d.processors());
    }
    if (n.error() != null) {
      v.put("error", n.error());
    }
    v.put("queues_led", n.queuesLed() == null ? null : n.queuesLed().size());
    v.put("queues_mirrored", d == null ? null : d.mirrors().size());
    if (lists) {
      v.put("leads", n.queuesLed() == null ? null : n.queuesLed().stream().map(NodeRoutes::queue).toList());
      v.put("mirrors", d == null ? null : d.mirrors().stream().map(m -> {
        Map<String, Object> q = queue(QueueRef.fromEntityId(m.entityId()).id());
        q.put("seq", m.seqNr());
        q.put("catching_up", m.catchingUp());
        q.put("messages", m.counts().total());
        return q;
      }).toList());
    }
    return v;
  }

  private static Map<String, Object> queue(QueueId id) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("vhost", id.vhost());
    q.put("name", id.name());
    return q;
  }
}
