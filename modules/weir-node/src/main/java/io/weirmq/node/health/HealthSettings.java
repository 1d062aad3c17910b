package io.weirmq.node.health;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code weir.health} section: how long each readiness check may take.
 *
 * @param registryTimeout the metadata registry must answer within this
 * @param journalTimeout the journal probe's write must be confirmed within this
 * @param minInterval a readiness result younger than this is answered again instead of checking
 *     anew, so that callers (which need no authentication) cannot turn it into a stream of journal writes
 * @param probeSnapshotEvery the journal probe snapshots every this many writes and deletes the
 *     events before, so its journal stays a few rows long
 */
public record HealthSettings(Duration registryTimeout, Duration journalTimeout, Duration minInterval,
    int probeSnapshotEvery) {

  public static HealthSettings from(Config root) {
    Config c = root.getConfig("weir.health");
    return new HealthSettings(c.getDuration("registry-timeout"), c.getDuration("journal-timeout"),
        c.getDuration("min-interval"), c.getInt("journal-probe-snapshot-every"));
  }
}
