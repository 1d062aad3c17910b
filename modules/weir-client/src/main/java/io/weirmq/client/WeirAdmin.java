package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Admin calls on a WeirMQ broker over its REST API: declare, delete, bind, list, publish and get.
 * Thread-safe; one per broker is enough. Every refusal is a {@link WeirClientException}, a broker that
 * does not answer a {@link WeirConnectionException}. Names follow the RabbitMQ Java client.
 *
 * <pre>{@code
 * WeirAdmin admin = WeirAdmin.builder().uri("http://127.0.0.1:15672").build();
 * admin.queueDeclare("/", "invoices", true, false, Map.of());
 * admin.basicPublish("/", "", "invoices", BasicProperties.PERSISTENT, "hi".getBytes(UTF_8));
 * }</pre>
 */
public final class WeirAdmin {

  /** The default vhost. */
  public static final String DEFAULT_VHOST = "/";
  /** The default user and password, as RabbitMQ's; the broker lets this user in from loopback only. */
  public static final String DEFAULT_USER = "guest";
  public static final String DEFAULT_PASSWORD = "guest";
  /** The REST API's default address. */
  public static final String DEFAULT_URI = "http://127.0.0.1:15672";

  // Lenient on input (a newer broker may add fields), and never sends a null field: the API is strict.
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private static final TypeReference<List<QueueInfo>> QUEUES = new TypeReference<>() {};
  private static final TypeReference<List<ExchangeInfo>> EXCHANGES = new TypeReference<>() {};
  private static final TypeReference<List<BindingInfo>> BINDINGS = new TypeReference<>() {};
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final URI base;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final String authorization;
  private final String username;
  private final String password;
  private final javax.net.ssl.SSLContext sslContext;

  private WeirAdmin(Builder b) {
    this.username = b.username;
    this.password = b.password;
    this.sslContext = b.sslContext;
    this.authorization = basicAuthorization(b.username, b.password);
    String s = b.uri.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    // HTTP/1.1: the broker speaks it, and the JDK's h2c upgrade attempt would only cost a round trip.
    HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.connectTimeout);
    if (b.sslContext != null) {
      http.sslContext(b.sslContext);
    }
    this.http = http.build();
    this.requestTimeout = b.requestTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A factory for WebSocket connections to the same broker, as the same user, with the same TLS
   * context; the vhost is the default one.
   */
  public ConnectionFactory newConnectionFactory() {
    ConnectionFactory f = new ConnectionFactory().setUri(base.toString()).setUsername(username).setPassword(password);
    return sslContext == null ? f : f.useSslProtocol(sslContext);
  }

  /** The broker's base URI, such as {@code http://127.0.0.1:15672}. */
  public URI uri() {
    return base;
  }

  // ---------------------------------------------------------------- exchanges

  /**
   * Declares an exchange ({@code direct}, {@code fanout}, {@code topic}, {@code headers}).
   *
   * @return true if created, false if an equivalent exchange already existed
   * @throws WeirClientException 409 if it exists with other properties (the reason names the property)
   */
  public boolean exchangeDeclare(String vhost, String exchange, String type, boolean durable, boolean autoDelete,
      boolean internal, Map<String, Object> arguments) {
    ObjectNode body = JSON.createObjectNode().put("type", Objects.requireNonNull(type, "type"))
        .put("durable", durable).put("auto_delete", autoDelete).put("internal", internal);
    body.set("arguments", JSON.valueToTree(arguments == null ? Map.of() : arguments));
    return send("PUT", path("exchanges", vhost, exchangeSegment(exchange)), body).statusCode() == 201;
  }

  /** Declares a durable exchange without arguments. */
  public boolean exchangeDeclare(String vhost, String exchange, String type) {
    return exchangeDeclare(vhost, exchange, type, true, false, false, Map.of());
  }

  public void exchangeDelete(String vhost, String exchange) {
    exchangeDelete(vhost, exchange, false);
  }

  /** Deletes an exchange; with {@code ifUnused}, refuses (409) if it is the source of a binding. */
  public void exchangeDelete(String vhost, String exchange, boolean ifUnused) {
    send("DELETE", path("exchanges", vhost, exchangeSegment(exchange)) + (ifUnused ? "?if-unused=true" : ""), null);
  }

