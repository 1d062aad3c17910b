package io.weirmq.server;

import akka.actor.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Akka Management readiness check (akka.management.health-checks.readiness-checks in
 * management.conf): true while {@link NodeReadiness} says the node serves clients.
 */
public final class NodeReadyCheck implements Supplier<CompletionStage<Boolean>> {

  private final NodeReadiness readiness;

  /** Akka Management instantiates checks with the classic ActorSystem. */
  public NodeReadyCheck(ActorSystem system) {
    this.readiness = NodeReadiness.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(readiness.isReady());
  }
}
