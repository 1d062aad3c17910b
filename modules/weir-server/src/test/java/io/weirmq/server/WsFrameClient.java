package io.weirmq.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal client of WeirMQ's WebSocket protocol (docs/protocol.md) for tests of the server process:
 * JSON frames out, the server's frames (heartbeats skipped) in order, and the socket's end.
 * Self-contained, as a user's program would be (weir-http's WsTestClient is not visible here).
 */
final class WsFrameClient implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();

  private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  /** Completes when the socket ends, however it ends. */
  final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final WebSocket socket;

  WsFrameClient(URI uri) {
    WebSocket.Listener listener = new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          try {
            JsonNode message = JSON.readTree(partial.toString());
            // A batch (docs/protocol.md, "Batches") is its frames in order.
            for (JsonNode f : message.isArray() ? message : List.of(message)) {
              if (!f.path("method").asText().equals("heartbeat")) {
                frames.add(f);
              }
            }
          } catch (Exception e) {
            ended.completeExceptionally(e);
          }
          partial.setLength(0);
        }
        ws.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        ended.complete(null);
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        ended.complete(null);
      }
    };
    socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT)
        // The default user, from loopback.
        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("guest:guest".getBytes(
            java.nio.charset.StandardCharsets.UTF_8)))
        .buildAsync(uri, listener)
        .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    expect("connection.start");
  }

  static ObjectNode frame(String method, int channel, Object... fields) {
    ObjectNode f = JSON.createObjectNode().put("method", method);
    if (channel > 0) {
      f.put("channel", channel);
    }
    for (int i = 0; i < fields.length; i += 2) {
      f.set((String) fields[i], JSON.valueToTree(fields[i + 1]));
    }
    return f;
  }

  /** Sends a frame; fails if the socket is gone. */
  void send(ObjectNode frame) {
    socket.sendText(frame.toString(), true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  /** Sends a request and answers its reply, which must be {@code <method>-ok}. */
  JsonNode ok(String method, int channel, Object... fields) {
    int id = ids.incrementAndGet();
    send(frame(method, channel, fields).put("id", id));
    JsonNode reply = next(WAIT);
    if (reply == null || reply.path("id").asInt() != id || !reply.path("method").asText().equals(method + "-ok")) {
      throw new AssertionError("reply to " + method + ": " + reply);
    }
    return reply;
  }

  JsonNode expect(String method) {
    JsonNode f = next(WAIT);
    if (f == null || !f.path("method").asText().equals(method)) {
      throw new AssertionError("expected " + method + ", got " + f);
    }
    return f;
  }

  /** The next frame (not a heartbeat), or null after {@code wait}. */
  JsonNode next(Duration wait) {
    try {
      return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    socket.abort();
  }
}
