package io.weirmq.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.weirmq.node.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real node on the H2 journal with the HTTP API bound to a free port, and a plain JDK HTTP client
 * to talk to it, as a user's script would. One per test class.
 */
final class HttpTestServer implements AutoCloseable {

  /** Small, so that a test can exceed it without streaming megabytes. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger NAMES = new AtomicInteger();

  final TestNodes.Node node;
  final URI base;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private HttpTestServer(TestNodes.Node node, URI base) {
    this.node = node;
    this.base = base;
  }

  static HttpTestServer start(Path dataDir) {
    return start(dataDir, "");
  }

  /** With {@code extraConfig} (HOCON) over the test defaults, such as a short WebSocket heartbeat. */
  static HttpTestServer start(Path dataDir, String extraConfig) {
    TestNodes.Node node = TestNodes.start(ConfigFactory.parseString(extraConfig)
        .withFallback(ConfigFactory.parseString("weir.http.max-message-bytes = " + MAX_BODY_BYTES))
        .withFallback(TestNodes.config(dataDir)));
    try {
      HttpSettings settings = HttpSettings.from(node.system().settings().config()).withPort(0);
      var binding = TestNodes.await(WeirHttpServer.start(node.broker(), settings));
      return new HttpTestServer(node, URI.create("http://127.0.0.1:" + binding.localAddress().getPort()));
    } catch (RuntimeException e) {
      node.close();
      throw e;
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
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    return send(b);
  }

  URI uri(String path) {
    return URI.create(base + path);
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(r);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    node.close();
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
