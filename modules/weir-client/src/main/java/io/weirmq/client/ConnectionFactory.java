package io.weirmq.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Opens WebSocket {@link Connection}s to a WeirMQ broker, configured like RabbitMQ's {@code ConnectionFactory}.
 *
 * <pre>{@code
 * ConnectionFactory factory = new ConnectionFactory();
 * factory.setUri("ws://127.0.0.1:15672/ws");
 * try (Connection connection = factory.newConnection()) { ... }
 * }</pre>
 */
public final class ConnectionFactory {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 15672;
  /** The same as the broker's cap on the frames it puts in one message ({@code weir.http.websocket.max-batch-frames}). */
  public static final int DEFAULT_MAX_BATCH_FRAMES = 256;
  public static final int DEFAULT_MAX_QUEUED_FRAMES = 1024;
  public static final long DEFAULT_MAX_QUEUED_BYTES = 4L * 1024 * 1024;

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private String vhost = WeirAdmin.DEFAULT_VHOST;
  private String username = WeirAdmin.DEFAULT_USER;
  private String password = WeirAdmin.DEFAULT_PASSWORD;
  private javax.net.ssl.SSLContext sslContext;
  private boolean secure;
  private int requestedHeartbeat;
  private Duration connectionTimeout = Duration.ofSeconds(10);
  private Duration channelRpcTimeout = Duration.ofSeconds(60);
  private boolean automaticRecovery;
  private Duration networkRecoveryInterval = Duration.ofSeconds(5);
  private int maxBatchFrames = DEFAULT_MAX_BATCH_FRAMES;
  private int maxQueuedFrames = DEFAULT_MAX_QUEUED_FRAMES;
  private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;

