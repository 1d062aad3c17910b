package io.weirmq.node.queue;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code weir.mirrors} section: how mirrors catch up from the journal and how long a leader
 * waits for one.
 *
 * @param readJournal plugin id of the read journal mirrors catch up from (the journal plugin's query side)
 * @param catchUpBatch events read from the journal per page while catching up
 * @param catchUpRetry wait before reading again when the journal did not yet show the events expected
 * @param syncTimeout a mirror that has not acknowledged a write within this drops out of the in-sync set
 * @param syncCheckInterval while confirms wait on mirrors, how often the leader checks for that timeout
 * @param resyncInterval while a mirror is not in sync, how often the leader tells it again what to catch up to
 * @param handOverEvents how many of its latest events a mirror keeps to hand over, with its state, when it
 *     becomes the leader (the other mirrors get from them what they missed of the old leader's last writes)
 */
public record MirrorSettings(String readJournal, int catchUpBatch, Duration catchUpRetry, Duration syncTimeout,
    Duration syncCheckInterval, Duration resyncInterval, int handOverEvents) {

  public static MirrorSettings from(Config root) {
    Config c = root.getConfig("weir.mirrors");
    int batch = c.getInt("catch-up-batch");
    if (batch < 1) {
      throw new IllegalArgumentException("weir.mirrors.catch-up-batch must be at least 1, got " + batch);
    }
    int handOver = c.getInt("hand-over-events");
    if (handOver < 0) {
      throw new IllegalArgumentException("weir.mirrors.hand-over-events must be 0 or more, got " + handOver);
    }
    return new MirrorSettings(c.getString("read-journal"), batch, c.getDuration("catch-up-retry"),
        c.getDuration("sync-timeout"), c.getDuration("sync-check-interval"),
        c.getDuration("resync-interval"), handOver);
  }
}
