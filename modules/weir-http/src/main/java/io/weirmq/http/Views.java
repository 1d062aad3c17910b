package io.weirmq.http;

import io.weirmq.core.policy.Policy;
import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.DestinationKind;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.QueueDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON the API answers with, field for field as RabbitMQ's management API names it. */
final class Views {

  private Views() {}

  static Map<String, Object> exchange(ExchangeDefinition x) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", x.id().name());
    v.put("vhost", x.id().vhost());
    v.put("type", x.type().wireName());
    v.put("durable", x.durable());
    v.put("auto_delete", x.autoDelete());
    v.put("internal", x.internal());
    v.put("arguments", x.arguments());
    return v;
  }

  /** A queue's definition as RabbitMQ shows it (its definitions export leaves out {@code exclusive}). */
  static Map<String, Object> queue(QueueDefinition q) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", q.id().name());
    v.put("vhost", q.id().vhost());
    v.put("durable", q.durable());
    v.put("auto_delete", q.autoDelete());
    v.put("exclusive", q.exclusive());
    v.put("arguments", q.arguments());
    return v;
  }

  /** A queue with its counts and, as RabbitMQ shows them, its policy's name (or null) and definition. */
  static Map<String, Object> queue(QueueDefinition q, QueueCounts c, Policy policy) {
    Map<String, Object> v = queue(q);
    v.put("policy", policy == null ? null : policy.name());
    v.put("effective_policy_definition", policy == null ? Map.of() : policy.definition());
    v.put("messages", c.total());
    v.put("messages_ready", c.ready());
    v.put("messages_unacknowledged", c.unacked());
    v.put("message_bytes_ready", c.readyBytes());
    v.put("consumers", c.consumers());
    return v;
  }

  /**
   * One queue with where it lives, as RabbitMQ's queue view names it: {@code node} the leader,
   * {@code members} the leader and its mirrors, {@code mirrors} the mirrors' nodes, and per mirror
   * the sequence number it acknowledged, its lag behind the leader (events) and whether confirms
   * count on it ({@code in_sync}).
   */
  static Map<String, Object> queue(QueueDefinition q, QueueCounts c, Policy policy,
      io.weirmq.node.queue.QueueEntity.Replication r) {
    Map<String, Object> v = queue(q, c, policy);
    v.put("node", r.leader());
    List<String> mirrors = r.mirrors().stream().map(io.weirmq.node.queue.QueueEntity.MirrorInfo::node).toList();
    List<String> members = new java.util.ArrayList<>();
    members.add(r.leader());
    members.addAll(mirrors);
    v.put("members", members);
    v.put("mirrors", mirrors);
    v.put("synchronised_mirror_nodes", r.mirrors().stream().filter(io.weirmq.node.queue.QueueEntity.MirrorInfo::inSync)
        .map(io.weirmq.node.queue.QueueEntity.MirrorInfo::node).toList());
    v.put("leader_seq", r.seqNr());
    // How the leader's current incarnation recovered: from a mirror's state it adopted (failover
    // without replaying the backlog) plus the events it replayed after it.
    v.put("recovered_from_mirror", r.adoptedMirror());
    v.put("replayed_events", r.replayedEvents());
    v.put("mirror_details", r.mirrors().stream().map(m -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("node", m.node());
      d.put("seq", m.seqNr());
      d.put("lag", m.lag());
      d.put("in_sync", m.inSync());
      return d;
    }).toList());
    return v;
  }

  static Map<String, Object> binding(Binding b) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("source", b.source());
    v.put("vhost", b.vhost());
    v.put("destination", b.destination());
    v.put("destination_type", b.destinationKind() == DestinationKind.QUEUE ? "queue" : "exchange");
    v.put("routing_key", b.routingKey());
    v.put("arguments", b.arguments());
    v.put("properties_key", b.propertiesKey());
    return v;
  }

  /** A user without its hash: RabbitMQ shows password_hash, this API never does. */
  static Map<String, Object> user(io.weirmq.core.security.User u) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", u.name());
    v.put("tags", u.tags());
    v.put("hashing_algorithm", u.password().algorithm());
    v.put("limits", Map.of());
    return v;
  }

  /** A policy as RabbitMQ's management API shows it. */
  static Map<String, Object> policy(Policy p) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("vhost", p.vhost());
    v.put("name", p.name());
    v.put("pattern", p.pattern());
    v.put("apply-to", p.applyTo().wireName());
    v.put("definition", p.definition());
    v.put("priority", p.priority());
    return v;
  }

  static Map<String, Object> permission(io.weirmq.core.security.Permission p) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("user", p.user());
    v.put("vhost", p.vhost());
    v.put("configure", p.configure());
    v.put("write", p.write());
    v.put("read", p.read());
    return v;
  }

  static Map<String, Object> vhost(String name) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", name);
    v.put("description", "");
    v.put("tags", List.of());
    v.put("tracing", false);
    return v;
  }
}
