package io.weirmq.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

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

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private String vhost = WeirAdmin.DEFAULT_VHOST;
  private boolean secure;
  private int requestedHeartbeat;
  private Duration connectionTimeout = Duration.ofSeconds(10);
  private Duration channelRpcTimeout = Duration.ofSeconds(60);
  private boolean automaticRecovery;
  private Duration networkRecoveryInterval = Duration.ofSeconds(5);

  /** {@code ws://host:port/ws?vhost=...}; {@code http(s)} is taken as {@code ws(s)}, the path is always {@code /ws}. */
  public ConnectionFactory setUri(String uri) {
    URI u = URI.create(uri);
    String scheme = u.getScheme();
    if (scheme == null || u.getHost() == null || !(scheme.equals("ws") || scheme.equals("wss") || scheme.equals("http")
        || scheme.equals("https"))) {
      throw new IllegalArgumentException("not a ws(s) or http(s) URI with a host: " + uri);
    }
    secure = scheme.equals("wss") || scheme.equals("https");
    host = u.getHost();
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

  public boolean isAutomaticRecoveryEnabled() {
    return automaticRecovery;
  }

  /** The address {@link #newConnection()} opens. */
  public URI uri() {
    StringBuilder query = new StringBuilder("?vhost=").append(URLEncoder.encode(vhost, StandardCharsets.UTF_8));
    if (requestedHeartbeat > 0) {
      query.append("&heartbeat=").append(requestedHeartbeat);
    }
    return URI.create((secure ? "wss" : "ws") + "://" + host + ":" + port + "/ws" + query);
  }

  /**
   * Opens a connection and waits for the broker's {@code connection.start}.
   *
   * @throws WeirConnectionException if the broker cannot be reached in time
   * @throws WeirClientException 404 if the vhost does not exist
   */
  public Connection newConnection() {
    return Connection.open(new Connection.Settings(uri(), connectionTimeout, channelRpcTimeout, automaticRecovery,
        networkRecoveryInterval));
  }

  Duration connectionTimeout() {
    return connectionTimeout;
  }
}
