package io.weirmq.core.routing;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.FieldValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Headers-exchange matching of one binding's arguments against a message's headers, with
 * RabbitMQ's semantics.
 *
 * <p>{@code x-match} is {@code all} (the default), {@code any}, {@code all-with-x} or
 * {@code any-with-x}. The plain variants ignore arguments whose key starts with {@code x-}; the
 * {@code -with-x} variants compare them too ({@code x-match} itself never). An argument without a
 * value (null, AMQP's void) matches when the header is present, whatever its value; other values
 * match by {@link FieldValues#valueEquals}. {@code all} with nothing to compare matches every
 * message; {@code any} with nothing to compare matches none.
 *
 * @param any true for any / any-with-x
 * @param keys the argument keys that take part, in binding order
 * @param values their values, null meaning "present"
 */
public record HeadersMatcher(boolean any, List<String> keys, List<Object> values) {

  public static final String X_MATCH = "x-match";

  /** The x-match modes, with their wire names. */
  public enum Mode {
    ALL("all", false, false),
    ANY("any", true, false),
    ALL_WITH_X("all-with-x", false, true),
    ANY_WITH_X("any-with-x", true, true);

    private final String wireName;
    private final boolean any;
    private final boolean withX;

    Mode(String wireName, boolean any, boolean withX) {
      this.wireName = wireName;
      this.any = any;
      this.withX = withX;
    }

    public String wireName() {
      return wireName;
    }
  }

  public HeadersMatcher {
    keys = List.copyOf(keys);
    values = java.util.Collections.unmodifiableList(new ArrayList<>(values));
  }

  /**
   * Reads the x-match mode of binding arguments (default all).
   *
   * @throws BrokerException INVALID_ARGUMENT on field {@code arguments.x-match}
   */
  public static Mode mode(Map<String, Object> bindingArguments) {
    Object v = bindingArguments.get(X_MATCH);
    if (v == null) {
      return Mode.ALL;
    }
    for (Mode m : Mode.values()) {
      if (m.wireName.equals(v)) {
        return m;
      }
    }
    throw BrokerException.invalid("arguments." + X_MATCH,
        "must be one of all, any, all-with-x, any-with-x, got " + (v instanceof String s ? "\"" + s + "\"" : String.valueOf(v)));
  }

  /** Compiles binding arguments (normalized) into a matcher; validates x-match. */
  public static HeadersMatcher compile(Map<String, Object> bindingArguments) {
    Mode mode = mode(bindingArguments);
    List<String> keys = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (Map.Entry<String, Object> e : bindingArguments.entrySet()) {
      String k = e.getKey();
      if (k.equals(X_MATCH) || (!mode.withX && k.startsWith("x-"))) {
        continue;
      }
      keys.add(k);
      values.add(e.getValue());
    }
    return new HeadersMatcher(mode.any, keys, values);
  }

  /** Whether a message with these headers (normalized; null for none) matches. */
  public boolean matches(Map<String, Object> headers) {
    if (headers == null) {
      headers = Map.of();
    }
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      Object expected = values.get(i);
      boolean ok;
      if (expected == null) {
        ok = headers.containsKey(k);
      } else {
        Object actual = headers.get(k);
        ok = actual != null && FieldValues.valueEquals(expected, actual);
      }
      if (any && ok) {
        return true;
      }
      if (!any && !ok) {
        return false;
      }
    }
    return !any;
  }
}
