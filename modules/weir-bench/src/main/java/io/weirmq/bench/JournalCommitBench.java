package io.weirmq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * What one commit of the embedded H2 journal costs, without the broker around it: the node's own
 * journal tables (the schema script the node runs, {@code io/weirmq/node/journal-h2.sql}) in a fresh
 * H2 file with the URL options of {@code persistence-h2.conf}, and {@code --commits} commits of
 * {@code --rows} rows of {@code --size} bytes each, as one queue's group-commit writes insert them.
 * Prints the time and the bytes written per commit (the process's {@code wchar}, on Linux).
 *
 * <pre>
 * java -cp modules/weir-bench/target/weir-bench.jar io.weirmq.bench.JournalCommitBench \
 *      --commits 20000 --rows 5 --size 1100 [--url-options ";PAGE_SIZE=2048"] [--keep]
 * </pre>
 *
 * The first half as many commits again run before the measured ones, as a warm-up.
 */
public final class JournalCommitBench {

  private static final String SCHEMA = "io/weirmq/node/journal-h2.sql";
  private static final String URL_OPTIONS = ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=4096";

  private JournalCommitBench() {}

  public static void main(String[] args) throws Exception {
    int commits = 20_000;
    int rows = 5;
    int size = 1100;
    String extra = "";
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--keep")) {
        keep = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw usage(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--commits" -> commits = positive(a, v);
        case "--rows" -> rows = positive(a, v);
        case "--size" -> size = positive(a, v);
        case "--url-options" -> extra = v;
        default -> throw usage("unknown option " + a);
      }
    }
    Path dir = Files.createTempDirectory("weir-journal-bench");
    try {
      run(dir, commits, rows, size, extra);
    } finally {
      if (keep) {
        System.out.println("journal kept in " + dir);
      } else {
        deleteTree(dir);
      }
    }
  }

  private static void run(Path dir, int commits, int rows, int size, String extra) throws SQLException, IOException {
    String url = "jdbc:h2:file:" + dir.resolve("journal/weir") + URL_OPTIONS + extra;
    try (Connection c = DriverManager.getConnection(url, "weir", "")) {
      createTables(c);
      c.setAutoCommit(false);
      PreparedStatement insert = c.prepareStatement("INSERT INTO \"event_journal\" (\"deleted\", \"persistence_id\","
          + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
          + " \"event_ser_id\", \"event_ser_manifest\") VALUES (false, ?, ?, ?, ?, '', ?, 33, ?)");
      byte[] payload = new byte[size];
      new Random(1).nextBytes(payload); // incompressible, as message bodies mostly are
      long sequenceNr = 0;
      int warmup = commits / 2;
      long started = 0;
      long written = 0;
      for (int i = 0; i < warmup + commits; i++) {
        if (i == warmup) {
          started = System.nanoTime();
          written = bytesWritten();
        }
        for (int r = 0; r < rows; r++) {
          insert.setString(1, "queue|/|bench");
          insert.setLong(2, ++sequenceNr);
          insert.setString(3, "6f1c5f1e-0b55-4bb2-9c55-6d2f3b1f6a10");
          insert.setLong(4, System.currentTimeMillis());
          insert.setBytes(5, payload);
          insert.setString(6, "io.weirmq.core.queue.QueueEvent$Enqueued");
          insert.addBatch();
        }
        insert.executeBatch();
        c.commit();
      }
      double micros = (System.nanoTime() - started) / 1e3 / commits;
      long bytes = bytesWritten();
      String perCommit = bytes < 0 ? "n/a (no /proc/self/io)" : String.format("%.1f KB", (bytes - written) / 1024.0 / commits);
      System.out.printf("%,d commits of %d rows of %d bytes%s: %.0f µs per commit, %s written per commit, file %,d MB%n",
          commits, rows, size, extra.isEmpty() ? "" : " (" + extra + ")", micros, perCommit,
          Files.size(dir.resolve("journal/weir.mv.db")) >> 20);
    }
  }

  /** The node's own schema script, a statement at a time as the node applies it. */
  private static void createTables(Connection c) throws IOException, SQLException {
    String script;
    try (var in = JournalCommitBench.class.getClassLoader().getResourceAsStream(SCHEMA)) {
      if (in == null) {
        throw new IllegalStateException("no " + SCHEMA + " on the class path");
      }
      script = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    for (String statement : script.split(";")) {
      String sql = statement.lines().filter(l -> !l.trim().startsWith("--")).collect(java.util.stream.Collectors.joining("\n")).trim();
      if (!sql.isEmpty()) {
        try (var st = c.createStatement()) {
          st.execute(sql);
        }
      }
    }
  }

  /** Bytes this process has passed to write calls so far, or -1 where the kernel does not say. */
  private static long bytesWritten() throws IOException {
    Path io = Path.of("/proc/self/io");
    if (!Files.isReadable(io)) {
      return -1;
    }
    for (String line : Files.readAllLines(io)) {
      if (line.startsWith("wchar:")) {
        return Long.parseLong(line.substring("wchar:".length()).trim());
      }
    }
    return -1;
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw usage(option + " must be a positive whole number, got '" + value + "'");
  }

  private static IllegalArgumentException usage(String why) {
    return new IllegalArgumentException(why + "; usage: JournalCommitBench [--commits 20000] [--rows 5] [--size 1100]"
        + " [--url-options \";PAGE_SIZE=2048\"] [--keep]");
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
