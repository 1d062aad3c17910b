package io.weirmq.server;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Creates the journal's keyspaces and tables in Cassandra from a CQL file with {@code ${name}}
 * parameters ({@code cluster-config/cassandra/schema.cql}, also inside this jar), so that production
 * needs no cqlsh and no auto-create, and the replication factor is the operator's choice.
 *
 * <p>Defaults for keyspaces, contact points and datacenter come from the Cassandra profile
 * ({@code persistence-cassandra.conf} and its environment variables, or the node's own file given with
 * {@code -Dconfig.file}), so the schema lands where the node will look for it.
 */
public final class CassandraSchemaTool {

  /** The schema inside the server jar (copied from cluster-config/cassandra/schema.cql). */
  static final String BUNDLED_SCHEMA = "cassandra/schema.cql";

  private static final Pattern PARAMETER = Pattern.compile("\\$\\{([A-Za-z_]+)}");
  // Keyspace names as Cassandra accepts them unquoted (the plugin checks the same).
  private static final Pattern KEYSPACE_NAME = Pattern.compile("[A-Za-z0-9_]{1,48}");
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  static final String USAGE = """
      usage: java -cp weir-server.jar io.weirmq.server.CassandraSchemaTool --replication-factor N [options]
        --replication-factor N   copies of every row in the datacenter (3 for a cluster, 1 for a node of one)
        --datacenter NAME        the datacenter the replicas live in (default: the profile's local datacenter)
        --contact-point H:P      a Cassandra node to connect to; repeatable (default: the profile's contact points)
        --keyspace NAME          the journal's keyspace (default: akka.persistence.cassandra.journal.keyspace)
        --snapshot-keyspace NAME the snapshot store's keyspace (default: akka.persistence.cassandra.snapshot.keyspace)
        --cql FILE               the CQL file (default: the schema.cql inside this jar)
        --print                  print the statements instead of applying them
      Credentials, when Cassandra asks for them, are the profile's
      datastax-java-driver.advanced.auth-provider.username and .password (the k8s profile reads them
      from WEIR_CASSANDRA_USERNAME and WEIR_CASSANDRA_PASSWORD).
      """;

  private CassandraSchemaTool() {}

  /** A Cassandra login; its password never appears in a string made of it. */
  record Credentials(String username, String password) {
    @Override
    public String toString() {
      return "Credentials[username=" + username + ", password=***]";
    }
  }

  /** What the command line asks for, with the profile's defaults filled in; no credentials when the profile has none. */
  record Options(Path cql, int replicationFactor, String datacenter, List<InetSocketAddress> contactPoints,
                 String keyspace, String snapshotKeyspace, boolean print, Optional<Credentials> credentials) {

    static Options parse(String[] args, Config profile) {
      Path cql = null;
      Integer replicationFactor = null;
      String datacenter = profile.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter");
      List<InetSocketAddress> contactPoints = new ArrayList<>();
      String keyspace = profile.getString("akka.persistence.cassandra.journal.keyspace");
      String snapshotKeyspace = profile.getString("akka.persistence.cassandra.snapshot.keyspace");
      boolean print = false;
      for (int i = 0; i < args.length; i++) {
        String option = args[i];
        if (option.equals("--print")) {
          print = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args[++i];
        switch (option) {
          case "--cql" -> cql = Path.of(value);
          case "--replication-factor" -> replicationFactor = positive(value);
          case "--datacenter" -> datacenter = value;
          case "--contact-point" -> contactPoints.add(hostAndPort(value));
          case "--keyspace" -> keyspace = value;
          case "--snapshot-keyspace" -> snapshotKeyspace = value;
          default -> throw new IllegalArgumentException("unknown option " + option);
        }
      }
      if (replicationFactor == null) {
        throw new IllegalArgumentException("--replication-factor is required: 3 for a cluster, 1 for a node of one");
      }
      if (contactPoints.isEmpty()) {
        profile.getStringList("datastax-java-driver.basic.contact-points")
            .forEach(p -> contactPoints.add(hostAndPort(p)));
      }
      return new Options(cql, replicationFactor, datacenter, List.copyOf(contactPoints), keyspace, snapshotKeyspace,
          print, credentials(profile));
    }

    private static Optional<Credentials> credentials(Config profile) {
      String auth = "datastax-java-driver.advanced.auth-provider.";
      if (!profile.hasPath(auth + "username")) {
        return Optional.empty();
      }
      if (!profile.hasPath(auth + "password")) {
        throw new IllegalArgumentException(auth + "username is set but " + auth + "password is not");
      }
      return Optional.of(new Credentials(profile.getString(auth + "username"), profile.getString(auth + "password")));
    }

    Map<String, String> parameters() {
      for (String name : List.of(keyspace, snapshotKeyspace)) {
        if (!KEYSPACE_NAME.matcher(name).matches()) {
          throw new IllegalArgumentException("not a keyspace name: " + name);
        }
      }
      if (datacenter.isBlank() || datacenter.contains("'")) {
        throw new IllegalArgumentException("not a datacenter name: " + datacenter);
      }
      Map<String, String> parameters = new LinkedHashMap<>();
      parameters.put("keyspace", keyspace);
      parameters.put("snapshot_keyspace", snapshotKeyspace);
      parameters.put("datacenter", datacenter);
      parameters.put("replication_factor", Integer.toString(replicationFactor));
      return parameters;
    }
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args, profile());
    } catch (IllegalArgumentException | ConfigException e) {
      System.err.println("CassandraSchemaTool: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    try {
      run(options, System.out);
    } catch (Exception e) {
      System.err.println("CassandraSchemaTool: " + e);
      System.exit(1);
    }
    System.exit(0); // the driver's threads would keep the JVM alive a little longer
  }

