package io.weirmq.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The HTTP API's settings, from {@code weir.http} (defaults in this module's reference.conf,
 * deployments set them in cluster-config/http.conf).
 *
 * @param iface the address to bind; 127.0.0.1 by default (docs/security.md says what to set before binding others)
 * @param port 0 binds a free port (tests)
 * @param maxMessageBytes the largest request body accepted, in bytes (413 beyond it)
 * @param requestTimeout how long a request may take before the server answers 503
 */
public record HttpSettings(String iface, int port, long maxMessageBytes, Duration requestTimeout) {

  public static HttpSettings from(Config config) {
    Config c = config.getConfig("weir.http");
    return new HttpSettings(c.getString("interface"), c.getInt("port"), c.getBytes("max-message-bytes"),
        c.getDuration("request-timeout"));
  }

  public HttpSettings withPort(int newPort) {
    return new HttpSettings(iface, newPort, maxMessageBytes, requestTimeout);
  }
}
