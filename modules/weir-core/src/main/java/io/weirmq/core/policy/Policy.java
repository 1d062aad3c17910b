package io.weirmq.core.policy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.FieldValues;
import io.weirmq.core.model.Names;
import io.weirmq.core.queue.QueueSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A RabbitMQ policy: settings applied to every queue (or exchange) of a vhost whose name matches a
 * regular expression, without redeclaring it. Checked on construction, so a stored policy is valid.
 *
 * @param pattern a Java regular expression, searched for in the name (as RabbitMQ does)
 * @param priority the highest-priority matching policy is the one that applies
 * @param definition policy keys (without {@code x-}) and their values, as the queue arguments
 *     {@code x-<key>} would take them
 */
public record Policy(String vhost, String name, String pattern, ApplyTo applyTo, int priority,
    Map<String, Object> definition) {

  /** The policy keys WeirMQ knows, each the queue argument {@code x-<key>}. RabbitMQ has no max-priority policy. */
  public static final List<String> KEYS = List.of("message-ttl", "expires", "max-length", "max-length-bytes",
      "overflow", "dead-letter-exchange", "dead-letter-routing-key", "delivery-limit", "mirrors", "mirror-sync");

  /** What a policy applies to: RabbitMQ's apply-to values. */
  public enum ApplyTo {
    QUEUES("queues"), EXCHANGES("exchanges"), ALL("all");

    private final String wireName;

    ApplyTo(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    public boolean queues() {
      return this != EXCHANGES;
    }

    /** Parses apply-to; null means all, as in RabbitMQ. */
    public static ApplyTo parse(String field, String value) {
      if (value == null) {
        return ALL;
      }
      for (ApplyTo a : values()) {
        if (a.wireName.equals(value)) {
          return a;
        }
      }
      throw BrokerException.invalid(field, "must be queues, exchanges or all, got \"" + value + "\"");
    }
  }

  public Policy {
    Names.vhost("vhost", vhost);
    if (name == null || name.isEmpty()) {
      throw BrokerException.invalid("name", "must be a non-empty policy name");
    }
    if (name.length() > Names.MAX_NAME_BYTES) {
      throw BrokerException.invalid("name", "must be at most " + Names.MAX_NAME_BYTES + " characters");
    }
    compile(pattern);
    if (applyTo == null) {
      applyTo = ApplyTo.ALL;
    }
    if (definition == null || definition.isEmpty()) {
      throw BrokerException.invalid("definition", "must hold at least one key; known ones are " + KEYS);
    }
    definition = FieldValues.normalizeTable("definition", definition);
    for (String key : definition.keySet()) {
      if (!KEYS.contains(key)) {
        throw BrokerException.invalid("definition." + key, "unknown policy key; known ones are " + new TreeSet<>(KEYS));
      }
    }
    // The same checks as the queue arguments they stand for, with the policy's own field names.
    try {
      Map<String, Object> args = asArguments(definition);
      // A policy may set the routing key alone for queues that name their dead-letter exchange.
      args.putIfAbsent("x-dead-letter-exchange", "");
      QueueSettings.fromArguments(args);
    } catch (BrokerException e) {
      String field = e.field() != null && e.field().startsWith("arguments.x-")
          ? "definition." + e.field().substring("arguments.x-".length()) : "definition";
      throw BrokerException.invalid(field, e.reason().replace("x-", ""));
    }
  }

  /** The regular expression, checked: a bad one is refused naming the field {@code pattern}. */
  public static Pattern compile(String pattern) {
    if (pattern == null) {
      throw BrokerException.invalid("pattern", "must be present (a regular expression; \".*\" matches every name)");
    }
    try {
      return Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw BrokerException.invalid("pattern", "is not a valid regular expression: " + e.getDescription()
          + " near index " + e.getIndex());
    }
  }

  /** The definition as queue arguments: each key with its {@code x-} prefix. */
  public static Map<String, Object> asArguments(Map<String, Object> definition) {
    Map<String, Object> args = new LinkedHashMap<>();
    definition.forEach((k, v) -> args.put("x-" + k, v));
    return args;
  }
}
