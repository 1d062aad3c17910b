package io.weirmq.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weirmq.core.model.BrokerException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One client frame of the WebSocket protocol: a JSON object whose {@code method} names what it
 * asks. Accessors refuse a missing or mistyped field with {@link Violation} (502, syntax error),
 * because a frame that does not parse as its method is a broken client, not a broker refusal.
 */
final class WsFrame {

  /** A protocol violation: the connection is closed with this AMQP-like code and reason. */
  static final class Violation extends RuntimeException {
    final int code;

    Violation(int code, String reason) {
      super(reason, null, false, false);
      this.code = code;
    }
  }

  static final int SYNTAX_ERROR = 502;
  static final int COMMAND_INVALID = 503;
  static final int CHANNEL_ERROR = 504;
  static final int PRECONDITION_FAILED = 406;
  static final int NOT_ALLOWED = 530;

  private static final Set<String> ENVELOPE = Set.of("method", "id", "channel");

  final ObjectNode node;
  final String method;

  private WsFrame(ObjectNode node, String method) {
    this.node = node;
    this.method = method;
  }

  /**
   * The frames of one WebSocket message: a frame object, or a batch (a non-empty JSON array of
   * frame objects, handled in order as if sent one by one).
   */
  static List<WsFrame> parse(ObjectMapper mapper, String text) {
    try (JsonParser p = mapper.createParser(text)) {
      return read(mapper, p);
    } catch (JsonProcessingException e) {
      throw new Violation(SYNTAX_ERROR, "frame: " + Json.describe(e).getMessage());
    } catch (java.io.IOException e) {
      throw new Violation(SYNTAX_ERROR, "frame: " + e.getMessage());
    }
  }

  /** {@link #parse(ObjectMapper, String)} of a binary message: the JSON in UTF-8. */
  static List<WsFrame> parse(ObjectMapper mapper, byte[] utf8) {
    try (JsonParser p = mapper.createParser(utf8)) {
      return read(mapper, p);
    } catch (JsonProcessingException e) {
      throw new Violation(SYNTAX_ERROR, "frame: " + Json.describe(e).getMessage());
    } catch (java.io.IOException e) {
      throw new Violation(SYNTAX_ERROR, "frame: not JSON in UTF-8: " + e.getMessage());
    }
  }

