package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The shutdown's budget: the profile's phase timeouts fit in the deadline, and one that does not is refused. */
class ShutdownPhasesTest {

  @Test
  void theClusterProfilesPhaseTimeoutsFitInTheDeadlineWhichFitsInKubernetesGracePeriod() {
    // A local ActorSystem with the cluster profile's shutdown settings: CoordinatedShutdown adds up the phases.
    // exit-jvm off: the profile's own setting would end the test JVM when this system stops.
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "phases", ConfigFactory.parseString(
            "akka.actor.provider = local\nakka.coordinated-shutdown.exit-jvm = off")
        .withFallback(ConfigFactory.parseResources("cluster.conf"))
        .withFallback(ConfigFactory.load()).resolve());
    try {
      Duration total = Duration.ofNanos(CoordinatedShutdown.get(system).totalTimeout().toNanos());
      Duration deadline = system.settings().config().getDuration("weir.shutdown.deadline");
      ShutdownPhases.checkBudget(deadline, total);
      assertThat(total).isLessThanOrEqualTo(deadline);
      assertThat(deadline).as("below k8s/base terminationGracePeriodSeconds").isLessThan(Duration.ofSeconds(60));
    } finally {
      system.terminate();
    }
  }

  @Test
  void aDeadlineShorterThanThePhasesIsRefusedNamingBothSettings() {
    assertThatThrownBy(() -> ShutdownPhases.checkBudget(Duration.ofSeconds(30), Duration.ofSeconds(50)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weir.shutdown.deadline: 30000 ms is less than")
        .hasMessageContaining("akka.coordinated-shutdown.phases.*.timeout (50000 ms)");
    assertThatThrownBy(() -> ShutdownPhases.checkBudget(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("weir.shutdown.deadline: must be positive");
  }
}
