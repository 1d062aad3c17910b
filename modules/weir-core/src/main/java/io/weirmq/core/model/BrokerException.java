package io.weirmq.core.model;

import java.util.Objects;

/**
 * A request the broker refuses, with the kind of refusal, the field it concerns and why.
 *
 * <p>Protocol modules map {@link Kind} to their own codes (HTTP status, AMQP reply code); the
 * message never carries a stack trace or internal detail to the client.
 */
public final class BrokerException extends RuntimeException {

  /** What went wrong, in the terms AMQP 0-9-1 uses for channel and connection exceptions. */
  public enum Kind {
    /** The input is malformed: a bad name, a mistyped argument, a value out of range. */
    INVALID_ARGUMENT,
    /** The named vhost, exchange, queue or binding does not exist. */
    NOT_FOUND,
    /** Redeclaring with different properties, deleting something in use, a binding loop. */
    PRECONDITION_FAILED,
    /** Another connection holds the resource (exclusive queue, single active consumer). */
    RESOURCE_LOCKED,
    /** The operation is not allowed on this resource (a reserved name, an internal exchange). */
    ACCESS_REFUSED,
    /** The broker cannot serve the request now (journal or registry unreachable, over a limit). */
    UNAVAILABLE
  }

  private final Kind kind;
  private final String field;
  private final String reason;

  public BrokerException(Kind kind, String field, String reason) {
    super(field == null ? reason : field + ": " + reason);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.field = field;
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public static BrokerException invalid(String field, String reason) {
    return new BrokerException(Kind.INVALID_ARGUMENT, field, reason);
  }

  public static BrokerException notFound(String field, String reason) {
    return new BrokerException(Kind.NOT_FOUND, field, reason);
  }

  public static BrokerException precondition(String field, String reason) {
    return new BrokerException(Kind.PRECONDITION_FAILED, field, reason);
  }

  public static BrokerException refused(String field, String reason) {
    return new BrokerException(Kind.ACCESS_REFUSED, field, reason);
  }

  public static BrokerException locked(String field, String reason) {
    return new BrokerException(Kind.RESOURCE_LOCKED, field, reason);
  }

  public Kind kind() {
    return kind;
  }

  /** The request field the refusal concerns, such as {@code arguments.x-max-length}; may be null. */
  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }
}