  /**
   * Reads the message with the streaming parser into the same tree {@code readTree} would build,
   * except for a frame's string {@code payload}: its characters go straight to UTF-8 bytes
   * ({@link Payload}), never through a {@code String}. Publishes are most of what clients send,
   * and building their payloads as strings, then encoding them, was the largest share of the
   * node's allocation at a fixed rate (docs/benchmarks.md).
   */
  private static List<WsFrame> read(ObjectMapper mapper, JsonParser p) throws java.io.IOException {
    JsonNodeFactory nodes = mapper.getNodeFactory();
    JsonToken t = p.nextToken();
    List<WsFrame> frames;
    if (t == JsonToken.START_ARRAY) {
      frames = new ArrayList<>();
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        frames.add(frame(value(nodes, p, t, true), frames.size() + 1));
      }
      if (frames.isEmpty()) {
        throw new Violation(SYNTAX_ERROR, "frame: a batch must hold at least one frame");
      }
    } else {
      frames = List.of(frame(t == null ? null : value(nodes, p, t, true), 0));
    }
    if (p.nextToken() != null) {
      throw new Violation(SYNTAX_ERROR, "frame: unexpected content after the JSON value at " + location(p));
    }
    return frames;
  }

  /** The value at token {@code t}; {@code frameLevel}: {@code t} starts a frame (or the message). */
  private static JsonNode value(JsonNodeFactory nodes, JsonParser p, JsonToken t, boolean frameLevel)
      throws java.io.IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectNode object = nodes.objectNode();
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          t = p.nextToken();
          object.set(name, frameLevel && t == JsonToken.VALUE_STRING && name.equals("payload")
              ? Payload.of(p) : value(nodes, p, t, false));
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = nodes.arrayNode();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          array.add(value(nodes, p, t, false));
        }
        return array;
      }
      case VALUE_STRING -> {
        return nodes.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> nodes.numberNode(p.getIntValue());
          case LONG -> nodes.numberNode(p.getLongValue());
          default -> nodes.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return nodes.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return nodes.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return nodes.booleanNode(false);
      }
      case VALUE_NULL -> {
        return nodes.nullNode();
      }
      default -> throw new Violation(SYNTAX_ERROR, "frame: unexpected " + t + " at " + location(p));
    }
  }

  private static String location(JsonParser p) {
    var at = p.currentLocation();
    return "line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  /**
   * A frame's string {@code payload}, held as its UTF-8 bytes (exactly {@code String.getBytes(UTF_8)}
   * of the string). Not textual: only {@link #payload()} reads it.
   */
  static final class Payload extends BinaryNode implements MessageRoutes.Payload {
    /** Every character is ASCII: the bytes are the characters, as base64 decoding reads them. */
    final boolean ascii;

    private Payload(byte[] utf8, boolean ascii) {
      super(utf8);
      this.ascii = ascii;
    }

    static Payload of(JsonParser p) throws java.io.IOException {
      char[] chars = p.getTextCharacters();
      int offset = p.getTextOffset();
      int length = p.getTextLength();
      byte[] bytes = new byte[length];
      for (int i = 0; i < length; i++) {
        char c = chars[offset + i];
        if (c >= 0x80) {
          return new Payload(new String(chars, offset, length).getBytes(StandardCharsets.UTF_8), false);
        }
        bytes[i] = (byte) c;
      }
      return new Payload(bytes, true);
    }

    @Override
    public byte[] utf8() {
      return binaryValue();
    }

    @Override
    public byte[] base64Decoded() {
      // Base64 reads a string's characters as bytes; only ASCII ones can be base64 at all.
      return ascii ? java.util.Base64.getDecoder().decode(binaryValue())
          : java.util.Base64.getDecoder().decode(new String(binaryValue(), StandardCharsets.UTF_8));
    }
  }

  /** {@code position}: the frame's place in its batch, from 1; 0 when it came alone. */
  private static WsFrame frame(JsonNode node, int position) {
    if (node == null || !node.isObject()) {
      String what = position == 0 ? "frame" : "frame " + position + " of the batch";
      throw new Violation(SYNTAX_ERROR, what + ": must be a JSON object (or, for a batch, an array of them)");
    }
    JsonNode method = node.get("method");
    if (method == null || !method.isTextual()) {
      throw new Violation(SYNTAX_ERROR, "method: must be present, a string such as \"basic.publish\"");
    }
    return new WsFrame((ObjectNode) node, method.asText());
  }

  /** The request id the client chose (any JSON scalar), echoed in the answer; null when absent. */
  JsonNode id() {
    return node.get("id");
  }

  /** Refuses fields this method does not know, so a typo does not silently change what happens. */
  WsFrame only(String... fields) {
    Set<String> allowed = Set.of(fields);
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name) && !ENVELOPE.contains(name)) {
        throw new Violation(SYNTAX_ERROR, name + ": unknown field for " + method);
      }
    }
    return this;
  }

  int channel() {
    JsonNode n = node.get("channel");
    if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > 65535) {
      throw new Violation(SYNTAX_ERROR, "channel: must be an integer between 1 and 65535 for " + method);
    }
    return n.asInt();
  }

  String text(String field) {
    JsonNode n = node.get(field);
    if (n == null || !n.isTextual()) {
      throw new Violation(SYNTAX_ERROR, field + ": must be present, a string");
    }
    return n.asText();
  }

  /** A string field that may be absent (null then, as JSON null is); any other type is refused. */
  String optionalText(String field) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new Violation(SYNTAX_ERROR, field + ": must be a string");
    }
    return n.textValue();
  }

  /** The string {@code payload} field as UTF-8 bytes ({@link Payload}); null when absent or JSON null. */
  Payload payload() {
    JsonNode n = node.get("payload");
    if (n == null || n.isNull()) {
      return null;
    }
    if (!(n instanceof Payload payload)) {
      throw new Violation(SYNTAX_ERROR, "payload: must be a string");
    }
    return payload;
  }

  /**
   * An object field read as a REST body type, by the same strict rules; null when absent. Reads
   * only that field's subtree, where {@link #as} copies the whole frame: a publish reads its
   * properties this way, so the payload is never copied.
   */
  <T> T optionalObject(ObjectMapper mapper, String field, Class<T> type) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new Violation(SYNTAX_ERROR, field + ": must be a JSON object");
    }
    try {
      return mapper.treeToValue(n, type);
    } catch (JsonProcessingException e) {
      BrokerException d = Json.describe(e);
      String path = d.field() == null || d.field().equals("body") ? field : field + "." + d.field();
      throw new Violation(SYNTAX_ERROR, path + ": " + d.reason());
    } catch (IllegalArgumentException e) {
      throw new Violation(SYNTAX_ERROR, field + ": " + e.getMessage());
    }
  }

  String text(String field, String fallback) {
    return node.has(field) ? text(field) : fallback;
  }

  boolean bool(String field, boolean fallback) {
    JsonNode n = node.get(field);
    if (n == null) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw new Violation(SYNTAX_ERROR, field + ": must be a boolean (true or false)");
    }
    return n.asBoolean();
  }

  long number(String field, long fallback) {
    JsonNode n = node.get(field);
    if (n == null) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new Violation(SYNTAX_ERROR, field + ": must be an integer");
    }
    return n.asLong();
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> arguments(ObjectMapper mapper) {
    JsonNode n = node.get("arguments");
    if (n == null || n.isNull()) {
      return Map.of();
    }
    if (!n.isObject()) {
      throw new Violation(SYNTAX_ERROR, "arguments: must be a JSON object");
    }
    return mapper.convertValue(n, Map.class);
  }

  /**
   * The frame's fields other than the envelope and {@code except}, read as a REST body type, so the
   * WebSocket frame and the REST request are checked by the same strict rules.
   */
  <T> T as(ObjectMapper mapper, Class<T> type, String... except) {
    ObjectNode copy = node.deepCopy();
    copy.remove(ENVELOPE);
    copy.remove(Set.of(except));
    try {
      return mapper.treeToValue(copy, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      String reason = e instanceof JsonProcessingException j ? Json.describe(j).getMessage() : e.getMessage();
      throw new Violation(SYNTAX_ERROR, reason);
    }
  }
}
