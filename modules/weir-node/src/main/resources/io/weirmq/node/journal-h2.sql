-- The embedded journal's tables, for akka-persistence-jdbc 5.2 on H2 (weir.journal.schema-script).
-- The same tables and columns as akka-persistence-jdbc's own h2-create-schema.sql, with two
-- changes that make each journal commit cheaper (measured in docs/benchmarks.md):
--   * event_payload is VARBINARY, stored in the row. As a BLOB, every event bigger than 256 bytes
--     (all of a queue's message batches) also went through H2's LOB maps: three more B-trees
--     rewritten on each commit, about 30 KB more written per commit.
--   * "ordering" has one unique index, not two (the column's UNIQUE constraint duplicated the index).
--     The UNIQUE constraint added after it uses that index (H2 creates no second one). H2 2.x lets
--     event_tag's foreign key refer only to a column with a constraint, and without it that table
--     was silently never created: akka-persistence-jdbc's script runner logs a failed statement at
--     debug level and goes on. JournalSchemaTest runs every statement here.
-- Journals created with the original script keep working: both read and write the same columns.
-- Every statement is idempotent, since the node runs the script at each start. No semicolons in
-- comments: the script is split at every one.
CREATE TABLE IF NOT EXISTS "event_journal" (
    "ordering" BIGINT NOT NULL AUTO_INCREMENT,
    "deleted" BOOLEAN DEFAULT false NOT NULL,
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "writer" VARCHAR NOT NULL,
    "write_timestamp" BIGINT NOT NULL,
    "adapter_manifest" VARCHAR NOT NULL,
    "event_payload" VARBINARY NOT NULL,
    "event_ser_id" INTEGER NOT NULL,
    "event_ser_manifest" VARCHAR NOT NULL,
    "meta_payload" VARBINARY,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    PRIMARY KEY("persistence_id","sequence_number")
    );

CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_ordering_idx" on "event_journal" ("ordering");

ALTER TABLE "event_journal" ADD CONSTRAINT IF NOT EXISTS "event_journal_ordering_key" UNIQUE ("ordering");

CREATE TABLE IF NOT EXISTS "event_tag" (
    "event_id" BIGINT NOT NULL,
    "tag" VARCHAR NOT NULL,
    PRIMARY KEY("event_id", "tag"),
    CONSTRAINT fk_event_journal
      FOREIGN KEY("event_id")
      REFERENCES "event_journal"("ordering")
      ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS "snapshot" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "created" BIGINT NOT NULL,
    "snapshot_ser_id" INTEGER NOT NULL,
    "snapshot_ser_manifest" VARCHAR NOT NULL,
    "snapshot_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    "meta_payload" BLOB,
    PRIMARY KEY("persistence_id","sequence_number")
    );
