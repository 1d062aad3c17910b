package io.weirmq.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;

/** Loads a node's configuration the way every entry point must, fixing what HOCON cannot. */
public final class NodeConfig {

  private NodeConfig() {}

  /**
   * {@code ConfigFactory.load()}, with {@code weir.data-dir} made absolute before resolution. The H2
   * journal URL is built from it, and H2 refuses a path implicitly relative to the working
   * directory (the default {@code data}), which would leave the node unable to open its journal.
   */
  public static Config load() {
    Config config = ConfigFactory.load();
    Path dataDir = Path.of(config.getString("weir.data-dir"));
    if (dataDir.isAbsolute()) {
      return config;
    }
    // System properties win over application.conf and the environment, so the URL sees this value.
    System.setProperty("weir.data-dir", dataDir.toAbsolutePath().normalize().toString());
    ConfigFactory.invalidateCaches();
    return ConfigFactory.load();
  }
}
