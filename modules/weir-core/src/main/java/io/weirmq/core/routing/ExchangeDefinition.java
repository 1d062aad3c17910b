package io.weirmq.core.routing;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.FieldValues;
import io.weirmq.core.model.Names;
import java.util.Map;
import java.util.Objects;

/**
 * An exchange as declared: its identity, type, flags and arguments (normalized field table).
 *
 * @param internal clients cannot publish to it directly; only exchange-to-exchange bindings reach it
 * @param arguments normalized; {@code alternate-exchange} (a string) is the one the broker reads
 */
public record ExchangeDefinition(
    ExchangeId id,
    ExchangeType type,
    boolean durable,
    boolean autoDelete,
    boolean internal,
    Map<String, Object> arguments) {

  public static final String ALTERNATE_EXCHANGE = "alternate-exchange";

  public ExchangeDefinition {
    if (id == null) {
      throw BrokerException.invalid("name", "must be present");
    }
    Names.vhost("vhost", id.vhost());
    Names.exchange("name", id.name());
    if (type == null) {
      throw BrokerException.invalid("type", "must be one of direct, fanout, topic, headers");
    }
    arguments = FieldValues.normalizeTable("arguments", arguments);
    String ae = FieldValues.optionalString(arguments, ALTERNATE_EXCHANGE, "arguments." + ALTERNATE_EXCHANGE);
    if (ae != null) {
      Names.exchange("arguments." + ALTERNATE_EXCHANGE, ae);
    }
  }

  /** A durable, non-auto-delete, non-internal exchange without arguments. */
  public static ExchangeDefinition of(String vhost, String name, ExchangeType type) {
    return new ExchangeDefinition(new ExchangeId(vhost, name), type, true, false, false, Map.of());
  }

  /** The exchange that receives messages this one routes nowhere, or null. */
  public String alternateExchange() {
    return (String) arguments.get(ALTERNATE_EXCHANGE);
  }

  /**
   * Checks that a redeclaration asks for the same exchange, as RabbitMQ does: type, durable,
   * auto_delete, internal and arguments must all match.
   *
   * @throws BrokerException PRECONDITION_FAILED naming the first field that differs
   */
  public void requireEquivalent(ExchangeDefinition redeclared) {
    Objects.requireNonNull(redeclared, "redeclared");
    Tables.requireSame(id, "type", type.wireName(), redeclared.type.wireName());
    Tables.requireSame(id, "durable", durable, redeclared.durable);
    Tables.requireSame(id, "auto_delete", autoDelete, redeclared.autoDelete);
    Tables.requireSame(id, "internal", internal, redeclared.internal);
    Tables.requireSameArguments(id, arguments, redeclared.arguments);
  }

}
