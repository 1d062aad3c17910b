package io.weirmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weirmq.client.AckMode;
import io.weirmq.client.GetResponse;
import io.weirmq.client.WeirAdmin;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir get QUEUE}: takes messages and settles them as {@code --ackmode} says. */
@Command(name = "get", description = "Get messages from a queue (by default a peek: they are requeued).")
final class GetCommand extends AdminCommand {

  @Parameters(paramLabel = "QUEUE") String queue;

  @Option(names = {"-n", "--count"}, defaultValue = "1", paramLabel = "N", description = "At most N messages (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--ackmode", defaultValue = "ack_requeue_true", converter = AckModes.class, completionCandidates = AckModes.class,
      paramLabel = "MODE", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: a peek; ack_requeue_false takes them).")
  AckMode ackMode;

  @Option(names = "--json", description = "Print the messages as JSON.")
  boolean json;

  @Override
  int run(WeirAdmin admin) throws Exception {
    List<GetResponse> messages = admin.get(vhost(), queue, count, ackMode);
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ArrayNode array = mapper.createArrayNode();
      for (GetResponse m : messages) {
        ObjectNode o = array.addObject().put("payload_bytes", m.body().length).put("redelivered", m.redelivered())
            .put("exchange", m.exchange()).put("routing_key", m.routingKey()).put("message_count", m.messageCount());
        o.set("properties", mapper.valueToTree(m.properties()));
        String text = text(m.body());
        o.put("payload", text != null ? text : Base64.getEncoder().encodeToString(m.body()))
            .put("payload_encoding", text != null ? "string" : "base64");
      }
      out().println(mapper.writeValueAsString(array));
    } else if (messages.isEmpty()) {
      out().printf("queue '%s' is empty%n", queue);
    } else {
      Table table = new Table("routing_key", "exchange", "redelivered", "message_count", "payload_bytes", "payload");
      for (GetResponse m : messages) {
        String text = text(m.body());
        table.row(m.routingKey(), Values.exchange(m.exchange()), m.redelivered(), m.messageCount(), m.body().length,
            text != null ? text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
                : "base64:" + Base64.getEncoder().encodeToString(m.body()));
      }
      table.print(out());
    }
    out().flush();
    return WeirCli.OK;
  }

  /** The body as text when it is UTF-8 without control characters other than tab, CR and LF; else null. */
  static String text(byte[] body) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
      return s.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\r' && c != '\n') ? null : s;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Ack modes by their wire names. */
  static final class AckModes implements CommandLine.ITypeConverter<AckMode>, Iterable<String> {
    @Override
    public AckMode convert(String value) {
      try {
        return AckMode.fromWireName(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException("not an ack mode: '" + value + "'");
      }
    }

    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Arrays.stream(AckMode.values()).map(AckMode::wireName).iterator();
    }
  }
}
