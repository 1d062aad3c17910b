package io.weirmq.http;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.routing.QueueDefinition;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Paging, filtering and sorting of {@code GET /api/queues}, with RabbitMQ's query parameters
 * ({@code page}, {@code page_size}, {@code name}, {@code use_regex}, {@code sort},
 * {@code sort_reverse}) and answer ({@code items}, {@code page}, {@code page_count},
 * {@code page_size}, {@code item_count}, {@code filtered_count}, {@code total_count}).
 *
 * <p>Filtering and sorting by a queue's own properties happen on the node's copy of the topology,
 * and only the page's queues are asked for their counts. Sorting by a count ({@code messages},
 * {@code consumers}...) needs every filtered queue's counts first: that is as costly as an unpaged
 * listing, and documented as such.
 */
final class QueuePages {

  static final int MAX_PAGE_SIZE = 500;
  static final int DEFAULT_PAGE_SIZE = 100;

  private static final Map<String, Comparator<QueueDefinition>> BY_PROPERTY = Map.of(
      "name", Comparator.comparing(q -> q.id().name()),
      "vhost", Comparator.comparing(q -> q.id().vhost()),
      "durable", Comparator.comparing(QueueDefinition::durable),
      "auto_delete", Comparator.comparing(QueueDefinition::autoDelete),
      "exclusive", Comparator.comparing(QueueDefinition::exclusive));
  private static final Set<String> BY_COUNT =
      Set.of("messages", "messages_ready", "messages_unacknowledged", "message_bytes_ready", "consumers");

  private QueuePages() {}

  /** The query: null when there is no {@code page} parameter (an unpaged listing). */
  record Request(int page, int pageSize, Pattern name, String sort, boolean reverse) {

    static Request from(Map<String, String> params) {
      if (!params.containsKey("page")) {
        for (String p : List.of("page_size", "name", "use_regex", "sort", "sort_reverse")) {
          if (params.containsKey(p)) {
            throw BrokerException.invalid(p, "only applies to a paged listing: add page=1");
          }
        }
        return null;
      }
      int page = integer(params, "page", 1, 1, Integer.MAX_VALUE);
      int pageSize = integer(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
      boolean regex = bool(params, "use_regex");
      String name = params.get("name");
      Pattern pattern = null;
      if (name != null && !name.isEmpty()) {
        try {
          pattern = regex ? Pattern.compile(name) : Pattern.compile(Pattern.quote(name), Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
          throw BrokerException.invalid("name", "is not a valid regular expression: " + e.getDescription());
        }
      }
      String sort = params.getOrDefault("sort", "name");
      if (!BY_PROPERTY.containsKey(sort) && !BY_COUNT.contains(sort)) {
        throw BrokerException.invalid("sort", "must be one of name, vhost, durable, auto_delete, exclusive, messages,"
            + " messages_ready, messages_unacknowledged, message_bytes_ready, consumers; got \"" + sort + "\"");
      }
      return new Request(page, pageSize, pattern, sort, bool(params, "sort_reverse"));
    }
  }

  /**
   * One page. {@code views} turns queues into their JSON views with counts (asking each queue),
   * in the order given.
   */
  static CompletionStage<Map<String, Object>> page(Request r, List<QueueDefinition> all,
      Function<List<QueueDefinition>, CompletionStage<List<Map<String, Object>>>> views) {
    List<QueueDefinition> filtered = r.name() == null ? all
        : all.stream().filter(q -> r.name().matcher(q.id().name()).find()).toList();
    int pageCount = Math.max(1, (filtered.size() + r.pageSize() - 1) / r.pageSize());
    if (r.page() > pageCount) {
      throw BrokerException.invalid("page", "is beyond the last page (" + pageCount + ")");
    }
    int from = (r.page() - 1) * r.pageSize();
    CompletionStage<List<Map<String, Object>>> items;
    if (BY_PROPERTY.containsKey(r.sort())) {
      Comparator<QueueDefinition> order = BY_PROPERTY.get(r.sort())
          .thenComparing(q -> q.id().vhost()).thenComparing(q -> q.id().name());
      List<QueueDefinition> sorted = filtered.stream().sorted(r.reverse() ? order.reversed() : order).toList();
      items = views.apply(sorted.subList(from, Math.min(filtered.size(), from + r.pageSize())));
    } else {
      Comparator<Map<String, Object>> order = Comparator.<Map<String, Object>>comparingLong(v -> number(v, r.sort()))
          .thenComparing(v -> (String) v.get("vhost")).thenComparing(v -> (String) v.get("name"));
      items = views.apply(filtered).thenApply(v -> v.stream().sorted(r.reverse() ? order.reversed() : order)
          .skip(from).limit(r.pageSize()).toList());
    }
    return items.thenApply(page -> {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("items", page);
      answer.put("page", r.page());
      answer.put("page_count", pageCount);
      answer.put("page_size", r.pageSize());
      answer.put("item_count", page.size());
      answer.put("filtered_count", filtered.size());
      answer.put("total_count", all.size());
      return answer;
    });
  }

  private static long number(Map<String, Object> view, String field) {
    Object v = view.get(field);
    return v instanceof Number n ? n.longValue() : 0;
  }

  /** A query parameter that must be an integer in [min, max]; {@code fallback} when absent. Shared with ConnectionViews. */
  static int integer(Map<String, String> params, String name, int fallback, int min, int max) {
    String v = params.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw BrokerException.invalid(name, "must be an integer from " + min + " to " + max + ", got \"" + v + "\"");
    }
  }

  /** A query parameter that must be true or false; false when absent. Shared with ConnectionViews. */
  static boolean bool(Map<String, String> params, String name) {
    String v = params.get(name);
    if (v == null) {
      return false;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw BrokerException.invalid(name, "must be true or false, got \"" + v + "\"");
    };
  }
}
