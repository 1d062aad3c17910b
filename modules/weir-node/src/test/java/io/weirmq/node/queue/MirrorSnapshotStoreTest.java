package io.weirmq.node.queue;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.ActorRef;
import akka.actor.ActorSystem;
import akka.pattern.Patterns;
import akka.persistence.Persistence;
import akka.persistence.SnapshotProtocol;
import akka.persistence.SnapshotSelectionCriteria;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MirrorSnapshotStore} in front of a store that is slow or failing for a while, as Cassandra
 * is on a loaded machine during a fail-over: recovery gets slower, never stuck.
 */
class MirrorSnapshotStoreTest {

  private ActorSystem system;

  @AfterEach
  void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private ActorRef start(int failures, String delay) {
    Config config = ConfigFactory.parseString("""
        akka.actor.provider = cluster
        akka.remote.artery.canonical.hostname = 127.0.0.1
        akka.remote.artery.canonical.port = 0
        akka.loglevel = WARNING
        akka.persistence.snapshot-store.plugin = weir-mirror-snapshot-store
        weir-mirror-snapshot-store.delegate = flaky-snapshot-store
        weir-mirror-snapshot-store.adopt-timeout = 300ms
        flaky-snapshot-store {
          class = "io.weirmq.node.queue.FlakySnapshotStore"
          failures = %d
          delay = %s
          circuit-breaker.max-failures = 1000
        }
        """.formatted(failures, delay)).withFallback(ConfigFactory.defaultReference());
    system = ActorSystem.create("MirrorSnapshotStoreTest", config);
    return Persistence.get(system).snapshotStoreFor("weir-mirror-snapshot-store", ConfigFactory.empty());
  }

  private static Object load(ActorRef store, String persistenceId) throws Exception {
    return Patterns.ask(store, new SnapshotProtocol.LoadSnapshot(persistenceId, SnapshotSelectionCriteria.latest(),
        Long.MAX_VALUE), Duration.ofSeconds(20)).toCompletableFuture().get();
  }

  private static String loaded(Object reply) {
    assertThat(reply).as("the load's reply").isInstanceOf(SnapshotProtocol.LoadSnapshotResult.class);
    var result = (SnapshotProtocol.LoadSnapshotResult) reply;
    return result.snapshot().isDefined() ? result.snapshot().get().snapshot().toString() : "none";
  }

  @Test
  void aQueueWhoseNodeHasNoMirrorHostRecoversFromTheDelegateInsteadOfTimingOut() throws Exception {
    ActorRef store = start(0, "0s");
    // No MirrorHost runs on this node (as before a node's broker has started it): nobody answers the
    // hand-over, and the load must go on to the delegate's snapshot.
    long t0 = System.nanoTime();
    assertThat(loaded(load(store, QueueEntity.ENTITY_KEY.name() + "|1@1://q"))).isEqualTo("stored");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aRunOfFailedLoadsDoesNotStopTheNextLoadsOnTheNode() throws Exception {
    ActorRef store = start(7, "0s");
    for (int i = 1; i <= 7; i++) {
      assertThat(load(store, "weir-metadata-registry")).as("load %d", i)
          .isInstanceOf(SnapshotProtocol.LoadSnapshotFailed.class);
    }
    // The store is well again: the next recovery (the registry's, a queue's) loads at once, instead
    // of failing for a minute behind an open circuit breaker.
    assertThat(loaded(load(store, "weir-metadata-registry"))).isEqualTo("stored");
    assertThat(loaded(load(store, QueueEntity.ENTITY_KEY.name() + "|1@1://q"))).isEqualTo("stored");
  }

  @Test
  void aDelegateLoadSlowerThanTenSecondsIsWaitedFor() throws Exception {
    // 10 s was this store's cut-off when a restarted node's loads failed in ChaosIT.
    ActorRef store = start(0, "11s");
    assertThat(loaded(load(store, "weir-metadata-registry"))).isEqualTo("stored");
  }
}
