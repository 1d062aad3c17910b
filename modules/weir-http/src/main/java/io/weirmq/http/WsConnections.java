package io.weirmq.http;

import akka.actor.typed.ActorRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's open WebSocket connections: what {@code GET /api/connections} lists (through
 * {@link ConnectionDirectory}), what {@code DELETE /api/connections/{name}} closes, and what a shutdown
 * closes with a reason (320 CONNECTION_FORCED) so that clients reconnect to another node before this
 * one leaves the cluster. A connection that opens after the shutdown began is closed the same way at once.
 */
final class WsConnections {

  /**
   * One open connection: its identity, fixed when it opened, and the few things that change, which its
   * actor publishes here (channels and consumers when they change, byte counts once per WebSocket
   * message) so that a listing reads them without asking the actor and without a lock.
   */
  static final class Entry {
    final ActorRef<WsConnection.Command> actor;
    final String id;
    final String vhost;
    final String user;
    final String peerHost;
    final int peerPort;
    final boolean ssl;
    final Map<String, String> clientProperties;
    final long connectedAt = System.currentTimeMillis();
    volatile List<ConnectionSnapshot.Channel> channels = List.of();
    volatile String state = "running";
    /** Written by the connection's actor only. */
    volatile long recvOct;
    volatile long sendOct;

    Entry(ActorRef<WsConnection.Command> actor, Opening o) {
      this.actor = actor;
      this.id = o.id();
      this.vhost = o.vhost();
      this.user = o.user();
      this.peerHost = o.peerHost();
      this.peerPort = o.peerPort();
      this.ssl = o.ssl();
      this.clientProperties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(o.clientProperties()));
    }
  }

  /** Who opens a connection, from where, as the upgrade request tells. */
  record Opening(String id, String vhost, String user, String peerHost, int peerPort, boolean ssl,
      Map<String, String> clientProperties) {

    /** For tests that make a connection actor without a socket. */
    static Opening local(String id, String vhost, String user) {
      return new Opening(id, vhost, user, "127.0.0.1", 0, false, Map.of());
    }
  }

  private final Map<ActorRef<WsConnection.Command>, Entry> open = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
  private volatile String shutdownReason;
  private volatile String node = "";
  private volatile String host = "";
  private volatile int port;

  /** Where connections are made to: the node's cluster address and the bound host and port. */
  void local(String node, String host, int port) {
    this.node = node;
    this.host = host;
    this.port = port;
  }

  /** Called by each connection actor when it starts. */
  void opened(Entry connection) {
    open.put(connection.actor, connection);
    String reason = shutdownReason;
    if (reason != null) {
      connection.actor.tell(new WsConnection.ServerShutdown(reason));
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

  /** RabbitMQ's name of a connection: {@code "peerhost:peerport -> host:port"}. */
  String name(Entry e) {
    return e.peerHost + ":" + e.peerPort + " -> " + host + ":" + port;
  }

  /** Every open connection as it is now. */
  List<ConnectionSnapshot> snapshot() {
    List<ConnectionSnapshot> all = new ArrayList<>(open.size());
    for (Entry e : open.values()) {
      List<ConnectionSnapshot.Channel> channels = e.channels;
      all.add(new ConnectionSnapshot(name(e), e.id, node, e.vhost, e.user, e.peerHost, e.peerPort, host, port,
          e.connectedAt, e.ssl, e.clientProperties, e.state, e.recvOct, e.sendOct, channels));
    }
    return all;
  }

  /**
   * Closes the connections of this node with that name (320 CONNECTION_FORCED and {@code reason}, as
   * RabbitMQ's management close); answers how many there were.
   */
  int close(String name, String reason) {
    int closed = 0;
    for (Entry e : open.values()) {
      if (name(e).equals(name)) {
        e.actor.tell(new WsConnection.ServerShutdown(reason));
        closed++;
      }
    }
    return closed;
  }

  /** Asks every connection to close with {@code reason}; completes once all of them have stopped. */
  CompletionStage<Void> closeAll(String reason) {
    shutdownReason = reason;
    for (ActorRef<WsConnection.Command> c : open.keySet()) {
      c.tell(new WsConnection.ServerShutdown(reason));
    }
    if (open.isEmpty()) {
      allClosed.complete(null);
    }
    return allClosed;
  }
}
