package io.weirmq.core.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Strict structural equality, hashing and fingerprints of normalized field tables.
 *
 * <p>Strict means type-aware (1L differs from 1.0, as in RabbitMQ's table comparison) and byte
 * arrays by content, which {@link Object#equals} would get wrong.
 */
final class Tables {

  private Tables() {}

  static boolean deepEquals(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.equals(x, y);
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!y.containsKey(e.getKey()) || !deepEquals(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        if (!deepEquals(i.next(), j.next())) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  static int deepHash(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof byte[] x) {
      return Arrays.hashCode(x);
    }
    if (v instanceof Map<?, ?> m) {
      int h = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        h += Objects.hashCode(e.getKey()) ^ deepHash(e.getValue());
      }
      return h;
    }
    if (v instanceof List<?> l) {
      int h = 1;
      for (Object o : l) {
        h = 31 * h + deepHash(o);
      }
      return h;
    }
    return v.hashCode();
  }

  /** The first key whose value differs between two tables (in either direction), or null. */
  static String firstDifference(Map<String, Object> a, Map<String, Object> b) {
    for (String k : new java.util.TreeSet<>(a.keySet())) {
      if (!b.containsKey(k) || !deepEquals(a.get(k), b.get(k))) {
        return k;
      }
    }
    for (String k : new java.util.TreeSet<>(b.keySet())) {
      if (!a.containsKey(k)) {
        return k;
      }
    }
    return null;
  }

  /** Renders a value for error messages, like RabbitMQ does in its equivalence errors. */
  /**
   * Refuses a redeclaration whose property differs from the existing declaration, naming the
   * property as RabbitMQ's PRECONDITION_FAILED does.
   */
  static void requireSame(Object subject, String field, Object existing, Object redeclared) {
    if (!Objects.equals(existing, redeclared)) {
      throw io.weirmq.core.model.BrokerException.precondition(field,
          subject + " exists with " + field + "=" + existing + "; redeclared with " + field + "=" + redeclared);
    }
  }

  /** The same for declaration arguments, naming the first argument that differs. */
  static void requireSameArguments(Object subject, Map<String, Object> existing, Map<String, Object> redeclared) {
    String key = firstDifference(existing, redeclared);
    if (key != null) {
      throw io.weirmq.core.model.BrokerException.precondition("arguments." + key, subject + " exists with " + key
          + "=" + show(existing.get(key)) + "; redeclared with " + key + "=" + show(redeclared.get(key)));
    }
  }

  static String show(Object v) {
    if (v == null) {
      return "none";
    }
    if (v instanceof String s) {
      return "'" + s + "'";
    }
    if (v instanceof byte[] b) {
      return "<<" + b.length + " bytes>>";
    }
    return String.valueOf(v);
  }

  /**
   * A short fingerprint of a table, stable across JVMs and key order: 8 URL-safe base64 characters
   * of the SHA-256 of a canonical, type-tagged encoding.
   */
  static String fingerprint(Map<String, Object> table) {
    StringBuilder sb = new StringBuilder();
    canonical(table, sb);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 6));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void canonical(Object v, StringBuilder sb) {
    if (v == null) {
      sb.append('V');
    } else if (v instanceof String s) {
      sb.append('S').append(s.length()).append(':').append(s);
    } else if (v instanceof Long l) {
      sb.append('L').append(l).append(';');
    } else if (v instanceof Double d) {
      sb.append('D').append(Double.doubleToLongBits(d)).append(';');
    } else if (v instanceof Boolean b) {
      sb.append(b ? 'T' : 'F');
    } else if (v instanceof byte[] b) {
      sb.append('B').append(Base64.getEncoder().encodeToString(b)).append(';');
    } else if (v instanceof List<?> list) {
      sb.append('[').append(list.size()).append(':');
      for (Object o : list) {
        canonical(o, sb);
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sorted.put((String) e.getKey(), e.getValue());
      }
      sb.append('{').append(sorted.size()).append(':');
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        canonical(e.getKey(), sb);
        canonical(e.getValue(), sb);
      }
      sb.append('}');
    } else {
      sb.append('?').append(v).append(';');
    }
  }

  static <T> List<T> listOf(Iterable<T> items) {
    List<T> out = new ArrayList<>();
    items.forEach(out::add);
    return List.copyOf(out);
  }
}