  public ExchangeInfo getExchange(String vhost, String exchange) {
    return read(send("GET", path("exchanges", vhost, exchangeSegment(exchange)), null), ExchangeInfo.class);
  }

  /** The vhost's exchanges, the predeclared ones included. */
  public List<ExchangeInfo> listExchanges(String vhost) {
    return read(send("GET", path("exchanges", vhost), null), EXCHANGES);
  }

  // ---------------------------------------------------------------- queues

  /**
   * Declares a queue. Exclusive queues belong to a connection, so they come with the WebSocket client.
   *
   * @throws WeirClientException 409 if it exists with other properties, 400 naming {@code arguments.<key>} for a bad argument
   */
  public QueueDeclareOk queueDeclare(String vhost, String queue, boolean durable, boolean autoDelete,
      Map<String, Object> arguments) {
    ObjectNode body = JSON.createObjectNode().put("durable", durable).put("auto_delete", autoDelete);
    body.set("arguments", JSON.valueToTree(arguments == null ? Map.of() : arguments));
    boolean created = send("PUT", path("queues", vhost, queue), body).statusCode() == 201;
    // The REST declare answers no counts; RabbitMQ's DeclareOk has them, so ask.
    QueueInfo info = getQueue(vhost, queue);
    return new QueueDeclareOk(queue, created, info.messages(), info.consumers());
  }

  public void queueDelete(String vhost, String queue) {
    queueDelete(vhost, queue, false, false);
  }

  /** Deletes a queue; {@code ifUnused} refuses (409) one with consumers, {@code ifEmpty} one holding messages. */
  public void queueDelete(String vhost, String queue, boolean ifUnused, boolean ifEmpty) {
    String query = ifUnused && ifEmpty ? "?if-unused=true&if-empty=true"
        : ifUnused ? "?if-unused=true" : ifEmpty ? "?if-empty=true" : "";
    send("DELETE", path("queues", vhost, queue) + query, null);
  }

  /** Removes every ready message from the queue. */
  public void queuePurge(String vhost, String queue) {
    send("DELETE", path("queues", vhost, queue, "contents"), null);
  }

  public QueueInfo getQueue(String vhost, String queue) {
    return read(send("GET", path("queues", vhost, queue), null), QueueInfo.class);
  }

  public List<QueueInfo> listQueues(String vhost) {
    return read(send("GET", path("queues", vhost), null), QUEUES);
  }

  // ---------------------------------------------------------------- users, permissions, vhosts

  /** The logged-in user: {@code {"name": ..., "tags": [...]}}. */
  public Map<String, Object> whoami() {
    return read(send("GET", path("whoami"), null), MAP);
  }

  /**
   * Adds a user or sets its password and tags (administrator only); true when it is new.
   * The broker stores only a salted PBKDF2 hash of the password.
   */
  public boolean userPut(String user, String password, List<String> tags) {
    ObjectNode body = JSON.createObjectNode().put("password", Objects.requireNonNull(password, "password"));
    body.set("tags", JSON.valueToTree(tags == null ? List.of() : tags));
    return send("PUT", path("users", user), body).statusCode() == 201;
  }

  public void userDelete(String user) {
    send("DELETE", path("users", user), null);
  }

  /** Sets the user's configure, write and read expressions on the vhost (administrator only). */
  public void permissionsSet(String vhost, String user, String configure, String write, String read) {
    ObjectNode body = JSON.createObjectNode().put("configure", configure).put("write", write).put("read", read);
    send("PUT", path("permissions", vhost, user), body);
  }

  // ---------------------------------------------------------------- connections and consumers

  /**
   * Every client connection of the cluster the user may see (its own; all for monitoring and
   * administrator users), in RabbitMQ's shape: {@code name}, {@code user}, {@code vhost}, {@code node},
   * {@code client_properties}...
   */
  public JsonNode listConnections() {
    return read(send("GET", "/api/connections", null), JsonNode.class);
  }

  /** Every consumer of the cluster the user may see, in RabbitMQ's shape. */
  public JsonNode listConsumers() {
    return read(send("GET", "/api/consumers", null), JsonNode.class);
  }

