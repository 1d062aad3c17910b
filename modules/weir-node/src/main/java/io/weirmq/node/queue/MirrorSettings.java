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
 * @param handOverBytes how much of its latest events (estimated bytes) a mirror keeps to hand over, with its
 *     state, when it becomes the leader (the other mirrors get from them what they missed of the old leader's
 *     last writes); less than Artery's maximum-frame-size, as they travel in one message
 */
public record MirrorSettings(String readJournal, int catchUpBatch, Duration catchUpRetry, Duration syncTimeout,
    Duration syncCheckInterval, Duration resyncInterval, long handOverBytes) {

  public static MirrorSettings from(Config root) {
    Config c = root.getConfig("weir.mirrors");
    int batch = c.getInt("catch-up-batch");
    if (batch < 1) {
      throw new IllegalArgumentException("weir.mirrors.catch-up-batch must be at least 1, got " + batch);
    }
    long handOver = c.getBytes("hand-over-bytes");
    String frameKey = "akka.remote.artery.advanced.maximum-frame-size";
    long frame = root.hasPath(frameKey) ? root.getBytes(frameKey) : Long.MAX_VALUE;
    if (handOver < 0 || handOver >= frame) {
      throw new IllegalArgumentException("weir.mirrors.hand-over-bytes must be 0 or more and less than " + frameKey
          + " (" + frame + "): the events travel in one message; got " + handOver);
    }
    return new MirrorSettings(c.getString("read-journal"), batch, c.getDuration("catch-up-retry"),
        c.getDuration("sync-timeout"), c.getDuration("sync-check-interval"),
        c.getDuration("resync-interval"), handOver);
  }
}
