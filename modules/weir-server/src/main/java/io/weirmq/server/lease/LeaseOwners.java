package io.weirmq.server.lease;

import akka.actor.AbstractExtensionId;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.coordination.lease.LeaseSettings;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import com.typesafe.config.Config;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The lease owners of one ActorSystem, one per owner name Akka gives its leases (the node's
 * host:port), sharing the journal's Cassandra session.
 */
final class LeaseOwners implements Extension {

  private static final AbstractExtensionId<LeaseOwners> ID = new AbstractExtensionId<>() {
    @Override
    public LeaseOwners createExtension(ExtendedActorSystem system) {
      return new LeaseOwners(system);
    }
  };

  private final ExtendedActorSystem system;
  private final Map<String, LeaseOwner> owners = new HashMap<>();
  private final Map<String, LeaseStore> stores = new HashMap<>();

  private final LeaseMembership membership;

  private LeaseOwners(ExtendedActorSystem system) {
    this.system = system;
    this.membership = LeaseMembership.of(system);
  }

  LeaseMembership membership() {
    return membership;
  }

  static LeaseOwners get(ExtendedActorSystem system) {
    return ID.get(system);
  }

  /** The store for a lease config block (keyspace, session, timeout), its tables created first in development. */
  synchronized LeaseStore store(LeaseSettings settings) {
    Config config = settings.leaseConfig();
    String key = config.getString("session-config-path") + "/" + config.getString("keyspace");
    return stores.computeIfAbsent(key, k -> {
      CompletionStage<com.datastax.oss.driver.api.core.CqlSession> session =
          CassandraSessionRegistry.get(system).sessionFor(config.getString("session-config-path")).underlying();
      LeaseStore plain = new LeaseStore(session, config.getString("keyspace"),
          settings.timeoutSettings().getOperationTimeout(), config.getBoolean("local-datacenter"));
      if (!config.getBoolean("tables-autocreate")) {
        return plain;
      }
      CompletionStage<com.datastax.oss.driver.api.core.CqlSession> afterTables =
          plain.createTables(config.getInt("replication-factor")).thenCompose(x -> session);
      return new LeaseStore(afterTables, config.getString("keyspace"),
          settings.timeoutSettings().getOperationTimeout(), config.getBoolean("local-datacenter"));
    });
  }

  synchronized LeaseOwner owner(LeaseSettings settings) {
    return owners.computeIfAbsent(settings.ownerName(),
        name -> new LeaseOwner(name, store(settings), LeaseTimings.of(settings), membership, system));
  }
}
