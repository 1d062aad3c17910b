package io.weirmq.http;

import io.weirmq.node.serialization.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * One client connection as a node reports it to any node that lists connections: who, from where,
 * since when, its channels and their consumers. Immutable; crosses nodes in CBOR.
 *
 * @param name RabbitMQ's connection name, {@code "peerhost:peerport -> host:port"}
 * @param id the connection's id ({@code connection.start}'s {@code connection_id}), which owns its exclusive queues
 * @param node the cluster address of the node that holds it
 * @param connectedAt epoch milliseconds
 * @param clientProperties what the client said about itself on the upgrade (product, version, platform,
 *     connection_name), empty if nothing
 * @param state {@code running}, {@code blocked} (held by a resource alarm) or {@code closing}
 * @param recvOct bytes of WebSocket messages received
 * @param sendOct bytes of WebSocket messages sent
 */
public record ConnectionSnapshot(String name, String id, String node, String vhost, String user, String peerHost,
    int peerPort, String host, int port, long connectedAt, boolean ssl, Map<String, String> clientProperties,
    String state, long recvOct, long sendOct, List<Channel> channels) implements CborSerializable {

  /** One open channel: its number, its basic.qos prefetch, confirm mode, and its consumers. */
  public record Channel(int number, int prefetchCount, boolean confirm, List<Consumer> consumers)
      implements CborSerializable {}

  /** One consumer of a channel, as basic.consume started it. */
  public record Consumer(String consumerTag, String queue, boolean ackRequired, boolean exclusive, int prefetchCount)
      implements CborSerializable {}
}
