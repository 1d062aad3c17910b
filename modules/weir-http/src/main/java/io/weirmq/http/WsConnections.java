package io.weirmq.http;

import akka.actor.typed.ActorRef;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's open WebSocket connections, so that a shutdown can close each one with a reason
 * (320 CONNECTION_FORCED) and clients reconnect to another node before this one leaves the cluster.
 * A connection that opens after the shutdown began is closed the same way at once.
 */
final class WsConnections {

  private final Set<ActorRef<WsConnection.Command>> open = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
  private volatile String shutdownReason;

  /** Called by each connection actor when it starts. */
  void opened(ActorRef<WsConnection.Command> connection) {
    open.add(connection);
    String reason = shutdownReason;
    if (reason != null) {
      connection.tell(new WsConnection.ServerShutdown(reason));
    }
  }

  /** Called by each connection actor when it stops. */
  void closed(ActorRef<WsConnection.Command> connection) {
    open.remove(connection);
    if (shutdownReason != null && open.isEmpty()) {
      allClosed.complete(null);
    }
  }

  int size() {
    return open.size();
  }

  /** Asks every connection to close with {@code reason}; completes once all of them have stopped. */
  CompletionStage<Void> closeAll(String reason) {
    shutdownReason = reason;
    for (ActorRef<WsConnection.Command> c : open) {
      c.tell(new WsConnection.ServerShutdown(reason));
    }
    if (open.isEmpty()) {
      allClosed.complete(null);
    }
    return allClosed;
  }
}
