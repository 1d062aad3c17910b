package io.weirmq.http;

import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.node.Envelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Renders the frames of one outgoing WebSocket message straight to UTF-8 JSON in one reused
 * buffer: a frame alone, or a batch (a JSON array). Deliveries, the bulk of what a consumer
 * receives, are written field by field with their body copied as bytes, never through a map or a
 * {@code String}: at thousands of messages a second, every copy of a body is garbage the node must
 * collect, and the collector's pauses are what a confirm's p99 latency is made of.
 *
 * <p>Not thread-safe: one per connection actor.
 */
final class WsRenderer {

  /** A delivery, queued as it came from the broker and rendered only when written. */
  record Deliver(int channel, Envelope envelope) {}

  /** Frames are written into this; its array is reused from one message to the next. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer(int size) {
      super(size);
    }

    void truncate(int size) {
      count = size;
    }

    ByteString slice(int from) {
      return ByteString.fromArray(buf, from, count - from);
    }

    /** Empties it, giving the array back when one huge message made it grow beyond {@code limit}. */
    void clear(int limit) {
      if (buf.length > limit) {
        buf = new byte[INITIAL_BUFFER];
      }
      count = 0;
    }
  }

  private static final int INITIAL_BUFFER = 64 * 1024;
  private static final int KEPT_BUFFER = 1024 * 1024;

  private final ObjectMapper mapper;
  private final long maxMessageBytes;
  private final Buffer buffer = new Buffer(INITIAL_BUFFER);
  private JsonGenerator generator;
  private int frames;

  WsRenderer(ObjectMapper mapper, long maxMessageBytes) {
    this.mapper = mapper;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Starts a message. */
  void begin() {
    buffer.clear(KEPT_BUFFER);
    buffer.write('[');
    frames = 0;
    try {
      generator = mapper.getFactory().createGenerator(buffer);
      generator.setRootValueSeparator(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Adds a frame (a {@link Deliver} or a map of fields) to the message, unless the message holds
   * frames already and this one would take it past max-message-bytes: then it is left out and
   * false is returned, so it can start the next message.
   */
  boolean add(Object frame) {
    int mark = buffer.size();
    try {
      if (frames > 0) {
        generator.flush();
        buffer.write(',');
      }
      if (frame instanceof Deliver d) {
        writeDeliver(d);
      } else {
        mapper.writeValue(generator, frame);
      }
      generator.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot render a frame as JSON", e);
    }
    if (frames > 0 && buffer.size() + 1 > maxMessageBytes) {
      buffer.truncate(mark);
      return false;
    }
    frames++;
    return true;
  }

  int frames() {
    return frames;
  }

  /** Ends the message: the frame alone, or the batch of them. */
  ByteString finish() {
    try {
      generator.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    generator = null;
    if (frames == 1) {
      return buffer.slice(1);
    }
    buffer.write(']');
    return buffer.slice(0);
  }

  private void writeDeliver(Deliver d) throws IOException {
    Envelope e = d.envelope();
    JsonGenerator g = generator;
    g.writeStartObject();
    g.writeStringField("method", "basic.deliver");
    g.writeNumberField("channel", d.channel());
    g.writeStringField("consumer_tag", e.consumerTag());
    g.writeNumberField("delivery_tag", e.deliveryTag());
    g.writeBooleanField("redelivered", e.redelivered());
    g.writeStringField("exchange", e.exchange());
    g.writeStringField("routing_key", e.routingKey());
    g.writeFieldName("properties");
    writeProperties(e.properties());
    writePayload(g, e.body());
    g.writeEndObject();
  }

  /** The properties field by field, as {@link MessageRoutes#properties} lists them, without a map per delivery. */
  private void writeProperties(MessageProperties p) throws IOException {
    JsonGenerator g = generator;
    g.writeStartObject();
    MessageRoutes.forEachProperty(p, g::writeObjectField);
    g.writeEndObject();
  }

  /**
   * The body as {@code payload}: its UTF-8 bytes copied straight in (escaped) when it is printable
   * text, as {@code "payload_encoding": "string"}; otherwise base64, as REST shows it.
   */
  static void writePayload(JsonGenerator g, byte[] body) throws IOException {
    g.writeFieldName("payload");
    if (MessageRoutes.printableAscii(body)) {
      g.writeUTF8String(body, 0, body.length);
      g.writeStringField("payload_encoding", "string");
      return;
    }
    String text = MessageRoutes.utf8(body);
    if (text != null) {
      g.writeString(text);
      g.writeStringField("payload_encoding", "string");
    } else {
      g.writeBinary(body);
      g.writeStringField("payload_encoding", "base64");
    }
  }
}
