package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small JSON frame client over the JDK's WebSocket, as a user's program would talk to {@code /ws}:
 * it sends frames and hands back the server's frames in order (heartbeats skipped unless asked for).
 */
final class WsTestClient implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  /** WebSocket messages received; fewer than frames when the server batched some. */
  final AtomicInteger messagesReceived = new AtomicInteger();
  /** Of those, the binary ones (the server sends binary when asked with {@code ?messages=binary}). */
  final AtomicInteger binaryMessagesReceived = new AtomicInteger();
  /** The WebSocket close status the server sent, once the socket closed. */
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final AtomicInteger ids = new AtomicInteger();
  /** While set, the client stops pulling frames off the socket, as a stuck consumer would (TCP backpressure). */
  private final Object demand = new Object();
  private boolean paused;
  /** A frame was taken while paused, so the next one is requested on {@link #resume}. */
  private boolean owed;
  /** The JDK allows one send at a time: asynchronous sends are chained. */
  private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
  private final WebSocket socket;
  final JsonNode start;

  private WsTestClient(URI uri, String authorization) {
    WebSocket.Listener listener = new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();
      private final java.io.ByteArrayOutputStream partialBytes = new java.io.ByteArrayOutputStream();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        boolean more = wantsMore(last);
        if (last) {
          received(partial.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          partial.setLength(0);
        }
        if (more) {
          ws.request(1);
        }
        return null;
      }

      @Override
      public CompletionStage<?> onBinary(WebSocket ws, java.nio.ByteBuffer data, boolean last) {
        byte[] part = new byte[data.remaining()];
        data.get(part);
        partialBytes.writeBytes(part);
        boolean more = wantsMore(last);
        if (last) {
          binaryMessagesReceived.incrementAndGet();
          received(partialBytes.toByteArray());
          partialBytes.reset();
        }
        if (more) {
          ws.request(1);
        }
        return null;
      }

      private void received(byte[] utf8) {
        try {
          JsonNode message = JSON.readTree(utf8);
          messagesReceived.incrementAndGet();
          // A batch is its frames in order (docs/protocol.md, "Batches").
          if (message.isArray()) {
            message.forEach(frames::add);
          } else {
            frames.add(message);
          }
        } catch (Exception e) {
          closed.completeExceptionally(e);
        }
      }

      /**
       * Whether to read on after this part. Decided before the message's frames are handed to the
       * test: a test that sees a reply and then pauses must still get the message already asked for
       * (its next reply). Deciding after handing them over raced with that pause, and the reply
       * then never came (WsFlowControlTest waited 15 s for a basic.consume-ok in one CI run).
       */
      private boolean wantsMore(boolean last) {
        synchronized (demand) {
          // Pause between messages only: a big message (a batch) may come in parts, and a client
          // that stopped in the middle of one would never see the frames it already holds.
          if (paused && last) {
            owed = true;
            return false;
          }
          return true;
        }
      }

      @Override
      public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        closed.complete(-1);
      }
    };
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT);
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    this.socket = builder.buildAsync(uri, listener).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    this.start = next();
    assertThat(start.get("method").asText()).isEqualTo("connection.start");
  }

  static WsTestClient connect(HttpTestServer server) {
    return connect(server, "");
  }

  static WsTestClient connect(HttpTestServer server, String query) {
    return connect(server, query, HttpTestServer.GUEST);
  }

  /** Logs in with {@code authorization} (an HTTP Authorization header value). */
  static WsTestClient connect(HttpTestServer server, String query, String authorization) {
    return new WsTestClient(URI.create(server.base.toString().replace("http:", "ws:") + "/ws" + query), authorization);
  }

  /** Sends frames as one batch (a JSON array in one WebSocket message). */
  void sendBatch(ObjectNode... batch) {
    sendText(JSON.createArrayNode().addAll(java.util.List.of(batch)).toString());
  }

  /** Sends raw bytes in a binary message. */
  void sendBinary(byte[] bytes) {
    socket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  /** Sends raw text, which need not be JSON. */
  void sendText(String text) {
    socket.sendText(text, true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  /** Sends raw text once the sends before it went out, without waiting: the server may not be reading. */
  synchronized CompletableFuture<?> sendTextAsync(String text) {
    sending = sending.thenCompose(v -> socket.sendText(text, true));
    return sending;
  }

  /** Stops reading the socket after the frame being read now; frames already read stay available. */
  void pause() {
    synchronized (demand) {
      paused = true;
    }
  }

  /** Reads the socket again. */
  void resume() {
    boolean request;
    synchronized (demand) {
      paused = false;
      request = owed;
      owed = false;
    }
    if (request) {
      socket.request(1);
    }
  }

  /** Sends {@code method} on {@code channel} with alternating field names and values. */
  void send(String method, int channel, Object... fields) {
    sendText(frame(method, channel, fields).toString());
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

  /** Sends a request with a fresh id and answers the server's reply to it (an ok or an error frame). */
  JsonNode call(String method, int channel, Object... fields) {
    int id = ids.incrementAndGet();
    ObjectNode f = frame(method, channel, fields).put("id", id);
    sendText(f.toString());
    JsonNode reply = next();
    assertThat(reply.path("id").asInt()).as("reply to %s: %s", f, reply).isEqualTo(id);
    return reply;
  }

  /** Like {@link #call} but the reply must be {@code <method>-ok}. */
  JsonNode ok(String method, int channel, Object... fields) {
    JsonNode reply = call(method, channel, fields);
    assertThat(reply.get("method").asText()).as("%s", reply).isEqualTo(method + "-ok");
    return reply;
  }

  /** Opens a channel. */
  void openChannel(int channel) {
    ok("channel.open", channel);
  }

  /** The next frame other than a heartbeat; fails after {@link #WAIT}. */
  JsonNode next() {
    JsonNode f = poll(WAIT);
    assertThat(f).as("a frame within %s", WAIT).isNotNull();
    return f;
  }

  /** The next frame other than a heartbeat, or null when none comes within {@code wait}. */
  JsonNode poll(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      while (true) {
        JsonNode f = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (f == null || !f.path("method").asText().equals("heartbeat")) {
          return f;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next frame, which must be {@code method}. */
  JsonNode expect(String method) {
    JsonNode f = next();
    assertThat(f.get("method").asText()).as("%s", f).isEqualTo(method);
    return f;
  }

  /** Waits for the server to close the socket; answers the connection.close frame it sent before. */
  JsonNode expectClosedBy(int code) {
    JsonNode close = expect("connection.close");
    assertThat(close.get("code").asInt()).as("%s", close).isEqualTo(code);
    closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    return close;
  }

  /** Heartbeats included: everything the server sent, for tests of heartbeats. */
  JsonNode pollRaw(Duration wait) throws InterruptedException {
    return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Drops the TCP connection without a close handshake, as a crashed client would. */
  void abort() {
    socket.abort();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
    socket.abort();
  }
}
