package io.weirmq.core.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Normal forms for AMQP field-table values (arguments and headers).
 *
 * <p>Values arrive from JSON, CBOR and client code with varying Java types for the same number
 * ({@code 1}, {@code 1L}); after {@link #normalize} every integer is a {@link Long}, every decimal a
 * {@link Double}, lists and tables are unmodifiable, so equality, matching and serialization
 * round-trips agree.
 */
public final class FieldValues {

  private FieldValues() {}

  /** Normalizes a table; null becomes the empty table. Keys keep their order. */
  public static Map<String, Object> normalizeTable(String field, Map<String, ?> table) {
    if (table == null || table.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : table.entrySet()) {
      if (e.getKey() == null) {
        throw BrokerException.invalid(field, "keys must not be null");
      }
      out.put(e.getKey(), normalize(field + "." + e.getKey(), e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /** Normalizes one value; throws naming {@code field} if it is of a type tables cannot hold. */
  public static Object normalize(String field, Object value) {
    if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
        || value instanceof Double || value instanceof byte[]) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof BigInteger b) {
      if (b.bitLength() > 63) {
        throw BrokerException.invalid(field, "integer out of the 64-bit range: " + b);
      }
      return b.longValue();
    }
    if (value instanceof BigDecimal d) {
      return d.doubleValue();
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        out.add(normalize(field + "[" + i + "]", list.get(i)));
      }
      return Collections.unmodifiableList(out);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw BrokerException.invalid(field, "table keys must be strings");
        }
        out.put(key, normalize(field + "." + key, e.getValue()));
      }
      return Collections.unmodifiableMap(out);
    }
    throw BrokerException.invalid(field, "unsupported value type " + value.getClass().getSimpleName());
  }

  /** Reads an optional non-negative integer argument. */
  public static Long optionalLong(Map<String, Object> table, String key, String field, long min, long max) {
    Object v = table.get(key);
    if (v == null) {
      return null;
    }
    long n;
    if (v instanceof Long l) {
      n = l;
    } else if (v instanceof Integer i) {
      n = i;
    } else if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      n = d.longValue();
    } else {
      throw BrokerException.invalid(field, "must be an integer, got " + describe(v));
    }
    if (n < min || n > max) {
      throw BrokerException.invalid(field, "must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  /** Reads an optional string argument. */
  public static String optionalString(Map<String, Object> table, String key, String field) {
    Object v = table.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw BrokerException.invalid(field, "must be a string, got " + describe(v));
    }
    return s;
  }

  /** Reads an optional boolean argument. */
  public static Boolean optionalBoolean(Map<String, Object> table, String key, String field) {
    Object v = table.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw BrokerException.invalid(field, "must be a boolean, got " + describe(v));
    }
    return b;
  }

  /** Equality of normalized values, treating numbers by value and byte arrays by content. */
  public static boolean valueEquals(Object a, Object b) {
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return java.util.Arrays.equals(x, y);
    }
    if (a instanceof Number x && b instanceof Number y) {
      if ((x instanceof Long || x instanceof Integer) && (y instanceof Long || y instanceof Integer)) {
        return x.longValue() == y.longValue();
      }
      return x.doubleValue() == y.doubleValue();
    }
    return java.util.Objects.equals(a, b);
  }

  static String describe(Object v) {
    if (v instanceof String s) {
      return "the string \"" + s + "\"";
    }
    return v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " " + v;
  }
}
