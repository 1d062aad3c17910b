package io.weirmq.core.queue;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.FieldValues;
import java.util.Map;
import java.util.Set;

/**
 * The behaviour a queue's declaration arguments ask for, parsed and checked.
 *
 * <p>Unknown {@code x-} arguments are refused so a typo does not silently disable a limit; arguments
 * without the {@code x-} prefix are kept but mean nothing to the broker, as in RabbitMQ.
 *
 * @param messageTtl x-message-ttl in ms, or null
 * @param expires x-expires in ms: delete the queue after this long unused, or null
 * @param maxLength x-max-length (ready messages), or null
 * @param maxLengthBytes x-max-length-bytes (ready message bodies), or null
 * @param overflow x-overflow behaviour when a length limit is reached
 * @param deadLetterExchange x-dead-letter-exchange, or null
 * @param deadLetterRoutingKey x-dead-letter-routing-key, or null (keep the message's own keys)
 * @param deliveryLimit x-delivery-limit: returns allowed before a message is dead-lettered, or null
 * @param maxPriority x-max-priority (1-255), or null for a queue that ignores priorities
 * @param singleActiveConsumer x-single-active-consumer
 * @param mirrors x-mirrors: copies on other nodes, or null for the default ({@link #DEFAULT_MIRRORS})
 * @param mirrorSync x-mirror-sync: which mirrors a publisher confirm waits for, or null for majority
 */
public record QueueSettings(
    Long messageTtl,
    Long expires,
    Long maxLength,
    Long maxLengthBytes,
    Overflow overflow,
    String deadLetterExchange,
    String deadLetterRoutingKey,
    Long deliveryLimit,
    Integer maxPriority,
    boolean singleActiveConsumer,
    Integer mirrors,
    MirrorSync mirrorSync) {

  /** Mirrors a queue has when x-mirrors is not given (three copies in all), capped by the cluster's size. */
  public static final int DEFAULT_MIRRORS = 2;

  public static final QueueSettings DEFAULT =
      new QueueSettings(null, null, null, null, Overflow.DROP_HEAD, null, null, null, null, false, null, null);

  /** Which copies a publisher confirm waits for, besides the journal write. */
  public enum MirrorSync {
    /** Every in-sync mirror. */
    ALL("all"),
    /** A majority of all copies, the leader included. */
    MAJORITY("majority"),
    /** None: the journal write alone. */
    NONE("none");

    private final String wireName;

    MirrorSync(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    static MirrorSync parse(String field, String value) {
      for (MirrorSync m : values()) {
        if (m.wireName.equals(value)) {
          return m;
        }
      }
      throw BrokerException.invalid(field, "must be all, majority or none, got \"" + value + "\"");
    }
  }

  /** How many mirrors the queue asks for (before the cluster's size caps it). */
  public int mirrorCount() {
    return mirrors == null ? DEFAULT_MIRRORS : mirrors;
  }

  public MirrorSync mirrorSyncMode() {
    return mirrorSync == null ? MirrorSync.MAJORITY : mirrorSync;
  }

  /** What a queue does when a publish would exceed x-max-length or x-max-length-bytes. */
  public enum Overflow {
    DROP_HEAD("drop-head"),
    REJECT_PUBLISH("reject-publish"),
    REJECT_PUBLISH_DLX("reject-publish-dlx");

    private final String wireName;

    Overflow(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    static Overflow parse(String field, String value) {
      for (Overflow o : values()) {
        if (o.wireName.equals(value)) {
          return o;
        }
      }
      throw BrokerException.invalid(field, "must be one of drop-head, reject-publish, reject-publish-dlx, got \"" + value + "\"");
    }
  }

  public static final Set<String> KNOWN_ARGUMENTS = Set.of(
      "x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes", "x-overflow",
      "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-delivery-limit", "x-max-priority",
      "x-single-active-consumer", "x-queue-type", "x-mirrors", "x-mirror-sync");

  /** Parses declaration arguments, naming the offending argument in any error. */
  public static QueueSettings fromArguments(Map<String, Object> arguments) {
    Map<String, Object> args = FieldValues.normalizeTable("arguments", arguments);
    for (String key : args.keySet()) {
      if (key.startsWith("x-") && !KNOWN_ARGUMENTS.contains(key)) {
        throw BrokerException.invalid("arguments." + key, "unknown queue argument; known ones are " + new java.util.TreeSet<>(KNOWN_ARGUMENTS));
      }
    }
    Long ttl = FieldValues.optionalLong(args, "x-message-ttl", "arguments.x-message-ttl", 0, Integer.MAX_VALUE);
    Long expires = FieldValues.optionalLong(args, "x-expires", "arguments.x-expires", 1, Integer.MAX_VALUE);
    Long maxLength = FieldValues.optionalLong(args, "x-max-length", "arguments.x-max-length", 0, Long.MAX_VALUE);
    Long maxBytes = FieldValues.optionalLong(args, "x-max-length-bytes", "arguments.x-max-length-bytes", 0, Long.MAX_VALUE);
    String overflowName = FieldValues.optionalString(args, "x-overflow", "arguments.x-overflow");
    Overflow overflow = overflowName == null ? Overflow.DROP_HEAD : Overflow.parse("arguments.x-overflow", overflowName);
    String dlx = FieldValues.optionalString(args, "x-dead-letter-exchange", "arguments.x-dead-letter-exchange");
    String dlrk = FieldValues.optionalString(args, "x-dead-letter-routing-key", "arguments.x-dead-letter-routing-key");
    if (dlrk != null && dlx == null) {
      throw BrokerException.invalid("arguments.x-dead-letter-routing-key", "requires x-dead-letter-exchange");
    }
    Long deliveryLimit = FieldValues.optionalLong(args, "x-delivery-limit", "arguments.x-delivery-limit", 0, Integer.MAX_VALUE);
    Long maxPriority = FieldValues.optionalLong(args, "x-max-priority", "arguments.x-max-priority", 1, 255);
    Boolean sac = FieldValues.optionalBoolean(args, "x-single-active-consumer", "arguments.x-single-active-consumer");
    String type = FieldValues.optionalString(args, "x-queue-type", "arguments.x-queue-type");
    if (type != null && !type.equals("classic") && !type.equals("quorum")) {
      throw BrokerException.invalid("arguments.x-queue-type", "must be classic or quorum (both are mirrored event-sourced queues here), got \"" + type + "\"");
    }
    Long mirrors = FieldValues.optionalLong(args, "x-mirrors", "arguments.x-mirrors", 0, 16);
    String sync = FieldValues.optionalString(args, "x-mirror-sync", "arguments.x-mirror-sync");
    MirrorSync mirrorSync = sync == null ? null : MirrorSync.parse("arguments.x-mirror-sync", sync);
    return new QueueSettings(ttl, expires, maxLength, maxBytes, overflow, dlx, dlrk, deliveryLimit,
        maxPriority == null ? null : maxPriority.intValue(), sac != null && sac,
        mirrors == null ? null : mirrors.intValue(), mirrorSync);
  }

  public boolean hasDeadLetterExchange() {
    return deadLetterExchange != null;
  }

  /** Number of priority lanes the queue keeps: one unless x-max-priority is set. */
  public int priorityLanes() {
    return maxPriority == null ? 1 : maxPriority + 1;
  }
}
