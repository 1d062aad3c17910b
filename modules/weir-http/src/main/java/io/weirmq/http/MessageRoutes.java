package io.weirmq.http;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import io.weirmq.node.Broker;
import io.weirmq.node.GetResponse;
import io.weirmq.node.PublishOutcome;
import io.weirmq.node.channel.BrokerChannel;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Messages over HTTP: publish (answered after the publisher confirm) and get (with RabbitMQ's
 * ackmodes), with payloads as UTF-8 strings or base64.
 */
final class MessageRoutes extends ApiDirectives {

  /** The most messages one get request may take, so one request cannot hold a whole queue in memory. */
  static final int MAX_GET_COUNT = 10_000;

  MessageRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
  }

  // ------------------------------------------------------------------ publish

  /**
   * One message. {@code {"routed": false}} when no queue took it. A message a queue refused
   * ({@code x-overflow=reject-publish}) is not confirmed: 409 with error "publish_rejected".
   */
  Route publish(String vhost, String exchange) {
    return body(Bodies.PublishBody.class, b -> {
      refuseWhileAlarmed();
      Message message = message(exchange, b, "");
      validatedUserId(message, caller.user(), "");
      return onSuccess(broker.publish(Names.vhost("vhost", vhost), message), outcome -> {
        if (!outcome.confirmed()) {
          return json(StatusCodes.CONFLICT, ApiErrors.body("publish_rejected", "queue: a target queue refused the"
              + " message (x-overflow=reject-publish, the queue is full); it was not confirmed"));
        }
        return ok(Map.of("routed", outcome.routed()));
      });
    });
  }

  /** A memory or disk alarm holds publishers back: over HTTP that is a 503 saying which, to retry later. */
  private void refuseWhileAlarmed() {
    var alarms = broker.alarms().state();
    if (alarms.blocked()) {
      throw new BrokerException(BrokerException.Kind.UNAVAILABLE, "node",
          "publishing is paused by a resource alarm; retry later: " + alarms.reason());
    }
  }

  /** Many messages in one request and one journal write per queue; one result per message, in order. */
  Route publishBatch(String vhost, String exchange) {
    return body(Bodies.PublishBatchBody.class, b -> {
      refuseWhileAlarmed();
      if (b.messages() == null) {
        throw BrokerException.invalid("messages", "must be present (a JSON array of messages)");
      }
      List<Message> batch = new ArrayList<>(b.messages().size());
      for (int i = 0; i < b.messages().size(); i++) {
        Bodies.PublishBody m = b.messages().get(i);
        if (m == null) {
          throw BrokerException.invalid("messages[" + i + "]", "must be a JSON object");
        }
        Message message = message(exchange, m, "messages[" + i + "].");
        validatedUserId(message, caller.user(), "messages[" + i + "].");
        batch.add(message);
      }
      return onSuccess(broker.publish(Names.vhost("vhost", vhost), batch), outcomes -> {
        List<Map<String, Object>> results = new ArrayList<>(outcomes.size());
        for (PublishOutcome o : outcomes) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("routed", o.routed());
          r.put("confirmed", o.confirmed());
          results.add(r);
        }
        return ok(Map.of("results", results));
      });
    });
  }

  /**
   * RabbitMQ's validated user id: a message may name in {@code user_id} only the user that publishes
   * it, unless that user has the {@code impersonator} tag.
   */
  static void validatedUserId(Message message, io.weirmq.core.security.User publisher, String prefix) {
    String userId = message.properties().userId();
    if (userId != null && !userId.equals(publisher.name()) && !publisher.hasTag("impersonator")) {
      throw BrokerException.precondition(prefix + "properties.user_id", "user_id property set to '" + userId
          + "' but authenticated user was '" + publisher.name() + "'");
    }
  }

  static Message message(String exchange, Bodies.PublishBody b, String prefix) {
    String payload = b.payload();
    return message(exchange, b.properties(), b.routingKey(), payload == null ? null : new Payload() {
      @Override
      public byte[] utf8() {
        return payload.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public byte[] base64Decoded() {
        return Base64.getDecoder().decode(payload);
      }
    }, b.payloadEncoding(), prefix);
  }

  /** A publish's payload as the client sent it: a JSON string, read as UTF-8 text or as base64. */
  interface Payload {
    byte[] utf8();

    /** @throws IllegalArgumentException when it is not base64 */
    byte[] base64Decoded();
  }

  /** A publish from its fields (REST or WebSocket), checked alike; {@code payload} null when absent. */
  static Message message(String exchange, Bodies.PropertiesBody properties, String routingKey, Payload payload,
      String payloadEncoding, String prefix) {
    if (routingKey == null) {
      throw BrokerException.invalid(prefix + "routing_key", "must be present (use \"\" for an empty key)");
    }
    Names.routingKey(prefix + "routing_key", routingKey);
    if (payload == null) {
      throw BrokerException.invalid(prefix + "payload", "must be present");
    }
    String encoding = payloadEncoding == null ? "string" : payloadEncoding;
    byte[] body = switch (encoding) {
      case "string" -> payload.utf8();
      case "base64" -> {
        try {
          yield payload.base64Decoded();
        } catch (IllegalArgumentException e) {
          throw BrokerException.invalid(prefix + "payload", "is not valid base64: " + e.getMessage());
        }
      }
      default -> throw BrokerException.invalid(prefix + "payload_encoding",
          "must be \"string\" or \"base64\", got \"" + encoding + "\"");
    };
    return new Message(exchange, routingKey, properties(properties, prefix), body);
  }

  private static MessageProperties properties(Bodies.PropertiesBody p, String prefix) {
    if (p == null) {
      return MessageProperties.EMPTY;
    }
    try {
      return new MessageProperties(p.contentType(), p.contentEncoding(), p.headers(), p.deliveryMode(), p.priority(),
          p.correlationId(), p.replyTo(), p.expiration(), p.messageId(), p.timestamp(), p.type(), p.userId(),
          p.appId());
    } catch (BrokerException e) {
      throw prefix.isEmpty() || e.field() == null ? e : new BrokerException(e.kind(), prefix + e.field(), e.reason());
    }
  }

  // ------------------------------------------------------------------ get

  private enum AckMode { ACK_REQUEUE_TRUE, ACK_REQUEUE_FALSE, REJECT_REQUEUE_TRUE, REJECT_REQUEUE_FALSE }

  /**
   * Takes up to {@code count} messages on a channel of its own with manual acks, then settles them
   * all as the ackmode says and closes the channel. As in RabbitMQ, {@code ack_requeue_true} and
   * {@code reject_requeue_true} leave the messages in the queue, flagged redelivered.
   */
  Route get(QueueId queue) {
    return body(Bodies.GetBody.class, b -> {
      int count = b.count() == null ? 1 : b.count();
      if (count < 1 || count > MAX_GET_COUNT) {
        throw BrokerException.invalid("count", "must be between 1 and " + MAX_GET_COUNT + ", got " + count);
      }
      AckMode ackMode = ackMode(b.ackmode());
      String encoding = b.encoding() == null ? "auto" : b.encoding();
      if (!encoding.equals("auto") && !encoding.equals("base64")) {
        throw BrokerException.invalid("encoding", "must be \"auto\" or \"base64\", got \"" + encoding + "\"");
      }
      if (b.truncate() != null && b.truncate() < 0) {
        throw BrokerException.invalid("truncate", "must not be negative, got " + b.truncate());
      }
      return onSuccess(take(queue, count, ackMode), got -> ok(got.stream()
          .map(r -> view(r, encoding.equals("base64"), b.truncate())).toList()));
    });
  }

  private static AckMode ackMode(String ackmode) {
    if (ackmode == null) {
      throw BrokerException.invalid("ackmode",
          "must be present: ack_requeue_true, ack_requeue_false, reject_requeue_true or reject_requeue_false");
    }
    for (AckMode m : AckMode.values()) {
      if (m.name().toLowerCase(java.util.Locale.ROOT).equals(ackmode)) {
        return m;
      }
    }
    throw BrokerException.invalid("ackmode", "must be ack_requeue_true, ack_requeue_false, reject_requeue_true or"
        + " reject_requeue_false, got \"" + ackmode + "\"");
  }

  private CompletionStage<List<GetResponse>> take(QueueId queue, int count, AckMode ackMode) {
    BrokerChannel channel = broker.openChannel("http-get-" + UUID.randomUUID());
    List<GetResponse> got = new ArrayList<>();
    CompletableFuture<List<GetResponse>> result = new CompletableFuture<>();
    takeNext(channel, queue, count, got)
        .thenCompose(done -> settle(channel, got, ackMode))
        .whenComplete((done, failure) ->
            // Closing returns anything unsettled (after a failure) to the queue.
            channel.closeAsync().whenComplete((closed, closeFailure) -> {
              if (failure != null) {
                result.completeExceptionally(failure);
              } else {
                result.complete(got);
              }
            }));
    return result;
  }

  private static CompletionStage<Void> takeNext(BrokerChannel channel, QueueId queue, int remaining,
      List<GetResponse> got) {
    return channel.basicGet(queue, false).thenCompose(response -> {
      if (response.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      got.add(response.get());
      return remaining > 1 ? takeNext(channel, queue, remaining - 1, got) : CompletableFuture.completedFuture(null);
    });
  }

  private static CompletionStage<?> settle(BrokerChannel channel, List<GetResponse> got, AckMode ackMode) {
    if (got.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    long last = got.get(got.size() - 1).envelope().deliveryTag();
    return switch (ackMode) {
      case ACK_REQUEUE_FALSE -> channel.basicAck(last, true);
      case ACK_REQUEUE_TRUE, REJECT_REQUEUE_TRUE -> channel.basicNack(last, true, true);
      case REJECT_REQUEUE_FALSE -> channel.basicNack(last, true, false);
    };
  }

  private static Map<String, Object> view(GetResponse r, boolean base64, Integer truncate) {
    byte[] body = r.envelope().body();
    byte[] shown = truncate != null && truncate < body.length ? Arrays.copyOf(body, truncate) : body;
    String text = base64 ? null : utf8(shown);
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("payload_bytes", body.length);
    v.put("redelivered", r.envelope().redelivered());
    v.put("exchange", r.envelope().exchange());
    v.put("routing_key", r.envelope().routingKey());
    v.put("message_count", r.messageCount());
    v.put("properties", properties(r.envelope().properties()));
    v.put("payload", text != null ? text : Base64.getEncoder().encodeToString(shown));
    v.put("payload_encoding", text != null ? "string" : "base64");
    return v;
  }

  /**
   * The body as text if it is valid UTF-8 without control characters other than tab, CR and LF;
   * else null. Binary bodies often decode as UTF-8 (any run of bytes below 0x80 does), and a string
   * of escaped NULs helps nobody, so those are shown as base64.
   */
  static String utf8(byte[] bytes) {
    if (printableAscii(bytes)) {
      return new String(bytes, StandardCharsets.ISO_8859_1); // the common case, without a decoder
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        return null;
      }
    }
    return text;
  }

  static boolean printableAscii(byte[] bytes) {
    for (byte b : bytes) {
      if ((b < 0x20 || b == 0x7f) && b != '\t' && b != '\n' && b != '\r') {
        return false; // also every byte >= 0x80, which is negative
      }
    }
    return true;
  }

  /** The properties that are set, as the management API shows them (absent ones left out). */
  static Map<String, Object> properties(MessageProperties p) {
    Map<String, Object> v = new LinkedHashMap<>();
    forEachProperty(p, v::put);
    return v;
  }

  /** Receives one property that is set: its field name and value. */
  interface PropertyWriter<E extends Exception> {
    void write(String field, Object value) throws E;
  }

  /**
   * The properties that are set, in the order the management API shows them, one call each: the
   * one list of them, for {@link #properties} and for deliveries rendered without a map.
   */
  static <E extends Exception> void forEachProperty(MessageProperties p, PropertyWriter<E> out) throws E {
    writeIfSet(out, "content_type", p.contentType());
    writeIfSet(out, "content_encoding", p.contentEncoding());
    if (!p.headers().isEmpty()) {
      out.write("headers", p.headers());
    }
    writeIfSet(out, "delivery_mode", p.deliveryMode());
    writeIfSet(out, "priority", p.priority());
    writeIfSet(out, "correlation_id", p.correlationId());
    writeIfSet(out, "reply_to", p.replyTo());
    writeIfSet(out, "expiration", p.expiration());
    writeIfSet(out, "message_id", p.messageId());
    writeIfSet(out, "timestamp", p.timestamp());
    writeIfSet(out, "type", p.type());
    writeIfSet(out, "user_id", p.userId());
    writeIfSet(out, "app_id", p.appId());
  }

  private static <E extends Exception> void writeIfSet(PropertyWriter<E> out, String field, Object value) throws E {
    if (value != null) {
      out.write(field, value);
    }
  }
}
