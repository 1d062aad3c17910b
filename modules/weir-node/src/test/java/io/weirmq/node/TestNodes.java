package io.weirmq.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Starts real single-node brokers on the H2 file journal, on a free loopback port, for tests. */
public final class TestNodes {

  private TestNodes() {}

  /** The single-node profile of cluster-config/ with a private data directory and a free port. */
  public static Config config(Path dataDir) {
    return ConfigFactory.parseString(
            "weir.data-dir = \"" + dataDir.toAbsolutePath().toString().replace("\\", "/") + "\"\n"
                + "akka.remote.artery.canonical.port = 0\n"
                + "akka.coordinated-shutdown.exit-jvm = off\n"
                + "akka.loglevel = WARNING\n"
                // Slow hashes only slow tests down; SecurityTest checks the configured count is used.
                + "weir.security.password-hash-iterations = 1000\n")
        .withFallback(ConfigFactory.parseResources("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  /** A started node: its ActorSystem and broker. Close stops the ActorSystem and waits. */
  public record Node(ActorSystem<Void> system, Broker broker) implements AutoCloseable {
    @Override
    public void close() {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("node did not stop", e);
      }
    }
  }

  public static Node start(Path dataDir) {
    return start(config(dataDir));
  }

  public static Node start(Config config) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", config);
    try {
      Broker broker = WeirNode.start(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new Node(system, broker);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("node did not start", e);
    }
  }

  /** Waits for a stage, failing the test with its cause after {@code timeout}. */
  public static <T> T await(java.util.concurrent.CompletionStage<T> stage, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
    return await(stage, Duration.ofSeconds(30));
  }
}
