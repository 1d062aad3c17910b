package io.weirmq.core.policy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How a queue's own arguments and its policy combine into the arguments it runs with, by RabbitMQ's
 * rules: for the limits below the lower value wins, whichever side sets it; for every other key the
 * queue's argument wins over the policy.
 */
public final class EffectiveArguments {

  /** Policy keys where the lower of argument and policy applies (RabbitMQ's merge rule for them). */
  public static final Set<String> LOWER_WINS = Set.of("message-ttl", "max-length", "max-length-bytes", "expires",
      "delivery-limit");

  private EffectiveArguments() {}

  /**
   * The arguments a queue runs with. Pure: neither map changes.
   *
   * @param arguments the queue's declared (normalized) arguments
   * @param definition the applying policy's (normalized) definition, or null for none
   */
  public static Map<String, Object> combine(Map<String, Object> arguments, Map<String, Object> definition) {
    Map<String, Object> out = new LinkedHashMap<>(arguments);
    if (definition == null) {
      return out;
    }
    definition.forEach((key, value) -> {
      String arg = "x-" + key;
      Object own = out.get(arg);
      if (own == null) {
        out.put(arg, value);
      } else if (LOWER_WINS.contains(key) && ((Number) value).longValue() < ((Number) own).longValue()) {
        out.put(arg, value);
      }
    });
    // A routing key from one side without an exchange from either means nothing.
    if (!out.containsKey("x-dead-letter-exchange")) {
      out.remove("x-dead-letter-routing-key");
    }
    return out;
  }
}
