package io.weirmq.node;

import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * Configuration for entity tests on {@code EventSourcedBehaviorTestKit}: the in-memory persistence
 * testkit journal and snapshot store over our real configuration (reference.conf bindings and the
 * serialization profile), on a local provider so no test binds a port or forms a cluster.
 */
public final class EntityTestKits {

  private EntityTestKits() {}

  public static Config config() {
    return ConfigFactory.parseString("""
            akka.actor.provider = local
            akka.remote.artery.canonical.port = 0
            akka.loglevel = WARNING
            akka.coordinated-shutdown.exit-jvm = off
            """)
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  /**
   * Commands and events are checked to round-trip through their configured serializer. State
   * verification is off: our states ({@code QueueState}, {@code Topology}) are mutable classes that
   * reach the snapshot store only through each entity's {@code SnapshotAdapter}, so they are never
   * serialized as such; SerializationTest round-trips the snapshots they turn into instead.
   */
  public static EventSourcedBehaviorTestKit.SerializationSettings serialization() {
    return EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false);
  }
}
