package io.weirmq.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded journal's schema script ({@code weir.journal.schema-script}) on H2 itself.
 * akka-persistence-jdbc's script runner, which the node uses, logs a failing statement at debug level
 * and goes on, so a statement H2 refuses would be noticed only when a table is missing; here every
 * statement must run.
 */
class JournalSchemaTest {

  private static final String SCRIPT = "io/weirmq/node/journal-h2.sql";

  @TempDir
  Path dir;

  @Test
  void everyStatementRunsOnAFreshJournalAndAgainAtTheNextStart() throws Exception {
    try (Connection c = open()) {
      apply(c, statements());
      apply(c, statements()); // the node runs the script at every start

      assertThat(tables(c)).containsExactlyInAnyOrder("event_journal", "event_tag", "snapshot");
      // One index for the ordering column: the UNIQUE constraint uses the unique index.
      assertThat(indexes(c, "event_journal")).hasSize(2);
      assertTagsReferToEvents(c);
    }
  }

  @Test
  void aJournalCreatedByTheEarlierScriptGainsTheTagTableAndNoSecondIndex() throws Exception {
    try (Connection c = open()) {
      // What the script created before it had the UNIQUE constraint: event_tag's statement failed.
      List<String> earlier = new ArrayList<>();
      for (String s : statements()) {
        if (!s.startsWith("ALTER TABLE") && !s.contains("\"event_tag\"")) {
          earlier.add(s);
        }
      }
      apply(c, earlier);
      insertEvent(c, 1);
      assertThat(tables(c)).containsExactlyInAnyOrder("event_journal", "snapshot");
      List<String> before = indexes(c, "event_journal");

      apply(c, statements());

      assertThat(tables(c)).containsExactlyInAnyOrder("event_journal", "event_tag", "snapshot");
      assertThat(indexes(c, "event_journal")).containsExactlyInAnyOrderElementsOf(before);
      assertTagsReferToEvents(c);
    }
  }

  private Connection open() throws SQLException {
    return DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("journal/weir").toAbsolutePath(), "weir", "");
  }

  /** The script's statements, split where akka-persistence-jdbc splits it. */
  private static List<String> statements() throws IOException {
    String script;
    try (InputStream in = JournalSchemaTest.class.getClassLoader().getResourceAsStream(SCRIPT)) {
      assertThat(in).as(SCRIPT).isNotNull();
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> out = new ArrayList<>();
    for (String part : script.split(";")) {
      String sql = part.lines().filter(l -> !l.trim().startsWith("--")).reduce("", (a, b) -> a + b + "\n").trim();
      if (!sql.isEmpty()) {
        out.add(sql);
      }
    }
    return out;
  }

  private static void apply(Connection c, List<String> statements) throws SQLException {
    for (String sql : statements) {
      try (Statement st = c.createStatement()) {
        st.execute(sql);
      } catch (SQLException e) {
        throw new AssertionError("H2 refused a statement of " + SCRIPT + ": " + sql, e);
      }
    }
  }

  private static List<String> tables(Connection c) throws SQLException {
    return column(c, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'");
  }

  private static List<String> indexes(Connection c, String table) throws SQLException {
    return column(c, "SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_NAME = '" + table + "'");
  }

  private static List<String> column(Connection c, String query) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void insertEvent(Connection c, long sequenceNr) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.executeUpdate("INSERT INTO \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\","
          + " \"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\")"
          + " VALUES ('queue|test', " + sequenceNr + ", 'w', 0, '', X'00', 1, 'm')");
    }
  }

  /** A tag row is accepted for a stored event and refused for an event that does not exist. */
  private static void assertTagsReferToEvents(Connection c) throws SQLException {
    insertEvent(c, 1000);
    try (Statement st = c.createStatement()) {
      st.executeUpdate("INSERT INTO \"event_tag\" (\"event_id\", \"tag\") SELECT \"ordering\", 'queue' FROM"
          + " \"event_journal\" WHERE \"sequence_number\" = 1000");
      try {
        st.executeUpdate("INSERT INTO \"event_tag\" (\"event_id\", \"tag\") VALUES (-1, 'queue')");
        throw new AssertionError("a tag for an event that does not exist was accepted");
      } catch (SQLException expected) {
        assertThat(expected.getSQLState()).isEqualTo("23506"); // referential integrity violated
      }
    }
  }
}
