package io.weirmq.server;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.Uri;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import com.typesafe.config.Config;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Akka Management (HTTP health checks {@code /alive} and {@code /ready}) and Akka Cluster
 * Bootstrap when {@code weir.management} enables them, as the k8s profile does. Nodes started by hand
 * leave both off and form their cluster from {@code akka.cluster.seed-nodes} or by joining themselves.
 */
public final class NodeManagement {

  private static final Logger log = LoggerFactory.getLogger(NodeManagement.class);

  private NodeManagement() {}

  /** Completes with the management endpoint's address, or empty when management is off. */
  public static CompletionStage<Optional<Uri>> start(ActorSystem<?> system) {
    Config config = system.settings().config();
    boolean enabled = config.getBoolean("weir.management.enabled");
    boolean bootstrap = config.getBoolean("weir.management.cluster-bootstrap");
    checkConsistent(config, enabled, bootstrap);
    if (!enabled) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return AkkaManagement.get(system).start().thenApply(uri -> {
      log.info("Akka Management on {} (liveness /{}, readiness /{})", uri,
          config.getString("akka.management.health-checks.liveness-path"),
          config.getString("akka.management.health-checks.readiness-path"));
      if (bootstrap) {
        // Bootstrap asks the other nodes' management endpoints, so it starts after ours is bound.
        ClusterBootstrap.get(system).start();
        log.info("Cluster bootstrap started: discovery {}, service {}, forms a new cluster with at least {} nodes",
            config.getString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"),
            config.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"),
            config.getInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
      }
      return Optional.of(uri);
    });
  }

  /**
   * Bootstrap forms the cluster itself: with seed nodes or a self-join as well, two clusters could
   * form. Refused at start with the setting to change, rather than found out in production.
   */
  static void checkConsistent(Config config, boolean enabled, boolean bootstrap) {
    if (!bootstrap) {
      return;
    }
    if (!enabled) {
      throw new IllegalStateException(
          "weir.management.cluster-bootstrap = on needs weir.management.enabled = on: bootstrap runs on the management endpoint");
    }
    if (config.getBoolean("weir.cluster.self-join")) {
      throw new IllegalStateException(
          "weir.management.cluster-bootstrap = on and weir.cluster.self-join = on: a node must not join itself when bootstrap forms the cluster");
    }
    if (!config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
      throw new IllegalStateException(
          "weir.management.cluster-bootstrap = on and akka.cluster.seed-nodes is not empty: use one or the other");
    }
  }
}
