package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.cassandra.KeyspaceAndTableStatements;
import akka.persistence.cassandra.PluginSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The schema file and the tool that applies it, without a Cassandra (CassandraJournalIT has one). */
class CassandraSchemaToolTest {

  private static final Pattern CREATE_TABLE =
      Pattern.compile("(?i)CREATE TABLE IF NOT EXISTS\\s+([A-Za-z0-9_]+\\.[A-Za-z0-9_]+)\\s*\\(");
  private static final Pattern CLUSTERING_ORDER = Pattern.compile("(?i)CLUSTERING ORDER BY\\s*\\(([^)]*)\\)");

  private static Config profile() {
    // exit-jvm off: cluster.conf sets it on, and terminate() would end the test JVM.
    return ConfigFactory.parseString("akka.actor.provider = local\nakka.coordinated-shutdown.exit-jvm = off")
        .withFallback(ConfigFactory.parseResources("cassandra-cluster.conf"))
        .withFallback(ConfigFactory.defaultReference()).resolve();
  }

  private static String bundledSchema() throws IOException {
    try (InputStream in = CassandraSchemaTool.class.getClassLoader()
        .getResourceAsStream(CassandraSchemaTool.BUNDLED_SCHEMA)) {
      assertThat(in).as("schema.cql is packaged with the server").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static CassandraSchemaTool.Options options(String... args) {
    return CassandraSchemaTool.Options.parse(args, profile());
  }

  @Test
  void theSchemaFileCreatesEveryTableThePluginUsesWithThePluginsColumnsKeysAndOrder() throws IOException {
    List<String> ours = CassandraSchemaTool.statements(bundledSchema(),
        options("--replication-factor", "3").parameters());

    Config config = profile();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "schema-test", config);
    List<String> plugins = new ArrayList<>();
    try {
      var statements = new KeyspaceAndTableStatements(system, "akka.persistence.cassandra",
          PluginSettings.apply(system.classicSystem(), config.getConfig("akka.persistence.cassandra")));
      plugins.addAll(statements.getCreateJournalTablesStatements());
      plugins.addAll(statements.getCreateSnapshotTablesStatements());
    } finally {
      system.terminate();
    }

    Map<String, String> ourShapes = tableShapes(ours);
    // WeirMQ's own tables (the leases) are not the plugin's; the rest must be exactly the plugin's.
    assertThat(ourShapes.remove("weirmq.leases")).isEqualTo("name text primary key,owner text");
    assertThat(ourShapes.remove("weirmq.lease_owners")).isEqualTo("owner text primary key,renewed_at bigint,fenced boolean");
    assertThat(ourShapes).isEqualTo(tableShapes(plugins))
        .containsKeys("weirmq.messages", "weirmq.metadata", "weirmq.all_persistence_ids", "weirmq.tag_views",
            "weirmq.tag_write_progress", "weirmq.tag_scanning", "weirmq_snapshot.snapshots");
  }

  /** Table name to its column list and primary key, plus its clustering order, whitespace-insensitive. */
  private static Map<String, String> tableShapes(List<String> statements) {
    Map<String, String> shapes = new TreeMap<>();
    for (String statement : statements) {
      Matcher m = CREATE_TABLE.matcher(statement);
      if (!m.find()) {
        continue;
      }
      int depth = 1;
      int end = m.end();
      while (depth > 0) {
        char c = statement.charAt(end++);
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      }
      Matcher order = CLUSTERING_ORDER.matcher(statement);
      String clustering = order.find() ? " clustering " + normalize(order.group(1)) : "";
      shapes.put(m.group(1), normalize(statement.substring(m.end(), end - 1)) + clustering);
    }
    return shapes;
  }

  private static String normalize(String cql) {
    return cql.toLowerCase().replaceAll("\\s+", " ").replaceAll(" ?([(),<>]) ?", "$1").strip();
  }

  @Test
  void keyspacesAreCreatedWithTheReplicationFactorAndDatacenterGiven() throws IOException {
    List<String> statements = CassandraSchemaTool.statements(bundledSchema(),
        options("--replication-factor", "3", "--datacenter", "dc-east", "--keyspace", "broker",
            "--snapshot-keyspace", "broker_snap").parameters());

    assertThat(statements).filteredOn(s -> s.startsWith("CREATE KEYSPACE")).hasSize(2).allSatisfy(s ->
        assertThat(s).contains("'class': 'NetworkTopologyStrategy', 'dc-east': 3"));
    assertThat(statements).anySatisfy(s -> assertThat(s).startsWith("CREATE KEYSPACE IF NOT EXISTS broker\n"));
    assertThat(statements).anySatisfy(s -> assertThat(s).startsWith("CREATE TABLE IF NOT EXISTS broker_snap.snapshots"));
    assertThat(statements).noneSatisfy(s -> assertThat(s).contains("${", "--"));
  }

  @Test
  void defaultsComeFromTheCassandraProfile() {
    CassandraSchemaTool.Options o = options("--replication-factor", "1");
    assertThat(o.keyspace()).isEqualTo("weirmq");
    assertThat(o.snapshotKeyspace()).isEqualTo("weirmq_snapshot");
    assertThat(o.datacenter()).isEqualTo("datacenter1");
    assertThat(o.contactPoints()).singleElement().satisfies(a -> {
      assertThat(a.getHostString()).isEqualTo("127.0.0.1");
      assertThat(a.getPort()).isEqualTo(9042);
    });
    assertThat(o.cql()).as("the bundled schema").isNull();
  }

  @Test
  void withoutCredentialsInTheProfileTheToolLogsInAnonymously() {
    assertThat(options("--replication-factor", "1").credentials()).isEmpty();
  }

  @Test
  void theKubernetesProfileGivesTheCredentialsFromItsEnvironmentAndNeverPrintsThePassword() {
    // The k8s profile as a pod resolves it: the Secret's values arrive as environment variables.
    Config k8s = ConfigFactory.parseResources("k8s.conf").withFallback(ConfigFactory.defaultReference())
        .withFallback(ConfigFactory.parseMap(Map.of("WEIR_CASSANDRA_USERNAME", "weirmq",
            "WEIR_CASSANDRA_PASSWORD", "pa55-word", "WEIR_CASSANDRA_CONTACT_POINT", "cassandra:9042")))
        .resolve();
    CassandraSchemaTool.Options o = CassandraSchemaTool.Options.parse(new String[] {"--replication-factor", "3"}, k8s);
    assertThat(o.credentials()).get().satisfies(c -> {
      assertThat(c.username()).isEqualTo("weirmq");
      assertThat(c.password()).isEqualTo("pa55-word");
    });
    assertThat(o.contactPoints()).singleElement().satisfies(a -> assertThat(a.getHostString()).isEqualTo("cassandra"));
    assertThat(o.toString()).contains("weirmq").doesNotContain("pa55-word");
  }

  @Test
  void commentsAreDroppedAndSemicolonsEndStatements() {
    assertThat(CassandraSchemaTool.statements("""
        -- a comment; with a semicolon
        CREATE KEYSPACE ${keyspace} WITH x = 1;
        // another
          CREATE TABLE ${keyspace}.t (a int PRIMARY KEY)
        ;
        """, Map.of("keyspace", "k")))
        .containsExactly("CREATE KEYSPACE k WITH x = 1", "CREATE TABLE k.t (a int PRIMARY KEY)");
  }

  @Test
  void anUnknownParameterIsAnErrorNotAnEmptyString() {
    assertThatThrownBy(() -> CassandraSchemaTool.statements("CREATE KEYSPACE ${keyspce};", Map.of("keyspace", "k")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("${keyspce}");
  }

  @Test
  void theReplicationFactorIsRequiredAndPositiveAndNamesAreChecked() {
    assertThatThrownBy(() -> options()).hasMessageContaining("--replication-factor is required");
    assertThatThrownBy(() -> options("--replication-factor", "0")).hasMessageContaining("not a positive number");
    assertThatThrownBy(() -> options("--replication-factor", "1", "--keyspace", "a;DROP").parameters())
        .hasMessageContaining("not a keyspace name");
    assertThatThrownBy(() -> options("--replication-factor", "1", "--datacenter", "x'").parameters())
        .hasMessageContaining("not a datacenter name");
    assertThatThrownBy(() -> options("--replication-factor", "1", "--contact-point", "nohost"))
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> options("--replication-factor")).hasMessageContaining("needs a value");
  }

  @Test
  void printShowsTheStatementsWithoutConnecting() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CassandraSchemaTool.run(options("--replication-factor", "2", "--contact-point", "127.0.0.1:1", "--print"),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("CREATE KEYSPACE IF NOT EXISTS weirmq\n", "'datacenter1': 2", "weirmq.messages (");
    assertThat(Optional.of(out.toString(StandardCharsets.UTF_8))).get().asString().doesNotContain("${");
  }
}
