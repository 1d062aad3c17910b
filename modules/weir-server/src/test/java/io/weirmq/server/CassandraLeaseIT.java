package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.coordination.lease.javadsl.Lease;
import akka.coordination.lease.javadsl.LeaseProvider;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cassandra lease ({@code io.weirmq.server.lease.CassandraLease}) that sharding and the
 * singletons take, on a real Cassandra with the schema file applied, through Akka's own
 * {@link LeaseProvider} and the cluster profile's {@code weir.lease} block: two ActorSystems play
 * two nodes (each a plain ActorSystem: for the other, never a cluster member). One holder at a
 * time; a crashed holder's lease moves after heartbeat-timeout, not before, and its row is fenced; a fenced holder loses every lease at once and takes new ones under
 * a new incarnation; a holder that cannot reach Cassandra gives its leases up by itself.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CassandraLeaseIT {

  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(2);
  /**
   * member-heartbeat-timeout - clock-tolerance in the profile: how long a holder that sees its
   * cluster whole (a plain ActorSystem always does) keeps its leases without a renewal.
   */
  private static final Duration VALIDITY_WHOLE = Duration.ofMillis(9500);

  @TempDir static Path dir;
  private static LocalCassandra cassandra;
  private static CqlSession cql;
  private final List<ActorSystem<Void>> systems = new ArrayList<>();

  @BeforeAll
  static void startCassandra() throws Exception {
    cassandra = LocalCassandra.start(dir, "CassandraLeaseIT");
    cql = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", cassandra.cqlPort()))
        .withLocalDatacenter("datacenter1").build();
  }

  @AfterAll
  static void stopCassandra() throws Exception {
    try {
      if (cql != null) {
        cql.close();
      }
    } finally {
      if (cassandra != null) {
        cassandra.close();
      }
    }
  }

  @AfterEach
  void stopSystems() {
    systems.forEach(ActorSystem::terminate);
    systems.forEach(s -> s.getWhenTerminated().toCompletableFuture().join());
  }

  private ActorSystem<Void> node(String name) {
    Config config = ConfigFactory.parseString("akka.actor.provider = local\n"
            + "akka.coordinated-shutdown.exit-jvm = off\n"
            + "weir.cassandra.contact-point = \"" + cassandra.contactPoint() + "\"\n")
        .withFallback(ConfigFactory.parseResources("cassandra-cluster.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, config);
    systems.add(system);
    return system;
  }

  private static Lease lease(ActorSystem<Void> system, String name, String owner) {
    return LeaseProvider.get(system).getLease(name, "weir.lease", owner);
  }

  private static boolean acquire(Lease lease) {
    return lease.acquire().toCompletableFuture().join();
  }

  private static Optional<String> holderOf(String lease) {
    return Optional.ofNullable(cql.execute("SELECT owner FROM weirmq.leases WHERE name = ?", lease).one())
        .map(r -> r.getString("owner"));
  }

  @Test
  @Order(1)
  void aLeaseHasOneHolderAtATimeAndMovesWhenReleased() {
    Lease a = lease(node("a"), "one-holder", "127.0.0.1:1001");
    Lease b = lease(node("b"), "one-holder", "127.0.0.1:1002");

    assertThat(acquire(a)).as("first acquire").isTrue();
    assertThat(a.checkLease()).isTrue();
    assertThat(acquire(b)).as("held by a, whose row is renewed").isFalse();
    assertThat(b.checkLease()).isFalse();
    assertThat(acquire(a)).as("a again: it holds it already").isTrue();
    assertThat(holderOf("one-holder")).hasValueSatisfying(o -> assertThat(o).startsWith("127.0.0.1:1001#"));

    assertThat(a.release().toCompletableFuture().join()).isTrue();
    assertThat(a.checkLease()).isFalse();
    assertThat(holderOf("one-holder")).isEmpty();
    assertThat(acquire(b)).as("released by a").isTrue();
    assertThat(acquire(a)).as("now held by b").isFalse();
  }

  @Test
  @Order(2)
  void aCrashedHoldersLeaseMovesAfterHeartbeatTimeoutNotBeforeAndItsRowIsFenced() throws Exception {
    ActorSystem<Void> crashing = node("crashing");
    Lease a = lease(crashing, "crash", "127.0.0.1:2001");
    Lease b = lease(node("survivor"), "crash", "127.0.0.1:2002");
    assertThat(acquire(a)).isTrue();
    String crashedOwner = holderOf("crash").orElseThrow();

    // Terminating the system without a release is what a kill -9 leaves in Cassandra: a lease row
    // naming an incarnation whose row nobody renews any more.
    crashing.terminate();
    crashing.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long stopped = System.nanoTime();
    boolean acquired = false;
    while (!acquired && System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(15)) {
      acquired = acquire(b);
      if (!acquired) {
        Thread.sleep(50); // the retry interval a shard would use
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - stopped);
    System.out.printf("CassandraLeaseIT: the crashed holder's lease moved %d ms after its last renewals stopped%n",
        took.toMillis());
    assertThat(acquired).as("taken over within 15 s").isTrue();
    // Its last renewal was sent at most one heartbeat-interval (0.4 s) before the stop.
    assertThat(took).as("not before the holder's row was silent for heartbeat-timeout")
        .isGreaterThan(HEARTBEAT_TIMEOUT.minusMillis(400 + 100));
    assertThat(took).isLessThan(HEARTBEAT_TIMEOUT.plusSeconds(3));
    assertThat(b.checkLease()).isTrue();

    Row row = cql.execute("SELECT fenced FROM weirmq.lease_owners WHERE owner = ?", crashedOwner).one();
    assertThat(row).isNotNull();
    assertThat(row.getBoolean("fenced")).as("the old incarnation can never renew again").isTrue();
  }

  @Test
  @Order(3)
  void aFencedHolderLosesEveryLeaseAtOnceAndTakesNewOnesUnderANewIncarnation() throws Exception {
    ActorSystem<Void> system = node("fenced");
    Lease first = lease(system, "fenced-1", "127.0.0.1:3001");
    Lease second = lease(system, "fenced-2", "127.0.0.1:3001");
    CompletableFuture<Optional<Throwable>> firstLost = new CompletableFuture<>();
    CompletableFuture<Optional<Throwable>> secondLost = new CompletableFuture<>();
    assertThat(first.acquire(firstLost::complete).toCompletableFuture().join()).isTrue();
    assertThat(second.acquire(secondLost::complete).toCompletableFuture().join()).isTrue();
    String incarnation = holderOf("fenced-1").orElseThrow();
    assertThat(holderOf("fenced-2")).hasValue(incarnation);

    // What a contender does to a holder it found silent; the holder's next renewal finds it.
    cql.execute("UPDATE weirmq.lease_owners SET fenced = true WHERE owner = ?", incarnation);

    Optional<Throwable> cause = firstLost.get(5, TimeUnit.SECONDS);
    assertThat(cause).hasValueSatisfying(t -> assertThat(t).hasMessageContaining("fenced"));
    assertThat(secondLost.get(1, TimeUnit.SECONDS)).isPresent();
    assertThat(first.checkLease()).isFalse();
    assertThat(second.checkLease()).isFalse();

    // The rows still name the fenced incarnation; a new one takes them over at once (fenced = free).
    assertThat(acquire(first)).isTrue();
    String next = holderOf("fenced-1").orElseThrow();
    assertThat(next).startsWith("127.0.0.1:3001#").isNotEqualTo(incarnation);
    assertThat(first.checkLease()).isTrue();
  }

  @Test
  @Order(4)
  void aHolderThatCannotReachCassandraGivesItsLeasesUpBeforeAnotherNodeMayTakeThem() throws Exception {
    Lease lease = lease(node("cut-off"), "cut-off", "127.0.0.1:4001");
    CompletableFuture<Optional<Throwable>> lost = new CompletableFuture<>();
    assertThat(lease.acquire(lost::complete).toCompletableFuture().join()).isTrue();

    long stopping = System.nanoTime();
    cassandra.close(); // the last test: Cassandra stays stopped
    long stopped = System.nanoTime();

    Optional<Throwable> cause = lost.get(60, TimeUnit.SECONDS);
    long lostAt = System.nanoTime();
    System.out.printf("CassandraLeaseIT: Cassandra stopped in %d ms; lease given up %d ms after the stop began%n",
        TimeUnit.NANOSECONDS.toMillis(stopped - stopping), TimeUnit.NANOSECONDS.toMillis(lostAt - stopping));
    assertThat(cause).hasValueSatisfying(t -> assertThat(t).hasMessageContaining("not renewed"));
    assertThat(lease.checkLease()).isFalse();
    // Renewals stop succeeding at the latest when Cassandra is gone; the holder gives up within
    // its validity (plus one check-interval) of that, before a contender's member-heartbeat-timeout.
    assertThat(Duration.ofNanos(lostAt - stopped)).isLessThan(VALIDITY_WHOLE.plusMillis(100 + 300));
    // And not much sooner: its last renewal was sent at most one heartbeat-interval before the stop
    // began, and with its cluster whole it rides out a Cassandra that does not answer for seconds.
    assertThat(Duration.ofNanos(lostAt - stopping)).isGreaterThan(VALIDITY_WHOLE.minusMillis(500 + 100));
  }
}
