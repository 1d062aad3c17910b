package io.weirmq.http;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Props;
import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.ws.BinaryMessage;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.server.Route;
import akka.stream.CompletionStrategy;
import akka.stream.Materializer;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.typed.javadsl.ActorSink;
import akka.stream.typed.javadsl.ActorSource;
import akka.util.ByteString;
import akka.util.ByteStringBuilder;
import io.weirmq.core.model.BrokerException;
import io.weirmq.http.WsConnection.Incoming;
import io.weirmq.http.WsConnection.Outgoing;
import io.weirmq.node.Broker;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /ws}: upgrades to the AMQP-like WebSocket protocol. Each socket gets a
 * {@link WsConnection} actor; its frames reach the actor one at a time (the next is read only once
 * the actor acknowledges, which is how it pushes back) and the actor's frames reach the socket one at
 * a time (it sends the next when the socket took the last).
 */
final class WebSocketRoutes extends ApiDirectives {

  private final WebSocketSettings wsSettings;
  private final WsConnections connections;
  private final boolean ssl;

  WebSocketRoutes(Broker broker, Json json, HttpSettings settings, WebSocketSettings wsSettings, Caller caller,
      WsConnections connections) {
    super(broker, json, settings, caller);
    this.wsSettings = wsSettings;
    this.connections = connections;
    this.ssl = broker.system().settings().config().getBoolean("weir.http.tls.enabled");
  }

  /** What a client may say about itself on the upgrade, as AMQP clients do in connection.start-ok. */
  static final List<String> CLIENT_PROPERTIES = List.of("connection_name", "product", "version", "platform");

  Route route() {
    return get(() -> parameterOptional("vhost", vhostParam -> parameterOptional("heartbeat", heartbeatParam ->
        parameterOptional("messages", messagesParam -> parameterMap(params -> extractRequest(request -> {
          String vhost = existingVhost(vhostParam.orElse("/"));
          // As AMQP's connection.open: the user needs some permissions on the vhost (403 otherwise).
          caller.access(topology(), vhost);
          WebSocketSettings connectionSettings = wsSettings.withHeartbeatAtMost(heartbeat(heartbeatParam));
          Map<String, String> clientProperties = clientProperties(params, wsSettings.clientPropertyMaxLength());
          Optional<RemoteAddress> peer = request.getAttribute(AttributeKeys.remoteAddress);
          String peerHost = peer.flatMap(RemoteAddress::getAddress).map(InetAddress::getHostAddress).orElse("unknown");
          int peerPort = peer.map(RemoteAddress::getPort).orElse(0);
          WsConnections.Opening opening = new WsConnections.Opening("ws-" + UUID.randomUUID(), vhost, caller.name(),
              peerHost, peerPort, ssl, clientProperties);
          return handleWebSocketMessages(connection(opening, connectionSettings, binary(messagesParam)));
        }))))));
  }

  private static Map<String, String> clientProperties(Map<String, String> params, int maxLength) {
    Map<String, String> properties = new LinkedHashMap<>();
    for (String name : CLIENT_PROPERTIES) {
      String value = params.get(name);
      if (value == null) {
        continue;
      }
      if (value.length() > maxLength) {
        throw BrokerException.invalid(name, "is longer than " + maxLength
            + " characters (weir.http.websocket.client-property-max-length)");
      }
      properties.put(name, value);
    }
    return properties;
  }

  /**
   * Whether the server sends binary WebSocket messages (the same JSON, in UTF-8) instead of text
   * ones: cheaper at both ends, as neither has to turn the bytes into characters.
   */
  private static boolean binary(Optional<String> messages) {
    return switch (messages.orElse("text")) {
      case "text" -> false;
      case "binary" -> true;
      default -> throw BrokerException.invalid("messages", "must be text or binary, got \"" + messages.get() + "\"");
    };
  }

  private static Duration heartbeat(Optional<String> seconds) {
    if (seconds.isEmpty()) {
      return Duration.ZERO;
    }
    try {
      double s = Double.parseDouble(seconds.get());
      if (s < 0 || Double.isNaN(s) || Double.isInfinite(s)) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis((long) (s * 1000));
    } catch (NumberFormatException e) {
      throw BrokerException.invalid("heartbeat", "must be a number of seconds, got \"" + seconds.get() + "\"");
    }
  }