  /** The node's configuration if one was named with -Dconfig.*, else the Cassandra profile of this jar. */
  static Config profile() {
    boolean nodeConfig = Stream.of("config.file", "config.resource", "config.url")
        .anyMatch(key -> System.getProperty(key) != null);
    return nodeConfig ? ConfigFactory.load() : ConfigFactory.load("persistence-cassandra");
  }

  static void run(Options options, PrintStream out) throws IOException {
    List<String> statements = statements(read(options.cql()), options.parameters());
    if (options.print()) {
      statements.forEach(s -> out.println(s + ";\n"));
      return;
    }
    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, DDL_TIMEOUT)
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, DDL_TIMEOUT)
        .build();
    var builder = CqlSession.builder().withConfigLoader(config).addContactPoints(options.contactPoints())
        .withLocalDatacenter(options.datacenter());
    options.credentials().ifPresent(c -> {
      builder.withAuthCredentials(c.username(), c.password());
      out.println("logging in as " + c.username());
    });
    try (CqlSession session = builder.build()) {
      for (String statement : statements) {
        session.execute(statement);
        out.println("applied: " + statement.lines().findFirst().orElse(statement));
      }
      if (!session.checkSchemaAgreement()) {
        out.println("warning: the Cassandra nodes do not agree on the schema yet; check nodetool describecluster");
      }
      for (String keyspace : List.of(options.keyspace(), options.snapshotKeyspace())) {
        Row row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace)
            .one();
        Map<String, String> replication = row == null ? Map.of() : row.getMap("replication", String.class, String.class);
        out.println("keyspace " + keyspace + ": replication " + replication);
        if (!Integer.toString(options.replicationFactor()).equals(replication.get(options.datacenter()))) {
          out.println("warning: " + keyspace + " existed before with other replication; the file asks for "
              + options.datacenter() + ": " + options.replicationFactor()
              + ". Change it with ALTER KEYSPACE, then run nodetool repair.");
        }
      }
    }
  }

  private static String read(Path cql) throws IOException {
    if (cql != null) {
      return Files.readString(cql, StandardCharsets.UTF_8);
    }
    try (InputStream in = CassandraSchemaTool.class.getClassLoader().getResourceAsStream(BUNDLED_SCHEMA)) {
      if (in == null) {
        throw new IOException(BUNDLED_SCHEMA + " is not on the class path; give --cql FILE");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * The CQL statements of a file: lines starting with {@code --} or {@code //} are comments,
   * statements end with {@code ;} (no semicolons inside string literals), and every
   * {@code ${name}} is replaced by its parameter; an unknown name is an error.
   */
  static List<String> statements(String cql, Map<String, String> parameters) {
    StringBuilder text = new StringBuilder();
    cql.lines().filter(line -> !line.strip().startsWith("--") && !line.strip().startsWith("//"))
        .forEach(line -> text.append(line).append('\n'));
    Matcher m = PARAMETER.matcher(text);
    StringBuilder replaced = new StringBuilder();
    while (m.find()) {
      String value = parameters.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException("unknown parameter ${" + m.group(1) + "} in the CQL file; known: "
            + parameters.keySet());
      }
      m.appendReplacement(replaced, Matcher.quoteReplacement(value));
    }
    m.appendTail(replaced);
    List<String> statements = new ArrayList<>();
    for (String statement : replaced.toString().split(";")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    return statements;
  }

  private static int positive(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("not a positive number: " + value);
  }

  private static InetSocketAddress hostAndPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("a contact point is host:port, not " + value);
    }
    return new InetSocketAddress(value.substring(0, colon), positive(value.substring(colon + 1)));
  }
}
