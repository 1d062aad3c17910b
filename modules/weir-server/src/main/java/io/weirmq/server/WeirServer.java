package io.weirmq.server;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.ServerBinding;
import com.typesafe.config.Config;
import io.weirmq.http.WeirHttpServer;
import io.weirmq.node.NodeConfig;
import io.weirmq.node.WeirNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one WeirMQ node. Configuration comes from {@code application.conf} (the single-node profile
 * from cluster-config/), overridable with {@code -Dconfig.file=...} and the environment variables
 * those files name. Once the node is up it serves the HTTP API ({@code weir.http}). With
 * {@code weir.management.enabled} (the k8s profile) Akka Management serves {@code /alive} and
 * {@code /ready} first, and cluster bootstrap forms the cluster. SIGTERM runs Akka's
 * CoordinatedShutdown, which unbinds the HTTP port, leaves the cluster and stops.
 */
public final class WeirServer {

  static {
    // Before anything (logging included) can create the common pool; see CommonPool.
    CommonPool.ensureParallelism(System.getProperties(), Runtime.getRuntime().availableProcessors());
  }

  private static final Logger log = LoggerFactory.getLogger(WeirServer.class);

  private WeirServer() {}

  public static void main(String[] args) throws Exception {
    Config config = NodeConfig.load();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", config);
    try {
      ShutdownPhases.install(system);
    } catch (IllegalArgumentException e) {
      log.error("WeirMQ node failed to start: {}", e.getMessage());
      system.terminate();
      System.exit(1);
    }
    // Logged from the last shutdown phase, not from whenTerminated: on SIGTERM the JVM may halt
    // before a callback on termination runs, and the line operators look for would be lost.
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "weir-log-stopped",
        () -> {
          log.info("WeirMQ node stopped: left the cluster, journal closed next");
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    try {
      long timeout = config.getDuration("weir.startup-timeout").toMillis();
      var binding = NodeManagement.start(system).thenCompose(management -> startNode(system)).toCompletableFuture()
          .get(timeout, TimeUnit.MILLISECONDS);
      log.info("WeirMQ node ready; HTTP API on {}://{}:{}/api",
          io.weirmq.http.TlsSettings.from(config).enabled() ? "https" : "http", binding.localAddress().getHostString(),
          binding.localAddress().getPort());
      int pool = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
      if (pool < CommonPool.MIN_PARALLELISM) {
        log.warn("The common ForkJoinPool has {} thread(s) ({}={}): every CompletionStage callback starts a thread",
            pool, CommonPool.PARALLELISM, System.getProperty(CommonPool.PARALLELISM));
      } else {
        log.info("CompletionStage callbacks run on the common ForkJoinPool ({} threads)", pool);
      }
    } catch (Exception e) {
      log.error("WeirMQ node failed to start: {}", e.toString());
      system.terminate();
      System.exit(1);
    }
  }

  /**
   * Brings the node up and opens its HTTP API; completes once both are up, when the node also
   * reports ready ({@link NodeReadiness}). The HTTP port opens only once the node can serve it; it
   * unbinds in CoordinatedShutdown.
   */
  static CompletionStage<ServerBinding> startNode(ActorSystem<?> system) {
    return WeirNode.start(system).thenCompose(WeirHttpServer::start).thenApply(binding -> {
      NodeReadiness.get(system).markReady();
      return binding;
    });
  }
}
