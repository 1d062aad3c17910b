package io.weirmq.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The WebSocket protocol's settings, from {@code weir.http.websocket} (see reference.conf).
 *
 * @param heartbeat how often the server sends a heartbeat; two silent intervals close a connection
 * @param outgoingBuffer frames that may wait for a slow client before the connection is closed
 * @param maxUnconfirmed publishes awaiting confirms before the server stops reading a connection
 * @param messageTimeout how long a fragmented text frame may take to arrive
 * @param maxMessageBytes the largest frame accepted (weir.http.max-message-bytes)
 * @param maxBatchFrames the most frames the server sends in one WebSocket message (a batch)
 * @param channelMax the most channels one connection may have open at once
 * @param clientPropertyMaxLength the longest value of a client property the upgrade may carry (product, version...)
 */
public record WebSocketSettings(Duration heartbeat, int outgoingBuffer, int maxUnconfirmed, Duration messageTimeout,
    long maxMessageBytes, int maxBatchFrames, int channelMax, int clientPropertyMaxLength) {

  public static WebSocketSettings from(Config config) {
    Config c = config.getConfig("weir.http.websocket");
    return new WebSocketSettings(c.getDuration("heartbeat"), c.getInt("outgoing-buffer"), c.getInt("max-unconfirmed"),
        c.getDuration("message-timeout"), config.getBytes("weir.http.max-message-bytes"), c.getInt("max-batch-frames"),
        c.getInt("channel-max"), c.getInt("client-property-max-length"));
  }

  /** The interval a client asked for, if shorter than ours: either side may want to notice a dead peer sooner. */
  public WebSocketSettings withHeartbeatAtMost(Duration requested) {
    return requested.isZero() || requested.isNegative() || requested.compareTo(heartbeat) >= 0 ? this
        : new WebSocketSettings(requested, outgoingBuffer, maxUnconfirmed, messageTimeout, maxMessageBytes, maxBatchFrames,
            channelMax, clientPropertyMaxLength);
  }
}
