package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket connection to a WeirMQ broker, carrying {@link Channel}s, as RabbitMQ's {@code Connection}.
 * Thread-safe. Deliveries run on one dispatch thread per connection, in order; confirm and return
 * listeners run on the reader thread. A writer thread per socket sends frames in the order they were
 * given, those that queued up while it wrote the previous message together in one (a batch). With
 * automatic recovery an unexpected disconnect is followed by a reconnect, then channels, qos, confirm
 * mode, the exchanges, queues and bindings declared through this connection (not server-named queues)
 * and consumers are restored. Unacked deliveries of the lost socket are redelivered by the broker (acks
 * of their old tags are ignored); publishes not yet confirmed are nacked to the confirm listeners and
 * must be retried by the application. A {@code connection.close} from the broker, such as 320
 * CONNECTION_FORCED from a node that shuts down, is recovered like a lost socket (as RabbitMQ's client
 * does): only {@link #close()} ends a connection for good. With several addresses
 * ({@link ConnectionFactory#newConnection(Address...)}) recovery tries them in turn, the lost one last.
 */
public final class Connection implements AutoCloseable {

  /**
   * @param uris the brokers to try, in turn, when connecting and on each recovery
   * @param authorization the HTTP Basic {@code Authorization} header value sent with every upgrade
   * @param sslContext for {@code wss://}; null takes the JDK's default (its trust store)
   */
  record Settings(List<URI> uris, Duration connectTimeout, Duration rpcTimeout, boolean recovery,
      Duration recoveryInterval, int maxBatchFrames, int maxQueuedFrames, long maxQueuedBytes, String authorization,
      javax.net.ssl.SSLContext sslContext) {
    /** Never the credentials. */
    @Override
    public String toString() {
      return "Settings" + uris;
    }
  }

  // Lenient on input (a newer broker may add fields), and never sends a null field: the protocol is strict.
  static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private static final System.Logger LOG = System.getLogger(Connection.class.getName());
  private static final byte[] HEARTBEAT = "{\"method\":\"heartbeat\"}".getBytes(StandardCharsets.UTF_8);

  private final Settings settings;
  private final HttpClient http;
  private final ExecutorService dispatch;
  private final ScheduledExecutorService timer;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  final Map<Integer, Channel> channels = new ConcurrentHashMap<>();
  private final List<ShutdownListener> shutdownListeners = new CopyOnWriteArrayList<>();
  private final List<BlockedListener> blockedListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
  private final List<ShutdownListener> recoveryStartedListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean recovering = new AtomicBoolean();
  private final AtomicBoolean finished = new AtomicBoolean();

  // Topology declared through this connection, replayed on recovery (frames without id and channel).
  private final Map<String, ObjectNode> exchanges = new LinkedHashMap<>();
  private final Map<String, ObjectNode> queues = new LinkedHashMap<>();
  private final Set<ObjectNode> bindings = new LinkedHashSet<>();
  private final Set<String> serverNamedQueues = ConcurrentHashMap.newKeySet();

  private volatile Session session;
  /** Index in {@code settings.uris} of the broker of the current (or last) session. */
  private volatile int current;
  private volatile boolean closing;
  private volatile ShutdownSignalException closeReason;

  private Connection(Settings settings) {
    this.settings = settings;
    HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout);
    if (settings.sslContext != null) {
      http.sslContext(settings.sslContext);
    }
    this.http = http.build();
    this.dispatch = Executors.newSingleThreadExecutor(daemon("weir-dispatch"));
    // Two threads: recovery waits for replies and must not hold up heartbeats.
    this.timer = Executors.newScheduledThreadPool(2, daemon("weir-timer"));
  }

  static Connection open(Settings settings) {
    Connection c = new Connection(settings);
    try {
      c.session = c.connect(0);
      return c;
    } catch (RuntimeException e) {
      c.dispatch.shutdownNow();
      c.timer.shutdownNow();
      throw e;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------- public API

  /** The broker this connection is (or was last) connected to. */
  public URI uri() {
    return settings.uris.get(current);
  }

  /** Opens a new channel with the lowest free number. */
  public Channel createChannel() {
    Channel ch = register();
    try {
      ch.open();
      return ch;
    } catch (RuntimeException e) {
      channels.remove(ch.getChannelNumber());
      throw e;
    }
  }

  public boolean isOpen() {
    return !finished.get() && !closing;
  }

  /** The heartbeat interval the broker granted, in seconds (rounded up). */
  public int getHeartbeat() {
    return (int) ((session.heartbeatMs + 999) / 1000);
  }

  /** Why the connection ended; null while it is open. */
  public ShutdownSignalException getCloseReason() {
    return closeReason;
  }

  /** Told when the connection ends for good; at once if it already has. */
  public void addShutdownListener(ShutdownListener listener) {
    shutdownListeners.add(listener);
    ShutdownSignalException reason = closeReason;
    if (reason != null && shutdownListeners.remove(listener)) {
      listener.shutdownCompleted(reason);
    }
  }

  /** Told when a broker resource alarm blocks or unblocks this connection's publishes. */
  public void addBlockedListener(BlockedListener listener) {
    blockedListeners.add(listener);
  }

  public boolean removeBlockedListener(BlockedListener listener) {
    return blockedListeners.remove(listener);
  }

  /**
   * Told why, each time automatic recovery starts: the socket was lost (code 0) or the broker closed
   * the connection (its code and reason, such as 320 from a node shutting down). Runs on the thread
   * that noticed, before the first reconnection attempt.
   */
  public void addRecoveryStartedListener(ShutdownListener listener) {
    recoveryStartedListeners.add(listener);
  }

  /** Run on the recovery thread each time automatic recovery has restored the connection. */
  public void addRecoveryListener(Runnable listener) {
    recoveryListeners.add(listener);
  }

  /** Closes every channel and the connection (code 200); deliveries already received still run. */
  @Override
  public void close() {
    if (closing || finished.get()) {
      return;
    }
    closing = true;
    Session s = session;
    try {
      if (!s.dead.get()) {
        rpc(s, JSON.createObjectNode().put("method", "connection.close").put("code", 200).put("reason", "bye"));
        s.closed.get(settings.connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "close of " + uri() + " did not complete cleanly", e);
    } finally {
      s.ws.abort();
      finish(new ShutdownSignalException(true, 200, "bye", null));
    }
  }

  /** Drops the socket without a close handshake, as a network failure would: for tests of recovery. */
  void abortSocketForTest() {
    session.ws.abort();
    disconnected(session, new java.io.IOException("socket aborted by test"));
  }

  /** Drops the socket without telling the connection, as a network failure that only a write notices. */
  void abortSocketSilentlyForTest() {
    session.ws.abort();
  }

  /** Handles {@code message} as if the broker had sent it: for tests of frames the broker does not send yet. */
  void receiveForTest(String message) {
    byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
    received(session, utf8, utf8.length);
  }

  /** WebSocket messages sent on the current socket, for tests of batching. */
  long messagesSentForTest() {
    return session.writer.messagesSent();
  }

  /** Frames sent on the current socket (more than messages when some went in batches). */
  long framesSentForTest() {
    return session.writer.framesSent();
  }

  /** Frames waiting for the current socket. */
  int queuedFramesForTest() {
    return session.writer.queuedFrames();
  }

  // ---------------------------------------------------------------- frames

  Channel register() {
    synchronized (channels) {
      int max = session.channelMax;
      if (channels.size() >= max) {
        // The broker would close the whole connection (530): refuse this one channel instead.
        throw new WeirClientException(530, "not_allowed", "this connection already has " + channels.size()
            + " channels open, the broker's channel_max");
      }
      for (int n = 1; n <= 65535; n++) {
        if (!channels.containsKey(n)) {
          Channel ch = new Channel(this, n);
          channels.put(n, ch);
          return ch;
        }
      }
    }
    throw new IllegalStateException("all 65535 channels are in use");
  }

  ExecutorService dispatcher() {
    return dispatch;
  }

  /** Sends a frame that has no reply. */
  void send(ObjectNode frame) {
    send(liveSession(), frame);
  }

  /** Sends a frame already rendered as UTF-8 JSON (a publish), that has no reply. */
  void send(byte[] utf8, String method) {
    send(liveSession(), utf8, method);
  }

  /** Sends a request and answers its {@code -ok} (or {@code basic.get-empty}) frame; an {@code error} frame throws. */
  JsonNode rpc(ObjectNode frame) {
    return rpc(liveSession(), frame);
  }

  private JsonNode rpc(Session s, ObjectNode frame) {
    long id = ids.incrementAndGet();
    frame.put("id", id);
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    JsonNode answer;
    try {
      send(s, frame);
      if (s.dead.get()) {
        throw lost(s);
      }
      answer = reply.get(settings.rpcTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new WeirConnectionException(frame.path("method").asText() + ": no reply within " + settings.rpcTimeout, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof WeirClientException w ? w
          : new WeirConnectionException(frame.path("method").asText() + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WeirConnectionException("interrupted while waiting for " + frame.path("method").asText(), e);
    } finally {
      pending.remove(id);
    }
    if ("error".equals(answer.path("method").asText())) {
      throw new WeirClientException(answer.path("code").asInt(), answer.path("error").asText(),
          answer.path("reason").asText());
    }
    return answer;
  }

  /**
   * Queues a frame for the socket's writer, in call order; waits only while its queue is over its bounds.
   * A write that fails later is the connection's loss (recovery, or the end), not this caller's error.
   */
  private void send(Session s, ObjectNode frame) {
    byte[] utf8;
    try {
      utf8 = JSON.writeValueAsBytes(frame);
    } catch (IOException e) {
      throw new IllegalStateException("cannot render a frame as JSON", e);
    }
    send(s, utf8, frame.path("method").asText());
  }

  private void send(Session s, byte[] utf8, String method) {
    boolean queued;
    try {
      queued = s.writer.send(utf8, settings.rpcTimeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WeirConnectionException("interrupted while sending " + method, e);
    } catch (TimeoutException e) {
      throw new WeirConnectionException("cannot send " + method + ": " + e.getMessage(), e);
    }
    if (!queued) {
      throw lost(s);
    }
  }

  /** A write failed: the socket is no use any more, so it is lost as if the network had dropped it. */
  private void writeFailed(Session s, Throwable failure) {
    LOG.log(System.Logger.Level.DEBUG, "write to " + uri() + " failed", failure);
    s.ws.abort();
    disconnected(s, failure);
  }

  private Session liveSession() {
    if (finished.get()) {
      throw new WeirConnectionException("connection is closed: " + closeReason.getMessage(), closeReason);
    }
    return session;
  }

  private WeirConnectionException lost(Session s) {
    JsonNode close = s.serverClose;
    return close != null
        ? new ShutdownSignalException(false, close.path("code").asInt(), close.path("reason").asText(), null)
        : new WeirConnectionException("connection to " + uri() + " lost", s.failure);
  }

  /** One WebSocket message: a frame, or a batch of them handled in order as if each had come alone. */
  /** A WebSocket message from the server: one frame, or a batch of them; UTF-8 JSON. */
  private void received(Session s, byte[] utf8, int length) {
    JsonNode message;
    try {
      message = JSON.readTree(utf8, 0, length);
    } catch (IOException | RuntimeException e) {
      // The message is not logged: it may hold message bodies.
      LOG.log(System.Logger.Level.WARNING, "cannot parse a message of " + length + " bytes from " + uri(), e);
      return;
    }
    if (message.isArray()) {
      for (JsonNode frame : message) {
        handleOne(s, frame);
      }
    } else {
      handleOne(s, message);
    }
  }

  private void handleOne(Session s, JsonNode frame) {
    try {
      handle(s, frame);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot handle " + describe(frame) + " from " + uri(), e);
    }
  }

  private void blocked(boolean blocked, String reason) {
    for (BlockedListener l : blockedListeners) {
      try {
        if (blocked) {
          l.handleBlocked(reason);
        } else {
          l.handleUnblocked();
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "blocked listener failed", e);
      }
    }
  }

  /**
   * A frame as logs may show it: its method, channel and request id, never its fields, which may
   * hold a message's body, headers or a user's credentials.
   */
  static String describe(JsonNode frame) {
    StringBuilder b = new StringBuilder("frame ").append(frame.path("method").asText("(no method)"));
    if (frame.has("channel")) {
      b.append(" on channel ").append(frame.path("channel").asText());
    }
    if (frame.has("id")) {
      b.append(" (id ").append(frame.path("id").asText()).append(')');
    }
    return b.toString();
  }

  private void handle(Session s, JsonNode f) {
    s.lastReceived = System.nanoTime();
    String method = f.path("method").asText();
    switch (method) {
      case "connection.start" -> s.start.complete(f);
      case "heartbeat" -> { }
      case "connection.close" -> s.serverClose = f;
      case "connection.blocked", "connection.unblocked" -> blocked(method.equals("connection.blocked"),
          f.path("reason").asText());
      default -> {
        CompletableFuture<JsonNode> waiter = f.has("id") ? pending.remove(f.get("id").asLong()) : null;
        if (waiter != null) {
          waiter.complete(f);
        } else if (f.has("channel") && channels.get(f.get("channel").asInt()) != null) {
          channels.get(f.get("channel").asInt()).handle(method, f);
        } else {
          LOG.log(System.Logger.Level.DEBUG, "unexpected " + describe(f) + " from " + uri());
        }
      }
    }
  }

  // ---------------------------------------------------------------- sessions, heartbeats, recovery

  /**
   * Connects to the first broker that answers, trying each address once starting with
   * {@code first}. A broker that refuses the vhost (404) ends the attempt: the others would too.
   */
  private Session connect(int first) {
    WeirConnectionException last = null;
    int n = settings.uris.size();
    for (int i = 0; i < n; i++) {
      int index = (first + i) % n;
      try {
        Session s = connectTo(settings.uris.get(index));
        current = index;
        return s;
      } catch (WeirConnectionException e) {
        last = e;
        if (n > 1) {
          LOG.log(System.Logger.Level.DEBUG, e.getMessage());
        }
      }
    }
    if (n > 1) {
      throw new WeirConnectionException("cannot connect to any of " + settings.uris + "; last: " + last.getMessage(),
          last);
    }
    throw last;
  }

  private Session connectTo(URI uri) {
    Session s = new Session();
    long timeoutMs = settings.connectTimeout.toMillis();
    try {
      s.ws = http.newWebSocketBuilder().connectTimeout(settings.connectTimeout)
          .header("Authorization", settings.authorization).buildAsync(uri, s)
          .get(timeoutMs, TimeUnit.MILLISECONDS);
      JsonNode start = s.start.get(timeoutMs, TimeUnit.MILLISECONDS);
      s.heartbeatMs = start.path("heartbeat_ms").asLong();
      s.channelMax = start.path("channel_max").asInt(65535);
      // A broker that names no limit takes messages of any size: only the frame count bounds a batch then.
      long maxMessageBytes = start.path("max_message_bytes").asLong(Long.MAX_VALUE);
      s.writer = new FrameWriter(s.ws, new FrameWriter.Limits(settings.maxBatchFrames, maxMessageBytes,
          settings.maxQueuedFrames, settings.maxQueuedBytes), failure -> writeFailed(s, failure), "weir-writer");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        int status = h.getResponse().statusCode();
        String error = switch (status) {
          case 401 -> "not_authorized";
          case 403 -> "access_refused";
          case 404 -> "not_found";
          default -> "http_" + status;
        };
        String why = switch (status) {
          case 401 -> " (login failed: check the user name and password, and that the user may log in from here)";
          case 403 -> " (the user has no permissions on the vhost)";
          default -> "";
        };
        throw new WeirClientException(status, error,
            "uri: " + uri + " refused the WebSocket upgrade with HTTP " + status + why);
      }
      throw new WeirConnectionException("cannot connect to " + uri + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      if (s.ws != null) {
        s.ws.abort();
      }
      throw new WeirConnectionException("cannot connect to " + uri + ": timed out after "
          + settings.connectTimeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WeirConnectionException("interrupted while connecting to " + uri, e);
    }
    if (s.heartbeatMs > 0) {
      long tick = Math.max(1, s.heartbeatMs / 4);
      try {
        s.heartbeats = timer.scheduleAtFixedRate(() -> heartbeat(s), tick, tick, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
        s.writer.close(); // its thread would otherwise wait for frames forever
        s.ws.abort();
        throw new WeirConnectionException("connection to " + uri + " was closed while connecting", closedMeanwhile);
      }
    }
    return s;
  }

  private void heartbeat(Session s) {
    long now = System.nanoTime();
    long hb = TimeUnit.MILLISECONDS.toNanos(s.heartbeatMs);
    if (now - s.lastReceived > 2 * hb) {
      s.ws.abort();
      disconnected(s, new TimeoutException("missed heartbeats: nothing from the broker for two intervals"));
    } else if (now - s.writer.lastSent() >= hb / 2) {
      // Only on an idle socket: a frame queued or being written is a sign of life already.
      s.writer.sendIfIdle(HEARTBEAT);
    }
  }

  private void disconnected(Session s, Throwable failure) {
    if (!s.dead.compareAndSet(false, true)) {
      return;
    }
    s.failure = failure;
    s.closed.complete(null);
    if (s.writer != null) {
      s.writer.close(); // releases callers waiting for room; what was queued is lost with the socket
    }
    if (s.heartbeats != null) {
      s.heartbeats.cancel(false);
    }
    WeirConnectionException lost = lost(s);
    for (Long id : new ArrayList<>(pending.keySet())) {
      CompletableFuture<JsonNode> waiter = pending.remove(id);
      if (waiter != null) {
        waiter.completeExceptionally(lost);
      }
    }
    if (s != session || finished.get()) {
      return;
    }
    JsonNode close = s.serverClose;
    ShutdownSignalException signal = closing ? new ShutdownSignalException(true, 200, "bye", null)
        : close != null ? new ShutdownSignalException(false, close.path("code").asInt(), close.path("reason").asText(), failure)
        : new ShutdownSignalException(false, 0, "socket closed: " + (failure == null ? "by the broker" : failure), failure);
    if (closing || !settings.recovery) {
      finish(signal);
      return;
    }
    for (Channel ch : channels.values()) {
      ch.connectionLost();
    }
    if (recovering.compareAndSet(false, true)) {
      for (ShutdownListener listener : recoveryStartedListeners) {
        try {
          listener.shutdownCompleted(signal);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "recovery-started listener failed", e);
        }
      }
      LOG.log(System.Logger.Level.INFO, "connection to " + uri() + " lost (" + signal.getMessage()
          + "); recovering in " + settings.recoveryInterval);
      scheduleRecovery();
    }
  }

  private void scheduleRecovery() {
    try {
      timer.schedule(this::recover, settings.recoveryInterval.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
      // close() ran: nothing to recover
    }
  }

  private void recover() {
    if (closing || finished.get()) {
      return;
    }
    try {
      // The broker that was lost is tried last: it is shutting down or gone.
      Session s = connect(current + 1);
      session = s;
      for (Channel ch : channels.values()) {
        ch.reopen();
      }
      recoverTopology();
      for (Channel ch : channels.values()) {
        ch.recoverConsumers();
      }
      recovering.set(false);
      LOG.log(System.Logger.Level.INFO, "connection to " + uri() + " recovered");
      for (Runnable listener : recoveryListeners) {
        listener.run();
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.INFO, "recovery of " + uri() + " failed, retrying in "
          + settings.recoveryInterval + ": " + e);
      Session s = session;
      if (s != null && !s.dead.get()) {
        s.ws.abort();
        s.dead.set(true);
        if (s.writer != null) {
          s.writer.close();
        }
      }
      scheduleRecovery();
    }
  }

  private void recoverTopology() {
    List<ObjectNode> frames = new ArrayList<>();
    synchronized (exchanges) {
      frames.addAll(exchanges.values());
      frames.addAll(queues.values());
      frames.addAll(bindings);
    }
    if (frames.isEmpty()) {
      return;
    }
    Channel tmp = register();
    try {
      tmp.open();
      for (ObjectNode f : frames) {
        tmp.rpcRecovering(f.deepCopy());
      }
      tmp.close();
    } finally {
      channels.remove(tmp.getChannelNumber());
    }
  }

  private void finish(ShutdownSignalException signal) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    closeReason = signal;
    Session s = session;
    if (s != null && s.writer != null) {
      s.writer.close(); // ends its thread, even if the socket never told us it closed
    }
    for (Channel ch : channels.values()) {
      ch.markClosed();
    }
    channels.clear();
    dispatch.shutdown();
    timer.shutdownNow();
    for (ShutdownListener listener : shutdownListeners) {
      try {
        listener.shutdownCompleted(signal);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "shutdown listener failed", e);
      }
    }
  }

  // ---------------------------------------------------------------- topology recording

  private static ObjectNode recorded(ObjectNode frame) {
    ObjectNode copy = frame.deepCopy();
    copy.remove("id");
    copy.remove("channel");
    return copy;
  }

  void recordExchange(ObjectNode frame) {
    synchronized (exchanges) {
      exchanges.put(frame.path("name").asText(), recorded(frame));
    }
  }

  void recordQueue(ObjectNode frame, String name) {
    if (frame.path("name").asText().isEmpty()) {
      serverNamedQueues.add(name); // a new connection could not have it back under this name
      return;
    }
    synchronized (exchanges) {
      queues.put(name, recorded(frame));
    }
  }

  void recordBinding(ObjectNode frame, boolean bind) {
    if (serverNamedQueues.contains(frame.path("queue").asText())) {
      return;
    }
    ObjectNode b = recorded(frame);
    synchronized (exchanges) {
      if (bind) {
        bindings.add(b);
      } else {
        b.put("method", b.path("method").asText().replace(".unbind", ".bind"));
        bindings.remove(b);
      }
    }
  }

  void forgetExchange(String name) {
    synchronized (exchanges) {
      exchanges.remove(name);
      bindings.removeIf(b -> name.equals(b.path("exchange").asText()) || name.equals(b.path("source").asText())
          || name.equals(b.path("destination").asText()));
    }
  }

  void forgetQueue(String name) {
    serverNamedQueues.remove(name);
    synchronized (exchanges) {
      queues.remove(name);
      bindings.removeIf(b -> name.equals(b.path("queue").asText()));
    }
  }

  /** One socket: the connection has a new one after each recovery. */
  private final class Session implements WebSocket.Listener {
    final CompletableFuture<JsonNode> start = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    final AtomicBoolean dead = new AtomicBoolean();
    /** A message arriving in parts: text or binary, never both at once. */
    private final StringBuilder partialText = new StringBuilder();
    private final Bytes partialBytes = new Bytes();
    volatile WebSocket ws;
    volatile FrameWriter writer;
    volatile long heartbeatMs;
    volatile int channelMax = 65535;
    volatile long lastReceived = System.nanoTime();
    volatile JsonNode serverClose;
    volatile Throwable failure;
    volatile ScheduledFuture<?> heartbeats;

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partialText.append(data);
      if (last) {
        byte[] utf8 = partialText.toString().getBytes(StandardCharsets.UTF_8);
        partialText.setLength(0);
        received(this, utf8, utf8.length);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      partialBytes.append(data);
      if (last) {
        received(this, partialBytes.array(), partialBytes.size());
        partialBytes.clear();
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      disconnected(this, null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      start.completeExceptionally(error);
      disconnected(this, error);
    }
  }

  /** The parts of one binary message; the array is reused for the next (it is read before then). */
  private static final class Bytes extends ByteArrayOutputStream {
    private static final int KEPT = 1024 * 1024;

    void append(ByteBuffer data) {
      if (data.hasArray()) {
        write(data.array(), data.arrayOffset() + data.position(), data.remaining());
      } else {
        byte[] copy = new byte[data.remaining()];
        data.get(copy);
        write(copy, 0, copy.length);
      }
    }

    byte[] array() {
      return buf;
    }

    void clear() {
      if (buf.length > KEPT) {
        buf = new byte[32 * 1024];
      }
      count = 0;
    }
  }
}
