package io.weirmq.server.lease;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The two lease tables of schema.cql ({@code leases}, {@code lease_owners}), one method per
 * statement. Every change is a lightweight transaction (Paxos on the row's replicas) and every read
 * is at SERIAL consistency, so two nodes never both see their own write win.
 */
final class LeaseStore {

  /** An owner incarnation's row: when it last renewed (its own wall clock, ms) and whether it was fenced. */
  record OwnerRow(long renewedAt, boolean fenced) {}

  private final CompletionStage<CqlSession> session;
  private final String keyspace;
  private final Duration timeout;
  private final ConsistencyLevel consistency;
  private final ConsistencyLevel serial;

  LeaseStore(CompletionStage<CqlSession> session, String keyspace, Duration timeout, boolean localDatacenter) {
    this.session = session;
    this.keyspace = keyspace;
    this.timeout = timeout;
    this.consistency = localDatacenter ? DefaultConsistencyLevel.LOCAL_QUORUM : DefaultConsistencyLevel.QUORUM;
    this.serial = localDatacenter ? DefaultConsistencyLevel.LOCAL_SERIAL : DefaultConsistencyLevel.SERIAL;
  }

  /** Development only (tables-autocreate): the keyspace, if missing, and both tables, as schema.cql has them. */
  CompletionStage<Void> createTables(int replicationFactor) {
    return ddl("CREATE KEYSPACE IF NOT EXISTS " + keyspace
        + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': " + replicationFactor + "}")
        .thenCompose(x -> ddl("CREATE TABLE IF NOT EXISTS " + keyspace + ".leases (name text PRIMARY KEY, owner text)"))
        .thenCompose(x -> ddl("CREATE TABLE IF NOT EXISTS " + keyspace
            + ".lease_owners (owner text PRIMARY KEY, renewed_at bigint, fenced boolean)"
            + " WITH default_time_to_live = 86400"));
  }

  /** A new incarnation's row; false if the (random) name was taken. */
  CompletionStage<Boolean> register(String owner, long now) {
    return applied(write("INSERT INTO %s.lease_owners (owner, renewed_at, fenced) VALUES (?, ?, false) IF NOT EXISTS",
        owner, now));
  }

  /**
   * Renews an incarnation's row unless it was fenced (or expired): false means every lease it
   * held may belong to another node now. Both columns are rewritten, so neither outlives the row's TTL.
   */
  CompletionStage<Boolean> renew(String owner, long now) {
    return applied(write("UPDATE %s.lease_owners SET renewed_at = ?, fenced = false WHERE owner = ? IF fenced = false",
        now, owner));
  }

  CompletionStage<Optional<OwnerRow>> owner(String owner) {
    return read("SELECT renewed_at, fenced FROM %s.lease_owners WHERE owner = ?", owner)
        .thenApply(row -> row.map(r -> new OwnerRow(r.getLong("renewed_at"), r.getBoolean("fenced"))));
  }

  /**
   * Fences an incarnation seen silent since {@code renewedAt}: applied only if it has not renewed
   * since, and after it, it never renews again.
   */
  CompletionStage<Boolean> fence(String owner, long renewedAt) {
    return applied(write("UPDATE %s.lease_owners SET fenced = true WHERE owner = ? IF renewed_at = ?", owner, renewedAt));
  }

  CompletionStage<Optional<String>> leaseOwner(String name) {
    return read("SELECT owner FROM %s.leases WHERE name = ?", name).thenApply(row -> row.map(r -> r.getString("owner")));
  }

  /** Creates a lease row for {@code owner}; empty if it did, else the owner already there. */
  CompletionStage<Optional<String>> insertLease(String name, String owner) {
    return write("INSERT INTO %s.leases (name, owner) VALUES (?, ?) IF NOT EXISTS", name, owner)
        .thenApply(rs -> rs.wasApplied() ? Optional.empty() : Optional.ofNullable(rs.one()).map(r -> r.getString("owner")));
  }

  /** Moves a lease from {@code from} to {@code to}; false if {@code from} no longer holds it. */
  CompletionStage<Boolean> takeLease(String name, String from, String to) {
    return applied(write("UPDATE %s.leases SET owner = ? WHERE name = ? IF owner = ?", to, name, from));
  }

  CompletionStage<Boolean> releaseLease(String name, String owner) {
    return applied(write("DELETE FROM %s.leases WHERE name = ? IF owner = ?", name, owner));
  }

  private CompletionStage<AsyncResultSet> write(String cql, Object... values) {
    SimpleStatement statement = SimpleStatement.newInstance(String.format(cql, keyspace), values)
        .setConsistencyLevel(consistency)
        .setSerialConsistencyLevel(serial)
        .setTimeout(timeout);
    return session.thenCompose(s -> s.executeAsync(statement));
  }

  private CompletionStage<Optional<Row>> read(String cql, Object... values) {
    SimpleStatement statement = SimpleStatement.newInstance(String.format(cql, keyspace), values)
        .setConsistencyLevel(serial)
        .setTimeout(timeout);
    return session.thenCompose(s -> s.executeAsync(statement)).thenApply(rs -> Optional.ofNullable(rs.one()));
  }

  private CompletionStage<Void> ddl(String cql) {
    SimpleStatement statement = SimpleStatement.newInstance(cql).setTimeout(Duration.ofSeconds(30));
    return session.thenCompose(s -> s.executeAsync(statement)).thenApply(rs -> null);
  }

  private static CompletionStage<Boolean> applied(CompletionStage<AsyncResultSet> result) {
    return result.thenApply(AsyncResultSet::wasApplied);
  }
}
