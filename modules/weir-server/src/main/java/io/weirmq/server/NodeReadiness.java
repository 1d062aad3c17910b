package io.weirmq.server;

import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this node serves clients: set once the node is up and its HTTP API is bound, cleared when
 * CoordinatedShutdown begins. {@link NodeReadyCheck} reports it on Akka Management's {@code /ready},
 * so Kubernetes sends client traffic only to nodes that can answer it.
 */
public final class NodeReadiness implements Extension {

  private static final ExtensionId<NodeReadiness> ID = new ExtensionId<>() {
    @Override
    public NodeReadiness createExtension(ActorSystem<?> system) {
      return new NodeReadiness(system);
    }
  };

  private final AtomicBoolean ready = new AtomicBoolean(false);

  private NodeReadiness(ActorSystem<?> system) {
    // Cleared before the HTTP port unbinds, so that the client Service stops routing here while
    // in-flight requests still get answers.
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "weir-not-ready", () -> {
      ready.set(false);
      return CompletableFuture.completedFuture(akka.Done.getInstance());
    });
  }

  public static NodeReadiness get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  void markReady() {
    ready.set(true);
  }

  public boolean isReady() {
    return ready.get();
  }
}
