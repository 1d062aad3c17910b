package io.weirmq.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.weirmq.node.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real node on the H2 journal with the HTTP API bound to a free port, and a plain JDK HTTP client
 * to talk to it, as a user's script would. One per test class, as a JUnit extension:
 * {@code @RegisterExtension static final HttpTestServer api = new HttpTestServer();}
 */
final class HttpTestServer implements BeforeAllCallback, AfterAllCallback {

  /** Small, so that a test can exceed it without streaming megabytes. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final String extraConfig;
  private Path dataDir;
  TestNodes.Node node;
  URI base;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** A server with the test defaults. */
  HttpTestServer() {
    this("");
  }

  /** With {@code extraConfig} (HOCON) over the test defaults, such as a short WebSocket heartbeat. */
  HttpTestServer(String extraConfig) {
    this.extraConfig = extraConfig;
  }

  /** Starts the node and binds the API, once per test class (a {@code @RegisterExtension} field). */
  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dataDir = Files.createTempDirectory("weir-http-test");
    node = TestNodes.start(ConfigFactory.parseString(extraConfig)
        .withFallback(ConfigFactory.parseString("weir.http.max-message-bytes = " + MAX_BODY_BYTES))
        .withFallback(TestNodes.config(dataDir)));
    try {
      HttpSettings settings = HttpSettings.from(node.system().settings().config()).withPort(0);
      var binding = TestNodes.await(WeirHttpServer.start(node.broker(), settings));
      base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (node != null) {
      node.close();
    }
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** A name no other test uses. */
  static String name(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  Reply delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE());
  }

  Reply put(String path, String json) {
    return send(HttpRequest.newBuilder(uri(path)).header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply post(String path, String json) {
    return send(HttpRequest.newBuilder(uri(path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply send(String method, String path, String contentType, String body) {
    return send(method, path, contentType, body, GUEST);
  }

  /** A request with the given {@code Authorization} header value (null: none) and header pairs. */
  Reply send(String method, String path, String contentType, String body, String authorization, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return sendAs(b, authorization);
  }

  /** The default user, as every test but the security ones logs in (from loopback). */
  static final String GUEST = basic("guest", "guest");

  static String basic(String user, String password) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString(
        (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  URI uri(String path) {
    return URI.create(base + path);
  }

  private Reply send(HttpRequest.Builder request) {
    return sendAs(request, GUEST);
  }

  private Reply sendAs(HttpRequest.Builder request, String authorization) {
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(r);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** An HTTP answer, its body parsed as JSON when there is one. */
  record Reply(HttpResponse<String> response) {
    int status() {
      return response.statusCode();
    }

    String body() {
      return response.body();
    }

    JsonNode json() {
      try {
        return JSON.readTree(response.body());
      } catch (Exception e) {
        throw new AssertionError("not JSON (" + status() + "): " + response.body(), e);
      }
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status() + " " + response.body();
    }
  }
}
