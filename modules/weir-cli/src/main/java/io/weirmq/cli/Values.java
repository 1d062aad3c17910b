package io.weirmq.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Typed values for {@code --arg key=value} and {@code --header key=value}: queue arguments such as
 * {@code x-max-length} must reach the broker as JSON numbers, not strings.
 */
final class Values {

  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");
  private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d+");

  private Values() {}

  /** {@code true}/{@code false} a boolean, digits a number, {@code "..."} a string as written, else a string. */
  static Object typed(String s) {
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    if (INTEGER.matcher(s).matches()) {
      long l = Long.parseLong(s);
      return l == (int) l ? (Object) (int) l : (Object) l;
    }
    if (DECIMAL.matcher(s).matches()) {
      return Double.parseDouble(s);
    }
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  static Map<String, Object> typed(Map<String, String> raw) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (raw != null) {
      raw.forEach((k, v) -> out.put(k, typed(v)));
    }
    return out;
  }

  /** Shows an exchange name as users type it: the default exchange's is empty. */
  static String exchange(String name) {
    return name.isEmpty() ? "(AMQP default)" : name;
  }
}