  /**
   * {@code ws://user:password@host:port/ws?vhost=...}; {@code http(s)} is taken as {@code ws(s)}, the path is always
   * {@code /ws}. User and password (percent-encoded) are optional, as in RabbitMQ's {@code amqp://} URIs.
   */
  public ConnectionFactory setUri(String uri) {
    URI u = URI.create(uri);
    String scheme = u.getScheme();
    if (scheme == null || u.getHost() == null || !(scheme.equals("ws") || scheme.equals("wss") || scheme.equals("http")
        || scheme.equals("https"))) {
      throw new IllegalArgumentException("not a ws(s) or http(s) URI with a host: " + uri);
    }
    secure = scheme.equals("wss") || scheme.equals("https");
    host = u.getHost();
    if (u.getRawUserInfo() != null) {
      String[] userInfo = u.getRawUserInfo().split(":", 2);
      username = java.net.URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8);
      if (userInfo.length > 1) {
        password = java.net.URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8);
      }
    }
    port = u.getPort() > 0 ? u.getPort() : secure ? 443 : 80;
    if (u.getQuery() != null) {
      for (String kv : u.getQuery().split("&")) {
        if (kv.startsWith("vhost=")) {
          vhost = java.net.URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
        }
      }
    }
    return this;
  }

  public ConnectionFactory setHost(String host) {
    this.host = host;
    return this;
  }

  public ConnectionFactory setPort(int port) {
    this.port = port;
    return this;
  }

  /** The user to log in as (HTTP Basic on the upgrade); default {@value WeirAdmin#DEFAULT_USER}. */
  public ConnectionFactory setUsername(String username) {
    this.username = java.util.Objects.requireNonNull(username, "username");
    return this;
  }

  /** Default {@value WeirAdmin#DEFAULT_PASSWORD}. */
  public ConnectionFactory setPassword(String password) {
    this.password = java.util.Objects.requireNonNull(password, "password");
    return this;
  }

  public String getUsername() {
    return username;
  }

  /**
   * Use TLS ({@code wss://}) with this context, for instance one that trusts the broker's own
   * certificate; without it, {@code wss://} trusts what the JDK trusts.
   */
  public ConnectionFactory useSslProtocol(javax.net.ssl.SSLContext context) {
    this.sslContext = java.util.Objects.requireNonNull(context, "context");
    this.secure = true;
    return this;
  }

  public ConnectionFactory setVirtualHost(String vhost) {
    this.vhost = vhost;
    return this;
  }

  /** Seconds; 0 (the default) takes the broker's. The broker never grants more than its own. */
  public ConnectionFactory setRequestedHeartbeat(int seconds) {
    if (seconds < 0) {
      throw new IllegalArgumentException("heartbeat: must be >= 0, was " + seconds);
    }
    this.requestedHeartbeat = seconds;
    return this;
  }

  /** How long to wait for the socket and the broker's {@code connection.start}. */
  public ConnectionFactory setConnectionTimeout(Duration timeout) {
    this.connectionTimeout = timeout;
    return this;
  }

  /** How long a synchronous call (declare, consume, get...) waits for its reply. */
  public ConnectionFactory setChannelRpcTimeout(Duration timeout) {
    this.channelRpcTimeout = timeout;
    return this;
  }

  /** Reconnect after an unexpected disconnect and recover channels, topology and consumers (default: off). */
  public ConnectionFactory setAutomaticRecoveryEnabled(boolean enabled) {
    this.automaticRecovery = enabled;
    return this;
  }

  /** The wait before each reconnection attempt (default 5 s). */
  public ConnectionFactory setNetworkRecoveryInterval(Duration interval) {
    this.networkRecoveryInterval = interval;
    return this;
  }

  /**
   * At most this many frames in one WebSocket message (default 256). Frames that queue while the socket
   * writes go out together as one batch, never more than the broker's {@code max_message_bytes}; 1 sends
   * every frame in a message of its own.
   */
  public ConnectionFactory setMaxBatchFrames(int frames) {
    this.maxBatchFrames = positive("maxBatchFrames", frames);
    return this;
  }

  /**
   * How many frames may wait for the socket (default 1024) before {@code basicPublish}, {@code basicAck}
   * and the others wait for room, up to the channel rpc timeout, then throw {@link WeirConnectionException}.
   */
  public ConnectionFactory setMaxQueuedFrames(int frames) {
    this.maxQueuedFrames = positive("maxQueuedFrames", frames);
    return this;
  }

  /** Like {@link #setMaxQueuedFrames(int)}, counting the frames' JSON bytes (default 4 MiB). */
  public ConnectionFactory setMaxQueuedBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("maxQueuedBytes: must be >= 1, was " + bytes);
    }
    this.maxQueuedBytes = bytes;
    return this;
  }

  private static int positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + ": must be >= 1, was " + value);
    }
    return value;
  }

  public boolean isAutomaticRecoveryEnabled() {
    return automaticRecovery;
  }

  /** The address {@link #newConnection()} opens. */
  public URI uri() {
    return uri(host, port);
  }

  private URI uri(String host, int port) {
    return uri(host, port, null);
  }

  /**
   * The upgrade's address. It also says what the client is, as the RabbitMQ Java client does in
   * connection.start-ok's client properties: the broker shows them in {@code GET /api/connections}.
   */
  private URI uri(String host, int port, String connectionName) {
    // Binary messages: the server's frames arrive as UTF-8 bytes, read by Jackson without decoding
    // them to characters first (cheaper at both ends than text messages).
    StringBuilder query = new StringBuilder("?vhost=").append(encode(vhost)).append("&messages=binary");
    if (requestedHeartbeat > 0) {
      query.append("&heartbeat=").append(requestedHeartbeat);
    }
    query.append("&product=").append(encode(PRODUCT));
    String version = ConnectionFactory.class.getPackage().getImplementationVersion();
    if (version != null) {
      query.append("&version=").append(encode(version));
    }
    query.append("&platform=").append(encode("Java " + Runtime.version().feature()));
    if (connectionName != null) {
      query.append("&connection_name=").append(encode(connectionName));
    }
    return URI.create((secure ? "wss" : "ws") + "://" + host + ":" + port + "/ws" + query);
  }

  /** What the client calls itself in its client properties. */
  public static final String PRODUCT = "WeirMQ Java client";

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * {@link #newConnection()} with a name the application chooses (RabbitMQ's client-provided name),
   * shown as {@code client_properties.connection_name} by {@code GET /api/connections}.
   */
  public Connection newConnection(String clientProvidedName) {
    return open(List.of(uri(host, port, clientProvidedName)));
  }

  /**
   * Opens a connection and waits for the broker's {@code connection.start}.
   *
   * @throws WeirConnectionException if the broker cannot be reached in time
   * @throws WeirClientException 404 if the vhost does not exist
   */
  public Connection newConnection() {
    return open(List.of(uri()));
  }

  /**
   * Opens a connection to the first of {@code addresses} that answers, trying them in order (with
   * this factory's scheme, vhost and settings). Automatic recovery tries them in turn as well,
   * starting with the one after the broker that was lost, so clients move to another node when one
   * shuts down (it closes its connections with 320 CONNECTION_FORCED) or dies.
   *
   * @throws WeirConnectionException if none can be reached in time
   */
  public Connection newConnection(Address... addresses) {
    return newConnection(List.of(addresses));
  }

  /** {@link #newConnection(Address...)} with a list. */
  public Connection newConnection(List<Address> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("addresses: at least one is needed");
    }
    return open(addresses.stream().map(a -> uri(a.host(), a.port())).toList());
  }

  private Connection open(List<URI> uris) {
    return Connection.open(new Connection.Settings(uris, connectionTimeout, channelRpcTimeout, automaticRecovery,
        networkRecoveryInterval, maxBatchFrames, maxQueuedFrames, maxQueuedBytes,
        WeirAdmin.basicAuthorization(username, password), sslContext));
  }

  Duration connectionTimeout() {
    return connectionTimeout;
  }
}