  /** The socket's flow; the actor is made when the socket opens, so a refused upgrade leaves none behind. */
  private Flow<Message, Message, ?> connection(WsConnections.Opening opening, WebSocketSettings s, boolean binary) {
    return Flow.fromMaterializer((mat, attributes) -> {
      ActorRef<WsConnection.Command> actor = broker.system().systemActorOf(
          WsConnection.create(broker, json.mapper(), s, opening, connections), "weir-" + opening.id(),
          Props.empty());

      Sink<Message, NotUsed> in = Flow.<Message>create()
          .mapAsync(1, m -> strict(m, s, mat))
          .to(ActorSink.actorRefWithBackpressure(actor, WsConnection.Received::new, WsConnection.IncomingStarted::new,
              WsConnection.StreamAck.INSTANCE, new WsConnection.IncomingEnded(null), WsConnection.IncomingEnded::new));

      Source<Message, NotUsed> out = ActorSource.<Outgoing, WsConnection.Command>actorRefWithBackpressure(actor,
              WsConnection.OutgoingReady.INSTANCE,
              o -> o instanceof Outgoing.End ? Optional.of(CompletionStrategy.draining()) : Optional.empty(),
              o -> Optional.empty())
          .mapMaterializedValue(ref -> {
            actor.tell(new WsConnection.OutgoingAttached(ref));
            return NotUsed.getInstance();
          })
          .map(o -> {
            ByteString utf8 = ((Outgoing.Frame) o).utf8();
            return binary ? (Message) BinaryMessage.create(utf8) : TextMessage.create(utf8.utf8String());
          });

      // Coupled: when either side ends, so does the other, and the actor hears of it once.
      return Flow.fromSinkAndSourceCoupled(in, out);
    });
  }

  /**
   * A whole message, however the client fragmented it, up to weir.http.max-message-bytes; beyond
   * that the actor hears why and closes the connection. A binary message holds the same JSON as a
   * text one, in UTF-8: it is handed over as bytes, so nothing decodes it as text before Jackson.
   */
  private static CompletionStage<Incoming> strict(Message m, WebSocketSettings s, Materializer mat) {
    if (m.isText()) {
      TextMessage t = m.asTextMessage();
      if (t.isStrict()) {
        String text = t.getStrictText();
        long bytes = utf8Length(text);
        return CompletableFuture.completedFuture(bytes > s.maxMessageBytes()
            ? new Incoming.TooLarge(s.maxMessageBytes()) : new Incoming.Text(text, bytes));
      }
      long[] size = {0};
      StringBuilder sb = new StringBuilder();
      return t.getStreamedText()
          .completionTimeout(s.messageTimeout())
          .runForeach(part -> {
            size[0] += utf8Length(part);
            if (size[0] <= s.maxMessageBytes()) {
              sb.append(part);
            }
          }, mat)
          .thenApply(done -> size[0] > s.maxMessageBytes()
              ? (Incoming) new Incoming.TooLarge(s.maxMessageBytes()) : new Incoming.Text(sb.toString(), size[0]));
    }
    BinaryMessage b = m.asBinaryMessage();
    if (b.isStrict()) {
      ByteString data = b.getStrictData();
      return CompletableFuture.completedFuture(data.size() > s.maxMessageBytes()
          ? new Incoming.TooLarge(s.maxMessageBytes()) : new Incoming.Bytes(data.toArrayUnsafe()));
    }
    long[] size = {0};
    ByteStringBuilder bytes = ByteString.newBuilder();
    return b.getStreamedData()
        .completionTimeout(s.messageTimeout())
        .runForeach(part -> {
          size[0] += part.size();
          if (size[0] <= s.maxMessageBytes()) {
            bytes.append(part);
          }
        }, mat)
        .thenApply(done -> size[0] > s.maxMessageBytes()
            ? (Incoming) new Incoming.TooLarge(s.maxMessageBytes()) : new Incoming.Bytes(bytes.result().toArrayUnsafe()));
  }

  private static long utf8Length(String s) {
    return ByteString.fromString(s, StandardCharsets.UTF_8).size();
  }
}
