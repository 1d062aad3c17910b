package io.weirmq.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A channel of a {@link Connection}, with the RabbitMQ Java client's method names. Synchronous methods
 * wait for the broker's reply and throw {@link WeirClientException} (AMQP code, error, reason naming the
 * field) when it refuses; a lost connection is a {@link WeirConnectionException}. Thread-safe.
 */
public final class Channel implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Channel.class.getName());

  private record Consumer(String queue, boolean autoAck, boolean exclusive, DeliverCallback deliver, CancelCallback cancel) {}

  private final Connection connection;
  private final int number;
  private volatile boolean open = true;
  private volatile boolean recovering;
  private volatile int prefetch = -1;
  private final Map<String, Consumer> consumers = new ConcurrentHashMap<>();

  // Delivery tags restart at 1 on a recovered channel: ours keep growing, and tags of the lost socket are stale.
  private final AtomicLong maxDeliveryTag = new AtomicLong();
  private volatile long deliveryTagOffset;

  // publishLock keeps the numbering of publishes in the order they are queued for the socket.
  private final Object publishLock = new Object();
  final PublisherConfirms confirms = new PublisherConfirms(); // not private: tests play the broker's confirms
  private final List<ReturnListener> returnListeners = new CopyOnWriteArrayList<>();

  Channel(Connection connection, int number) {
    this.connection = connection;
    this.number = number;
  }

  public int getChannelNumber() {
    return number;
  }

  public Connection getConnection() {
    return connection;
  }

  public boolean isOpen() {
    return open && connection.isOpen();
  }

  // ---------------------------------------------------------------- qos, exchanges, queues, bindings

  /** At most {@code prefetchCount} unacked deliveries per consumer started after this call; 0 is unlimited. */
  public void basicQos(int prefetchCount) {
    rpc(frame("basic.qos").put("prefetch_count", prefetchCount));
    prefetch = prefetchCount;
  }

  /** Declares a non-durable exchange, as RabbitMQ's two-argument form does. */
  public void exchangeDeclare(String exchange, String type) {
    exchangeDeclare(exchange, type, false);
  }

  public void exchangeDeclare(String exchange, String type, boolean durable) {
    exchangeDeclare(exchange, type, durable, false, false, null);
  }

  /** Declares an exchange ({@code direct}, {@code fanout}, {@code topic}, {@code headers}); 406 if it exists otherwise. */
  public void exchangeDeclare(String exchange, String type, boolean durable, boolean autoDelete, boolean internal,
      Map<String, Object> arguments) {
    ObjectNode f = frame("exchange.declare").put("name", exchange).put("type", type).put("durable", durable)
        .put("auto_delete", autoDelete).put("internal", internal);
    f.set("arguments", Connection.JSON.valueToTree(arguments == null ? Map.of() : arguments));
    rpc(f);
    connection.recordExchange(f);
  }

  public void exchangeDelete(String exchange) {
    exchangeDelete(exchange, false);
  }

  public void exchangeDelete(String exchange, boolean ifUnused) {
    rpc(frame("exchange.delete").put("name", exchange).put("if_unused", ifUnused));
    connection.forgetExchange(exchange);
  }

  /** A server-named, exclusive, auto-delete, non-durable queue, as RabbitMQ's no-argument form. */
  public DeclareOk queueDeclare() {
    return queueDeclare("", false, true, true, null);
  }

  /**
   * Declares a queue; an empty name lets the broker pick one ({@code weir.gen-...}). An exclusive queue
   * is deleted when this connection ends, and other connections cannot use it.
   */
  public DeclareOk queueDeclare(String queue, boolean durable, boolean exclusive, boolean autoDelete,
      Map<String, Object> arguments) {
    ObjectNode f = frame("queue.declare").put("name", queue).put("durable", durable).put("exclusive", exclusive)
        .put("auto_delete", autoDelete);
    f.set("arguments", Connection.JSON.valueToTree(arguments == null ? Map.of() : arguments));
    JsonNode ok = rpc(f);
    DeclareOk result = new DeclareOk(ok.path("name").asText(), ok.path("message_count").asLong(),
        ok.path("consumer_count").asInt());
    connection.recordQueue(f, result.queue());
    return result;
  }

  /** Deletes a queue; answers how many messages it held. */
  public long queueDelete(String queue) {
    return queueDelete(queue, false, false);
  }

  public long queueDelete(String queue, boolean ifUnused, boolean ifEmpty) {
    JsonNode ok = rpc(frame("queue.delete").put("name", queue).put("if_unused", ifUnused).put("if_empty", ifEmpty));
    connection.forgetQueue(queue);
    return ok.path("message_count").asLong();
  }

  /** Removes the queue's ready messages; answers how many. */
  public long queuePurge(String queue) {
    return rpc(frame("queue.purge").put("name", queue)).path("message_count").asLong();
  }

  public void queueBind(String queue, String exchange, String routingKey) {
    queueBind(queue, exchange, routingKey, null);
  }

  public void queueBind(String queue, String exchange, String routingKey, Map<String, Object> arguments) {
    binding("queue.bind", "queue", queue, "exchange", exchange, routingKey, arguments);
  }

  public void queueUnbind(String queue, String exchange, String routingKey) {
    queueUnbind(queue, exchange, routingKey, null);
  }

  public void queueUnbind(String queue, String exchange, String routingKey, Map<String, Object> arguments) {
    binding("queue.unbind", "queue", queue, "exchange", exchange, routingKey, arguments);
  }

  /** Binds exchange {@code destination} to exchange {@code source} (RabbitMQ's argument order). */
  public void exchangeBind(String destination, String source, String routingKey) {
    exchangeBind(destination, source, routingKey, null);
  }

  public void exchangeBind(String destination, String source, String routingKey, Map<String, Object> arguments) {
    binding("exchange.bind", "destination", destination, "source", source, routingKey, arguments);
  }

  public void exchangeUnbind(String destination, String source, String routingKey, Map<String, Object> arguments) {
    binding("exchange.unbind", "destination", destination, "source", source, routingKey, arguments);
  }

  private void binding(String method, String destField, String dest, String srcField, String src, String routingKey,
      Map<String, Object> arguments) {
    ObjectNode f = frame(method).put(destField, dest).put(srcField, src).put("routing_key", routingKey == null ? "" : routingKey);
    f.set("arguments", Connection.JSON.valueToTree(arguments == null ? Map.of() : arguments));
    rpc(f);
    connection.recordBinding(f, method.endsWith(".bind"));
  }

  // ---------------------------------------------------------------- publishing and confirms

  /** Puts the channel in confirm mode: from now on each publish is numbered and acked or nacked by the broker. */
  public void confirmSelect() {
    synchronized (publishLock) {
      if (confirms.isEnabled()) {
        return;
      }
      rpc(frame("confirm.select"));
      confirms.enable();
    }
  }

  /** The number the next publish will have in confirm mode; 0 outside it. */
  public long getNextPublishSeqNo() {
    return confirms.nextPublishSeqNo();
  }

  public void basicPublish(String exchange, String routingKey, BasicProperties props, byte[] body) {
    basicPublish(exchange, routingKey, false, props, body);
  }

  /**
   * Publishes a message. With {@code mandatory}, one that reaches no queue comes back to the return
   * listeners before its confirm. Does not wait for the socket: the frame is queued (and goes out with
   * others queued meanwhile when the socket is busy); only a full queue makes this wait (see
   * {@link ConnectionFactory#setMaxQueuedFrames(int)}). Use confirms to know the broker has it.
   */
  public void basicPublish(String exchange, String routingKey, boolean mandatory, BasicProperties props, byte[] body) {
    byte[] frame = publishFrame(exchange == null ? "" : exchange, routingKey, mandatory, props, body);
    synchronized (publishLock) {
      checkUsable();
      // Numbered before it is queued, so that a connection lost meanwhile nacks it, or the queue refuses it.
      long seq = confirms.register();
      try {
        connection.send(frame, "basic.publish");
      } catch (RuntimeException e) {
        confirms.unsent(seq);
        throw e;
      }
    }
  }

  /**
   * Listeners for the broker's confirms, called on the connection's reader thread. With {@code multiple}
   * a confirm covers every publish up to the tag that is still unconfirmed; a publish acked or nacked on
   * its own before keeps that outcome (the broker may ack a range that holds an earlier nack).
   */
  public void addConfirmListener(ConfirmCallback ackCallback, ConfirmCallback nackCallback) {
    confirms.addListeners(ackCallback, nackCallback);
  }

  public void addReturnListener(ReturnListener listener) {
    returnListeners.add(listener);
  }

  /** Waits without limit; see {@link #waitForConfirms(long)}. */
  public boolean waitForConfirms() throws InterruptedException {
    try {
      return waitForConfirms(0);
    } catch (TimeoutException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /**
   * Waits until every publish since the last wait is acked or nacked.
   *
   * @param timeoutMillis 0 waits without limit
   * @return true if all were acked, false if any was nacked (or lost with the connection)
   * @throws IllegalStateException if the channel is not in confirm mode
   */
  public boolean waitForConfirms(long timeoutMillis) throws InterruptedException, TimeoutException {
    if (!confirms.isEnabled()) {
      throw new IllegalStateException("confirm.select was not called on channel " + number);
    }
    return confirms.await(timeoutMillis);
  }

  /** Like {@link #waitForConfirms(long)}, but a nack or a timeout closes the channel and throws. */
  public void waitForConfirmsOrDie(long timeoutMillis) throws InterruptedException, TimeoutException {
    boolean allAcked;
    try {
      allAcked = waitForConfirms(timeoutMillis);
    } catch (TimeoutException e) {
      closeQuietly();
      throw e;
    }
    if (!allAcked) {
      closeQuietly();
      throw new WeirClientException(406, "publish_nacked", "confirms: the broker nacked a publish on channel " + number);
    }
  }

  // ---------------------------------------------------------------- consuming

  /** Starts a consumer with a client-generated tag; answers the tag. */
  public String basicConsume(String queue, boolean autoAck, DeliverCallback deliverCallback, CancelCallback cancelCallback) {
    return basicConsume(queue, autoAck, "", false, deliverCallback, cancelCallback);
  }

  public String basicConsume(String queue, boolean autoAck, String consumerTag, DeliverCallback deliverCallback,
      CancelCallback cancelCallback) {
    return basicConsume(queue, autoAck, consumerTag, false, deliverCallback, cancelCallback);
  }

  /**
   * Starts a consumer: {@code deliverCallback} runs on the connection's dispatch thread for each message,
   * in order. Without {@code autoAck}, settle each with {@link #basicAck}, {@link #basicNack} or {@link #basicReject}.
   */
  public String basicConsume(String queue, boolean autoAck, String consumerTag, boolean exclusive,
      DeliverCallback deliverCallback, CancelCallback cancelCallback) {
    // The tag is ours before the broker's reply, so that no delivery can arrive for an unknown consumer.
    String tag = consumerTag == null || consumerTag.isEmpty() ? "weir.ctag-" + UUID.randomUUID() : consumerTag;
    Consumer c = new Consumer(queue, autoAck, exclusive, deliverCallback, cancelCallback);
    if (consumers.putIfAbsent(tag, c) != null) {
      throw new IllegalArgumentException("consumer_tag: '" + tag + "' is already in use on channel " + number);
    }
    try {
      rpc(consumeFrame(tag, c));
      return tag;
    } catch (RuntimeException e) {
      consumers.remove(tag);
      throw e;
    }
  }

  /** Ends a consumer; deliveries that arrived before the reply still run. */
  public void basicCancel(String consumerTag) {
    rpc(frame("basic.cancel").put("consumer_tag", consumerTag));
    consumers.remove(consumerTag);
  }

  /** Takes one message; null if the queue is empty. */
  public GetResponse basicGet(String queue, boolean autoAck) {
    JsonNode f = rpc(frame("basic.get").put("queue", queue).put("auto_ack", autoAck));
    if ("basic.get-empty".equals(f.path("method").asText())) {
      return null;
    }
    return new GetResponse(body(f), properties(f), f.path("exchange").asText(), f.path("routing_key").asText(),
        f.path("redelivered").asBoolean(), f.path("message_count").asLong(), clientTag(f.path("delivery_tag").asLong()));
  }

  public void basicAck(long deliveryTag, boolean multiple) {
    settle("basic.ack", deliveryTag, multiple, null);
  }

  /** Nacks; with {@code requeue} the messages go back to the queue flagged redelivered, else they are dropped or dead-lettered. */
  public void basicNack(long deliveryTag, boolean multiple, boolean requeue) {
    settle("basic.nack", deliveryTag, multiple, requeue);
  }

  public void basicReject(long deliveryTag, boolean requeue) {
    settle("basic.reject", deliveryTag, null, requeue);
  }

  private void settle(String method, long deliveryTag, Boolean multiple, Boolean requeue) {
    long offset = deliveryTagOffset;
    if (deliveryTag <= offset) {
      return; // a delivery of a lost connection: the broker has requeued it already
    }
    ObjectNode f = frame(method).put("delivery_tag", deliveryTag - offset);
    if (multiple != null) {
      f.put("multiple", multiple);
    }
    if (requeue != null) {
      f.put("requeue", requeue);
    }
    checkUsable();
    connection.send(f);
  }

  /** Closes the channel: its unacked deliveries return to their queues, unconfirmed publishes are nacked. */
  @Override
  public void close() {
    if (!open) {
      return;
    }
    try {
      if (connection.isOpen()) {
        rpc(frame("channel.close"));
      }
    } finally {
      markClosed();
      connection.channels.remove(number);
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "channel " + number + " did not close cleanly", e);
    }
  }

  // ---------------------------------------------------------------- frames from the connection

  void open() {
    connection.rpc(frame("channel.open"));
  }

  void handle(String method, JsonNode f) {
    switch (method) {
      case "basic.ack", "basic.nack" -> confirms.confirmed(method.equals("basic.ack"), f.path("delivery_tag").asLong(),
          f.path("multiple").asBoolean());
      case "basic.return" -> {
        Return r = new Return(f.path("reply_code").asInt(), f.path("reply_text").asText(), f.path("exchange").asText(),
            f.path("routing_key").asText(), properties(f), body(f));
        for (ReturnListener l : returnListeners) {
          try {
            l.handle(r);
          } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "return listener failed", e);
          }
        }
      }
      case "basic.deliver" -> {
        String tag = f.path("consumer_tag").asText();
        Consumer c = consumers.get(tag);
        if (c == null) {
          LOG.log(System.Logger.Level.WARNING, "delivery for unknown consumer " + tag + " on channel " + number);
          return;
        }
        Delivery d = new Delivery(new Envelope(clientTag(f.path("delivery_tag").asLong()), f.path("redelivered").asBoolean(),
            f.path("exchange").asText(), f.path("routing_key").asText()), properties(f), body(f));
        connection.dispatcher().execute(() -> {
          try {
            c.deliver().handle(tag, d);
          } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "consumer " + tag + " failed on " + d.getEnvelope(), e);
          }
        });
      }
      case "basic.cancel" -> {
        String tag = f.path("consumer_tag").asText();
        Consumer c = consumers.remove(tag);
        if (c != null && c.cancel() != null) {
          connection.dispatcher().execute(() -> {
            try {
              c.cancel().handle(tag);
            } catch (Exception e) {
              LOG.log(System.Logger.Level.WARNING, "cancel callback of " + tag + " failed", e);
            }
          });
        }
      }
      default -> LOG.log(System.Logger.Level.DEBUG, "unexpected " + Connection.describe(f));
    }
  }

  /** The socket broke: nothing can be settled or confirmed any more on it. */
  void connectionLost() {
    recovering = true;
    deliveryTagOffset = maxDeliveryTag.get();
    confirms.nackAll();
  }

  /** On a new socket: the same channel number, prefetch and confirm mode. */
  void reopen() {
    connection.rpc(frame("channel.open"));
    if (prefetch >= 0) {
      connection.rpc(frame("basic.qos").put("prefetch_count", prefetch));
    }
    synchronized (publishLock) {
      if (confirms.isEnabled()) {
        connection.rpc(frame("confirm.select"));
        confirms.renumber();
      }
    }
  }

  void recoverConsumers() {
    for (Map.Entry<String, Consumer> e : consumers.entrySet()) {
      connection.rpc(consumeFrame(e.getKey(), e.getValue()));
    }
    recovering = false;
  }

  void rpcRecovering(ObjectNode f) {
    f.put("channel", number);
    connection.rpc(f);
  }

  void markClosed() {
    open = false;
    consumers.clear();
    confirms.nackAll();
  }

  // ---------------------------------------------------------------- helpers

  private ObjectNode consumeFrame(String tag, Consumer c) {
    return frame("basic.consume").put("queue", c.queue()).put("consumer_tag", tag).put("auto_ack", c.autoAck())
        .put("exclusive", c.exclusive());
  }

  private long clientTag(long serverTag) {
    if (serverTag == 0) {
      return 0; // auto-ack
    }
    long tag = serverTag + deliveryTagOffset;
    maxDeliveryTag.accumulateAndGet(tag, Math::max);
    return tag;
  }

  private ObjectNode frame(String method) {
    return Connection.JSON.createObjectNode().put("method", method).put("channel", number);
  }

  private JsonNode rpc(ObjectNode f) {
    checkUsable();
    return connection.rpc(f);
  }

  private void checkUsable() {
    if (!open) {
      throw new WeirConnectionException("channel " + number + " is closed", connection.getCloseReason());
    }
    if (recovering) {
      throw new WeirConnectionException("channel " + number + " is recovering from a lost connection", null);
    }
  }

  private static BasicProperties properties(JsonNode f) {
    JsonNode p = f.get("properties");
    BasicProperties props = p == null || p.isNull() ? null : Connection.JSON.convertValue(p, BasicProperties.class);
    return props == null ? BasicProperties.EMPTY : props;
  }

  private static byte[] body(JsonNode f) {
    String payload = f.path("payload").asText("");
    return "base64".equals(f.path("payload_encoding").asText())
        ? Base64.getDecoder().decode(payload) : payload.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A publish frame as UTF-8 JSON, written straight from the body's bytes: UTF-8 text goes in as a
   * string (escaped as JSON needs, never decoded to characters), anything else as base64.
   */
  private byte[] publishFrame(String exchange, String routingKey, boolean mandatory, BasicProperties props,
      byte[] body) {
    ByteArrayBuilder out = new ByteArrayBuilder(body.length + 256);
    try (JsonGenerator g = Connection.JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("method", "basic.publish");
      g.writeNumberField("channel", number);
      g.writeStringField("exchange", exchange);
      g.writeStringField("routing_key", routingKey);
      g.writeBooleanField("mandatory", mandatory);
      if (props != null) {
        g.writeFieldName("properties");
        Connection.JSON.writeValue(g, props);
      }
      g.writeFieldName("payload");
      if (isUtf8(body)) {
        g.writeUTF8String(body, 0, body.length);
        g.writeStringField("payload_encoding", "string");
      } else {
        g.writeBinary(body);
        g.writeStringField("payload_encoding", "base64");
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot render a publish as JSON", e);
    }
    return out.toByteArray();
  }

  private static boolean isUtf8(byte[] bytes) {
    boolean ascii = true;
    for (byte b : bytes) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return true; // the common case, checked without a decoder
    }
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