  /**
   * Closes a connection by name, wherever it is in the cluster: its client gets connection.close 320
   * CONNECTION_FORCED with {@code reason} (RabbitMQ's {@code X-Reason}; the broker's default when null).
   * A user may close its own connections, an administrator any.
   */
  public void closeConnection(String name, String reason) {
    send("DELETE", path("connections", name), null, requestTimeout, reason == null ? null : reason);
  }

  /** Adds a vhost (administrator only); true when it is new. */
  public boolean vhostPut(String vhost) {
    return send("PUT", path("vhosts", vhost), null).statusCode() == 201;
  }

  // ---------------------------------------------------------------- bindings

  /**
   * Binds a queue to an exchange. Binding again the same way changes nothing.
   *
   * @return the binding's properties key, which tells it apart from other bindings between the two
   */
  public String queueBind(String vhost, String queue, String exchange, String routingKey, Map<String, Object> arguments) {
    return bind(path("bindings", vhost, "e", exchange, "q", queue), routingKey, arguments);
  }

  /** Binds exchange {@code destination} to exchange {@code source} (RabbitMQ's argument order). */
  public String exchangeBind(String vhost, String destination, String source, String routingKey,
      Map<String, Object> arguments) {
    return bind(path("bindings", vhost, "e", source, "e", destination), routingKey, arguments);
  }

  /** Removes the binding with this routing key and these arguments; false if there was none. */
  public boolean queueUnbind(String vhost, String queue, String exchange, String routingKey, Map<String, Object> arguments) {
    return unbindMatching(path("bindings", vhost, "e", exchange, "q", queue), routingKey, arguments);
  }

  /** Removes the exchange-to-exchange binding with this routing key and these arguments; false if there was none. */
  public boolean exchangeUnbind(String vhost, String destination, String source, String routingKey,
      Map<String, Object> arguments) {
    return unbindMatching(path("bindings", vhost, "e", source, "e", destination), routingKey, arguments);
  }

  /** Removes a binding as listed. */
  public void unbind(BindingInfo b) {
    send("DELETE", path("bindings", b.vhost(), "e", b.source(), b.toQueue() ? "q" : "e", b.destination(),
        b.propertiesKey()), null);
  }

  /** The vhost's bindings (without the default exchange's implicit ones). */
  public List<BindingInfo> listBindings(String vhost) {
    return read(send("GET", path("bindings", vhost), null), BINDINGS);
  }

