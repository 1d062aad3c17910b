package io.weirmq.client;

import com.typesafe.config.ConfigFactory;
import io.weirmq.http.HttpSettings;
import io.weirmq.http.WeirHttpServer;
import io.weirmq.node.TestNodes;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real single node on the H2 journal with the HTTP API on a free loopback port, for clients to talk
 * to as users do. One per test class; weir-cli's tests use it too (test-jar).
 */
public final class WeirTestServer implements AutoCloseable {

  /** Small, so that a test can exceed it without streaming megabytes. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final AtomicInteger NAMES = new AtomicInteger();

  private final TestNodes.Node node;
  private final String uri;

  private WeirTestServer(TestNodes.Node node, String uri) {
    this.node = node;
    this.uri = uri;
  }

  public static WeirTestServer start(Path dataDir) {
    return start(dataDir, "");
  }

  /** With {@code extraConfig} (HOCON) over the test defaults. */
  public static WeirTestServer start(Path dataDir, String extraConfig) {
    TestNodes.Node node = TestNodes.start(ConfigFactory.parseString(extraConfig)
        .withFallback(ConfigFactory.parseString("weir.http.max-message-bytes = " + MAX_BODY_BYTES))
        .withFallback(TestNodes.config(dataDir)));
    try {
      HttpSettings settings = HttpSettings.from(node.system().settings().config()).withPort(0);
      var binding = TestNodes.await(WeirHttpServer.start(node.broker(), settings));
      String scheme = node.system().settings().config().getBoolean("weir.http.tls.enabled") ? "https" : "http";
      return new WeirTestServer(node, scheme + "://127.0.0.1:" + binding.localAddress().getPort());
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  /** The node's memory and disk alarms, for tests that set them off. */
  public io.weirmq.node.ResourceAlarms alarms() {
    return node.broker().alarms();
  }

  /** The REST API's base URI. */
  public String uri() {
    return uri;
  }

  /** A name no other test uses. */
  public static String name(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }

  @Override
  public void close() {
    node.close();
  }
}
