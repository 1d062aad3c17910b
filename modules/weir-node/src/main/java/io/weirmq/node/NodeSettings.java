package io.weirmq.node;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** The {@code weir} section of the configuration, read once at start; no magic numbers elsewhere. */
public record NodeSettings(
    Path dataDir,
    Duration askTimeout,
    Duration publishTimeout,
    int maxDeliveriesPerTurn,
    long deliveryMarkAhead,
    int snapshotEvery,
    long snapshotMaxBytes,
    int maxBatchMessages,
    Duration settleLinger,
    Duration registryResubscribeInterval,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    io.weirmq.node.queue.MirrorSettings mirrors) {

  public static NodeSettings from(Config root) {
    Config c = root.getConfig("weir");
    return new NodeSettings(
        Path.of(c.getString("data-dir")),
        c.getDuration("ask-timeout"),
        c.getDuration("publish-timeout"),
        c.getInt("queue.max-deliveries-per-turn"),
        c.getLong("queue.delivery-mark-ahead"),
        c.getInt("queue.snapshot-every"),
        c.getBytes("queue.snapshot-max-bytes"),
        c.getInt("queue.max-batch-messages"),
        c.getDuration("queue.settle-linger"),
        c.getDuration("registry.resubscribe-interval"),
        c.getDuration("supervision.restart-min-backoff"),
        c.getDuration("supervision.restart-max-backoff"),
        io.weirmq.node.queue.MirrorSettings.from(root));
  }
}