  private String bind(String path, String routingKey, Map<String, Object> arguments) {
    ObjectNode body = JSON.createObjectNode().put("routing_key", routingKey == null ? "" : routingKey);
    body.set("arguments", JSON.valueToTree(arguments == null ? Map.of() : arguments));
    HttpResponse<byte[]> r = send("POST", path, body);
    String location = r.headers().firstValue("location").orElse("");
    return URLDecoder.decode(location.substring(location.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
  }

  private boolean unbindMatching(String path, String routingKey, Map<String, Object> arguments) {
    // The properties key's fingerprint is the broker's to compute, so find the binding by what it is.
    Map<String, Object> wanted = JSON.convertValue(arguments == null ? Map.of() : arguments, MAP);
    String key = routingKey == null ? "" : routingKey;
    for (BindingInfo b : read(send("GET", path, null), BINDINGS)) {
      if (b.routingKey().equals(key) && Objects.equals(b.arguments() == null ? Map.of() : b.arguments(), wanted)) {
        unbind(b);
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- messages

  /**
   * Publishes a message and waits for the publisher confirm: every queue it was routed to has it in
   * its journal. {@code exchange} {@code ""} is the default exchange.
   *
   * @return true if a queue took it, false if none did (the message is dropped)
   * @throws WeirClientException 409 {@code publish_rejected} if a queue refused it (full, {@code reject-publish})
   */
  public boolean basicPublish(String vhost, String exchange, String routingKey, BasicProperties properties, byte[] body) {
    ObjectNode json = message(new OutboundMessage(routingKey, properties, body));
    JsonNode answer = read(send("POST", path("exchanges", vhost, exchangeSegment(exchange), "publish"), json), JsonNode.class);
    return answer.path("routed").asBoolean();
  }

  /**
   * Publishes messages in one request: each target queue writes them in one journal write, so a
   * batch costs far less than as many {@link #basicPublish}es. Nothing is published if one is malformed.
   *
   * @return one result per message, in order
   */
  public List<PublishResult> publishBatch(String vhost, String exchange, List<OutboundMessage> messages) {
    ObjectNode json = JSON.createObjectNode();
    ArrayNode array = json.putArray("messages");
    for (OutboundMessage m : messages) {
      array.add(message(m));
    }
    JsonNode answer = read(send("POST", path("exchanges", vhost, exchangeSegment(exchange), "publish-batch"), json),
        JsonNode.class);
    return JSON.convertValue(answer.path("results"), new TypeReference<List<PublishResult>>() {});
  }

  /**
   * Takes up to {@code count} messages from a queue and settles them as {@code ackMode} says;
   * {@link AckMode#ACK_REQUEUE_TRUE} is a peek. An empty list when the queue is empty.
   */
  public List<GetResponse> get(String vhost, String queue, int count, AckMode ackMode) {
    ObjectNode json = JSON.createObjectNode().put("count", count).put("ackmode", ackMode.wireName())
        .put("encoding", "base64"); // the exact bytes, whatever they are
    JsonNode answer = read(send("POST", path("queues", vhost, queue, "get"), json), JsonNode.class);
    List<GetResponse> out = new ArrayList<>(answer.size());
    for (JsonNode m : answer) {
      String payload = m.path("payload").asText("");
      byte[] body = "base64".equals(m.path("payload_encoding").asText())
          ? Base64.getDecoder().decode(payload) : payload.getBytes(StandardCharsets.UTF_8);
      BasicProperties props = JSON.convertValue(m.path("properties"), BasicProperties.class);
      out.add(new GetResponse(body, props == null ? BasicProperties.EMPTY : props, m.path("exchange").asText(),
          m.path("routing_key").asText(), m.path("redelivered").asBoolean(), m.path("message_count").asLong()));
    }
    return out;
  }

  /**
   * The topology as a definitions document in RabbitMQ's format (vhosts, exchanges, queues,
   * bindings): of {@code vhost}, or of every vhost when it is null.
   */
  public JsonNode exportDefinitions(String vhost) {
    return read(send("GET", vhost == null ? "/api/definitions" : path("definitions", vhost), null), JsonNode.class);
  }

  /**
   * Imports a definitions document (a RabbitMQ export, say) into the broker, or into {@code vhost}
   * only when it is not null, and answers the broker's report: what it imported and which sections
   * it did not. Waits up to {@link #IMPORT_TIMEOUT}: a big file declares thousands of queues.
   */
  public JsonNode importDefinitions(JsonNode definitions, String vhost) {
    return read(send("POST", vhost == null ? "/api/definitions" : path("definitions", vhost), definitions,
        IMPORT_TIMEOUT.compareTo(requestTimeout) > 0 ? IMPORT_TIMEOUT : requestTimeout), JsonNode.class);
  }

  /** How long {@link #importDefinitions} waits, at least: the broker's own default limit. */
  public static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(10);

  private static ObjectNode message(OutboundMessage m) {
    ObjectNode json = JSON.createObjectNode();
    if (m.properties() != null) {
      json.set("properties", JSON.valueToTree(m.properties()));
    }
    json.put("routing_key", m.routingKey());
    // Text stays readable on the wire and in logs; anything else goes as base64.
    String text = utf8(m.body());
    if (text != null) {
      json.put("payload", text).put("payload_encoding", "string");
    } else {
      json.put("payload", Base64.getEncoder().encodeToString(m.body())).put("payload_encoding", "base64");
    }
    return json;
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- HTTP

  private static String exchangeSegment(String exchange) {
    return exchange == null || exchange.isEmpty() ? "amq.default" : exchange;
  }

  /** The value of an HTTP Basic {@code Authorization} header. */
  static String basicAuthorization(String username, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String path(String... segments) {
    StringBuilder sb = new StringBuilder("/api");
    for (String s : segments) {
      sb.append('/').append(URLEncoder.encode(Objects.requireNonNull(s), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }

  private HttpResponse<byte[]> send(String method, String path, JsonNode body) {
    return send(method, path, body, requestTimeout);
  }

  private HttpResponse<byte[]> send(String method, String path, JsonNode body, Duration timeout) {
    return send(method, path, body, timeout, null);
  }

  private HttpResponse<byte[]> send(String method, String path, JsonNode body, Duration timeout, String reason) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .header("Authorization", authorization);
    if (reason != null) {
      request.header("X-Reason", reason);
    }
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      try {
        request.header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("cannot write the request as JSON: " + e.getOriginalMessage(), e);
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      throw new WeirConnectionException("cannot connect to " + base + ": timed out", e);
    } catch (HttpTimeoutException e) {
      throw new WeirConnectionException(method + " " + base + path + ": no answer within " + timeout, e);
    } catch (ConnectException e) {
      throw new WeirConnectionException("cannot connect to " + base + ": "
          + (e.getMessage() == null ? "connection refused" : e.getMessage()), e);
    } catch (IOException e) {
      throw new WeirConnectionException(method + " " + base + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WeirConnectionException("interrupted while waiting for " + base, e);
    }
    if (response.statusCode() >= 300) {
      throw refusal(response);
    }
    return response;
  }

  private static WeirClientException refusal(HttpResponse<byte[]> response) {
    String error = "http_" + response.statusCode();
    String reason = new String(response.body(), StandardCharsets.UTF_8);
    try {
      JsonNode json = JSON.readTree(response.body());
      if (json != null && json.has("error")) {
        error = json.path("error").asText();
        reason = json.path("reason").asText("");
      }
    } catch (IOException notJson) {
      // a proxy's page, say: keep its text, cut short
      reason = reason.length() > 200 ? reason.substring(0, 200) + "..." : reason;
    }
    return new WeirClientException(response.statusCode(), error, reason);
  }

  private static <T> T read(HttpResponse<byte[]> response, Class<T> type) {
    try {
      return JSON.readValue(response.body(), type);
    } catch (IOException e) {
      throw new IllegalStateException("unexpected answer from the broker: " + e.getMessage(), e);
    }
  }

  private static <T> T read(HttpResponse<byte[]> response, TypeReference<T> type) {
    try {
      return JSON.readValue(response.body(), type);
    } catch (IOException e) {
      throw new IllegalStateException("unexpected answer from the broker: " + e.getMessage(), e);
    }
  }

  /** Configures a {@link WeirAdmin}. */
  public static final class Builder {
    private URI uri = URI.create(DEFAULT_URI);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private String username = DEFAULT_USER;
    private String password = DEFAULT_PASSWORD;
    private javax.net.ssl.SSLContext sslContext;

    private Builder() {}

    public Builder username(String username) {
      this.username = Objects.requireNonNull(username, "username");
      return this;
    }

    public Builder password(String password) {
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** HTTP Basic credentials sent with every request; default guest/guest. */
    public Builder credentials(String username, String password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** For {@code https://}: a context that trusts the broker's certificate; default, what the JDK trusts. */
    public Builder sslContext(javax.net.ssl.SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** The REST API's base URI; default {@value WeirAdmin#DEFAULT_URI}. */
    public Builder uri(String uri) {
      return uri(URI.create(uri));
    }

    public Builder uri(URI uri) {
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URI with a host: " + uri);
      }
      if (uri.getRawUserInfo() != null) {
        // user:password@ in the URI are the credentials, as in RabbitMQ's URIs; they never go in the address.
        String[] userInfo = uri.getRawUserInfo().split(":", 2);
        credentials(URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8),
            userInfo.length > 1 ? URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8) : password);
        uri = URI.create(uri.getScheme() + "://" + uri.getRawAuthority().substring(uri.getRawAuthority().indexOf('@') + 1)
            + (uri.getRawPath() == null ? "" : uri.getRawPath()));
      }
      this.uri = uri;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    /** How long to wait for each answer; a publish waits for its confirm. */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public WeirAdmin build() {
      return new WeirAdmin(this);
    }
  }
}
