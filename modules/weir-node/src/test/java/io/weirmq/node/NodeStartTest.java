package io.weirmq.node;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a node waits for its cluster's registry when it starts. */
class NodeStartTest {

  @TempDir Path dir;

  /**
   * A node whose cluster forms late (a slow seed, a cold journal under the registry's first
   * recovery) waits for the registry up to weir.startup-timeout, not one ask-timeout: RollingRestartIT's
   * first node once gave up after 10 s while Cassandra was still warming up.
   */
  @Test
  void startWaitsForTheRegistryUpToTheStartupTimeoutNotOneAskTimeout() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weir", ConfigFactory.parseString(
            "weir.cluster.self-join = off\nweir.ask-timeout = 1s\nweir.startup-timeout = 30s\n")
        .withFallback(TestNodes.config(dir)));
    try {
      CompletableFuture<Broker> started = WeirNode.start(system).toCompletableFuture();
      Thread.sleep(3_000); // three ask-timeouts without a cluster, hence without a registry
      assertThat(started).as("no registry yet, still waiting").isNotDone();
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      assertThat(started.get(25, TimeUnit.SECONDS).topology().vhosts()).contains("/");
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
