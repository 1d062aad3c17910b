package io.weirmq.http;

import io.weirmq.core.model.BrokerException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Connections, channels and consumers as RabbitMQ's management API shows them, who may see which,
 * and their listings (sorting, and RabbitMQ's paging: {@code page}, {@code page_size}, {@code name},
 * {@code use_regex}, {@code sort}, {@code sort_reverse}). Plain Java over {@link ConnectionSnapshot}s,
 * whichever node they came from.
 */
final class ConnectionViews {

  /** What {@code protocol} says: not AMQP's framing, though AMQP's model. */
  static final String PROTOCOL = "WeirMQ WebSocket";

  private ConnectionViews() {}

  /**
   * RabbitMQ's rule: a user tagged monitoring or administrator sees every connection, any other user
   * only its own.
   */
  static boolean sees(ConnectionSnapshot c, String user, boolean monitor) {
    return monitor || c.user().equals(user);
  }

  /** RabbitMQ's rule for closing one: an administrator may close any connection, a user its own. */
  static boolean mayClose(ConnectionSnapshot c, String user, boolean administrator) {
    return administrator || c.user().equals(user);
  }

  static Map<String, Object> connection(ConnectionSnapshot c) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", c.name());
    v.put("node", c.node());
    v.put("vhost", c.vhost());
    v.put("user", c.user());
    v.put("peer_host", c.peerHost());
    v.put("peer_port", c.peerPort());
    v.put("host", c.host());
    v.put("port", c.port());
    v.put("connected_at", c.connectedAt());
    v.put("channels", c.channels().size());
    v.put("client_properties", c.clientProperties());
    v.put("state", c.state());
    v.put("ssl", c.ssl());
    v.put("protocol", PROTOCOL);
    v.put("type", "network");
    v.put("recv_oct", c.recvOct());
    v.put("send_oct", c.sendOct());
    v.put("connection_id", c.id());
    return v;
  }

  /** RabbitMQ names a channel after its connection: {@code "<connection name> (<number>)"}. */
  static String channelName(ConnectionSnapshot c, ConnectionSnapshot.Channel ch) {
    return c.name() + " (" + ch.number() + ")";
  }

  static List<Map<String, Object>> channels(List<ConnectionSnapshot> connections) {
    List<Map<String, Object>> all = new ArrayList<>();
    for (ConnectionSnapshot c : connections) {
      for (ConnectionSnapshot.Channel ch : c.channels()) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", channelName(c, ch));
        v.put("number", ch.number());
        v.put("node", c.node());
        v.put("vhost", c.vhost());
        v.put("user", c.user());
        v.put("connection_details", Map.of("name", c.name(), "peer_host", c.peerHost(), "peer_port", c.peerPort()));
        v.put("prefetch_count", ch.prefetchCount());
        v.put("confirm", ch.confirm());
        v.put("consumer_count", ch.consumers().size());
        v.put("state", c.state());
        all.add(v);
      }
    }
    return all;
  }

  /** One consumer and where it is. */
  record ConsumerRow(ConnectionSnapshot connection, ConnectionSnapshot.Channel channel,
      ConnectionSnapshot.Consumer consumer) {}

  static List<ConsumerRow> consumers(List<ConnectionSnapshot> connections, Predicate<ConnectionSnapshot> which) {
    List<ConsumerRow> rows = new ArrayList<>();
    for (ConnectionSnapshot c : connections) {
      if (!which.test(c)) {
        continue;
      }
      for (ConnectionSnapshot.Channel ch : c.channels()) {
        for (ConnectionSnapshot.Consumer consumer : ch.consumers()) {
          rows.add(new ConsumerRow(c, ch, consumer));
        }
      }
    }
    return rows;
  }

  /**
   * RabbitMQ's consumer view. {@code active}: whether the queue delivers to it, false only for a
   * waiting consumer of a single-active-consumer queue; null when that queue did not say in time.
   */
  static Map<String, Object> consumer(ConsumerRow r, boolean singleActive, Boolean active) {
    ConnectionSnapshot c = r.connection();
    Map<String, Object> channel = new LinkedHashMap<>();
    channel.put("name", channelName(c, r.channel()));
    channel.put("number", r.channel().number());
    channel.put("connection_name", c.name());
    channel.put("user", c.user());
    channel.put("peer_host", c.peerHost());
    channel.put("peer_port", c.peerPort());
    channel.put("node", c.node());
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("consumer_tag", r.consumer().consumerTag());
    v.put("queue", Map.of("name", r.consumer().queue(), "vhost", c.vhost()));
    v.put("channel_details", channel);
    v.put("ack_required", r.consumer().ackRequired());
    v.put("prefetch_count", r.consumer().prefetchCount());
    v.put("exclusive", r.consumer().exclusive());
    v.put("arguments", Map.of());
    v.put("active", active);
    v.put("activity_status", !singleActive ? "up" : active == null ? "unknown" : active ? "single_active" : "waiting");
    return v;
  }

  // ------------------------------------------------------------------ listings

  static final int MAX_PAGE_SIZE = 500;
  static final int DEFAULT_PAGE_SIZE = 100;

  /**
   * A listing of views: sorted by {@code sort} (default: the {@code name} field, or {@code defaultSort}),
   * and, with {@code page}, one page of it in RabbitMQ's paged shape, filtered by {@code name}.
   */
  static Object list(Map<String, String> params, List<Map<String, Object>> views, String defaultSort,
      Set<String> sortable) {
    String sort = params.getOrDefault("sort", defaultSort);
    if (!sortable.contains(sort)) {
      throw BrokerException.invalid("sort", "must be one of " + String.join(", ", sortable.stream().sorted().toList())
          + "; got \"" + sort + "\"");
    }
    boolean reverse = QueuePages.bool(params, "sort_reverse");
    Comparator<Map<String, Object>> order = Comparator.comparing(v -> v.get(sort), ConnectionViews::compare);
    order = order.thenComparing(v -> String.valueOf(v.get(defaultSort)));
    if (reverse) {
      order = order.reversed();
    }
    if (!params.containsKey("page")) {
      for (String p : List.of("page_size", "name", "use_regex")) {
        if (params.containsKey(p)) {
          throw BrokerException.invalid(p, "only applies to a paged listing: add page=1");
        }
      }
      return views.stream().sorted(order).toList();
    }
    int page = QueuePages.integer(params, "page", 1, 1, Integer.MAX_VALUE);
    int pageSize = QueuePages.integer(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    Pattern name = namePattern(params.get("name"), QueuePages.bool(params, "use_regex"));
    List<Map<String, Object>> filtered = name == null ? views
        : views.stream().filter(v -> name.matcher(String.valueOf(v.get(defaultSort))).find()).toList();
    int pageCount = Math.max(1, (filtered.size() + pageSize - 1) / pageSize);
    if (page > pageCount) {
      throw BrokerException.invalid("page", "is beyond the last page (" + pageCount + ")");
    }
    List<Map<String, Object>> items = filtered.stream().sorted(order).skip((long) (page - 1) * pageSize)
        .limit(pageSize).toList();
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("items", items);
    answer.put("page", page);
    answer.put("page_count", pageCount);
    answer.put("page_size", pageSize);
    answer.put("item_count", items.size());
    answer.put("filtered_count", filtered.size());
    answer.put("total_count", views.size());
    return answer;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compare(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return Long.compare(x.longValue(), y.longValue());
    }
    if (a instanceof Comparable ca && a.getClass() == b.getClass()) {
      return ca.compareTo(b);
    }
    return String.valueOf(a).compareTo(String.valueOf(b));
  }

  private static Pattern namePattern(String name, boolean regex) {
    if (name == null || name.isEmpty()) {
      return null;
    }
    try {
      return regex ? Pattern.compile(name) : Pattern.compile(Pattern.quote(name), Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw BrokerException.invalid("name", "is not a valid regular expression: " + e.getDescription());
    }
  }
}
