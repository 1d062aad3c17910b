package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** The HOCON profiles in cluster-config/ resolve and name journal plugins that are configured. */
class ProfilesTest {

  private static Config profile(String resource) {
    return ConfigFactory.parseResources(resource).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void theSingleNodeDefaultUsesTheH2JournalUnderTheDataDirectoryAndJoinsItself() {
    Config c = profile("application.conf");
    assertThat(c.getString("akka.persistence.journal.plugin")).isEqualTo("jdbc-journal");
    assertThat(c.getString("akka.persistence.snapshot-store.plugin")).isEqualTo("jdbc-snapshot-store");
    assertThat(c.getString("akka-persistence-jdbc.shared-databases.slick.db.url"))
        .startsWith("jdbc:h2:file:" + c.getString("weir.data-dir")).contains("WRITE_DELAY=0");
    assertThat(c.getInt("jdbc-journal.replayBatchSize")).isGreaterThanOrEqualTo(10_000);
    assertThat(c.getBoolean("weir.cluster.self-join")).isTrue();
    assertThat(c.getBoolean("weir.journal.create-schema")).isTrue();
    assertThat(c.getString("akka.actor.provider")).isEqualTo("cluster");
    assertThat(c.getBoolean("weir.management.enabled")).as("no management port unless asked for").isFalse();
    assertThat(c.getBoolean("weir.management.cluster-bootstrap")).isFalse();
    assertHttpDefaults(c);
  }

  /** The HTTP API listens on loopback only by default (where guest may log in), on RabbitMQ's management port. */
  private static void assertHttpDefaults(Config c) {
    assertThat(c.getString("weir.http.interface")).isEqualTo("127.0.0.1");
    assertThat(c.getInt("weir.http.port")).isEqualTo(15672);
    assertThat(c.getBytes("weir.http.max-message-bytes")).isEqualTo(16L * 1024 * 1024);
    assertThat(c.getDuration("weir.http.request-timeout")).isGreaterThan(c.getDuration("weir.publish-timeout"));
  }

  @Test
  void theCassandraProfileNamesTheCassandraPluginsWhichAreOnTheClasspath() {
    Config c = profile("cassandra-cluster.conf");
    String journal = c.getString("akka.persistence.journal.plugin");
    String snapshots = c.getString("akka.persistence.snapshot-store.plugin");
    assertThat(journal).isEqualTo("akka.persistence.cassandra.journal");
    // Queue leaders adopt a local mirror's state through this store; everything else goes to Cassandra's.
    assertThat(snapshots).isEqualTo("weir-mirror-snapshot-store");
    assertThat(c.getString(snapshots + ".class")).isEqualTo("io.weirmq.node.queue.MirrorSnapshotStore");
    String delegate = c.getString(snapshots + ".delegate");
    assertThat(delegate).isEqualTo("akka.persistence.cassandra.snapshot");
    assertThat(c.getString("weir.mirrors.read-journal")).isEqualTo("akka.persistence.cassandra.query");
    // akka-persistence-cassandra's reference.conf defines the plugin classes the profile points at.
    assertThat(c.getString(journal + ".class")).contains("cassandra");
    assertThat(c.getString(delegate + ".class")).contains("cassandra");
    assertThat(c.getString("akka.persistence.cassandra.query.class")).contains("cassandra");
    assertThat(c.getStringList("datastax-java-driver.basic.contact-points")).containsExactly("127.0.0.1:9042");
    assertThat(c.getBoolean("weir.cluster.self-join")).isFalse();
    assertThat(c.getStringList("akka.cluster.seed-nodes")).isNotEmpty();
    // A cluster's keyspaces come from cluster-config/cassandra/schema.cql with a chosen replication.
    assertAutocreate(c, false);
    assertHttpDefaults(c);
  }

  @Test
  void theCassandraDevelopmentProfileJoinsItselfAndLetsThePluginCreateItsTables() {
    Config c = profile("cassandra-dev.conf");
    assertThat(c.getString("akka.persistence.journal.plugin")).isEqualTo("akka.persistence.cassandra.journal");
    assertThat(c.getString("akka.persistence.snapshot-store.plugin")).isEqualTo("weir-mirror-snapshot-store");
    assertThat(c.getString("weir-mirror-snapshot-store.delegate")).isEqualTo("akka.persistence.cassandra.snapshot");
    assertThat(c.getBoolean("weir.cluster.self-join")).isTrue();
    assertThat(c.getStringList("akka.cluster.seed-nodes")).isEmpty();
    assertAutocreate(c, true);
    assertThat(c.getInt("akka.persistence.cassandra.journal.replication-factor")).isEqualTo(1);
    assertThat(c.getInt("akka.persistence.cassandra.snapshot.replication-factor")).isEqualTo(1);
    assertLeases(c);
    assertHttpDefaults(c);
  }

  @Test
  void theLocalClusterProfileSeedsThreeLoopbackNodesOnCassandraWithFastKeepMajorityDowning() {
    Config c = profile("cluster-local.conf");
    assertThat(c.getString("akka.persistence.journal.plugin")).isEqualTo("akka.persistence.cassandra.journal");
    assertThat(c.getBoolean("weir.cluster.self-join")).isFalse();
    assertThat(c.getStringList("akka.cluster.seed-nodes")).containsExactly("akka://weir@127.0.0.1:25521",
        "akka://weir@127.0.0.1:25522", "akka://weir@127.0.0.1:25523");
    assertThat(c.getInt("akka.remote.artery.canonical.port")).isEqualTo(25521);
    assertThat(c.getInt("weir.http.port")).isEqualTo(15681);
    assertAutocreate(c, false);
    assertThat(c.getString("akka.cluster.downing-provider-class")).isEqualTo("akka.cluster.sbr.SplitBrainResolverProvider");
    assertThat(c.getString("akka.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
    // A crashed node's queues and the registry move within seconds, not Akka's default ~45 s.
    java.time.Duration detect = c.getDuration("akka.cluster.failure-detector.heartbeat-interval")
        .plus(c.getDuration("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
    java.time.Duration total = detect.plus(c.getDuration("akka.cluster.split-brain-resolver.stable-after"))
        .plus(c.getDuration("akka.cluster.down-removal-margin"));
    assertThat(total).isLessThanOrEqualTo(java.time.Duration.ofSeconds(8));
    assertLeases(c);
  }

  /**
   * Cassandra profiles: every shard, the registry singleton and the shard coordinator take a
   * Cassandra lease, which is what makes the short down-removal-margin safe.
   */
  private static void assertLeases(Config c) {
    assertThat(c.getString("akka.cluster.sharding.use-lease")).isEqualTo("weir.lease");
    assertThat(c.getString("akka.cluster.singleton.use-lease")).isEqualTo("weir.lease");
    assertThat(c.getString("akka.cluster.sharding.coordinator-singleton.use-lease")).isEqualTo("weir.lease");
    assertThat(c.getString("weir.lease.lease-class")).isEqualTo(io.weirmq.server.lease.CassandraLease.class.getName());
    assertThat(c.getString("weir.lease.keyspace")).isEqualTo(c.getString("akka.persistence.cassandra.journal.keyspace"));
    // Its own session: the journal plugin prepares the shared one when it creates it (and creates its
    // tables there in development), which it would not if the lease had created it first.
    assertThat(c.getString("weir.lease.session-config-path")).isNotEqualTo("akka.persistence.cassandra");
    assertThat(c.getString(c.getString("weir.lease.session-config-path") + ".datastax-java-driver-config"))
        .isEqualTo(c.getString("akka.persistence.cassandra.datastax-java-driver-config"));
    // Tag recovery re-read a queue's events on every recovery: 1.76 s of a fail-over with a million
    // messages (docs/benchmarks.md, sixth session). Nothing queries by tag.
    assertThat(c.getBoolean("akka.persistence.cassandra.events-by-tag.enabled")).isFalse();
    assertThat(c.getBoolean("weir.lease.tables-autocreate"))
        .isEqualTo(c.getBoolean("akka.persistence.cassandra.journal.tables-autocreate"));
  }

  @Test
  void theKubernetesProfileBootstrapsThroughTheKubernetesApiOnCassandraWithManagementOn() {
    Config c = profile("k8s.conf");
    assertThat(c.getString("akka.persistence.journal.plugin")).isEqualTo("akka.persistence.cassandra.journal");
    assertAutocreate(c, false);
    assertThat(c.getBoolean("weir.management.enabled")).isTrue();
    assertThat(c.getBoolean("weir.management.cluster-bootstrap")).isTrue();
    assertThat(c.getBoolean("weir.cluster.self-join")).isFalse();
    assertThat(c.getStringList("akka.cluster.seed-nodes")).isEmpty();
    NodeManagement.checkConsistent(c, true, true);
    assertLeases(c);
    assertThat(c.getInt("akka.management.http.port")).isEqualTo(8558);
    assertThat(c.getString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"))
        .isEqualTo("kubernetes-api");
    // The class Akka Discovery loads for that method is on the class path.
    assertThat(c.getString("akka.discovery.kubernetes-api.class")).contains("KubernetesApiServiceDiscovery");
    assertThat(c.getString("akka.management.cluster.bootstrap.contact-point-discovery.port-name")).isEqualTo("management");
    assertThat(c.getString("akka.management.health-checks.readiness-checks.weir-node"))
        .isEqualTo(NodeReadyCheck.class.getName());
    assertThat(c.getString("akka.management.health-checks.readiness-checks.cluster-membership")).isNotBlank();
    assertThat(c.getString("weir.http.interface")).isEqualTo("0.0.0.0");
    assertThat(c.getInt("weir.http.port")).isEqualTo(15672);
    assertThat(c.getString("datastax-java-driver.advanced.auth-provider.class")).isEqualTo("PlainTextAuthProvider");
    assertThat(c.getDuration("weir.startup-timeout")).isGreaterThanOrEqualTo(java.time.Duration.ofMinutes(1));
  }

  private static void assertAutocreate(Config c, boolean on) {
    for (String key : new String[] {"journal.keyspace-autocreate", "journal.tables-autocreate",
        "snapshot.keyspace-autocreate", "snapshot.tables-autocreate"}) {
      assertThat(c.getBoolean("akka.persistence.cassandra." + key)).as(key).isEqualTo(on);
    }
  }
}
