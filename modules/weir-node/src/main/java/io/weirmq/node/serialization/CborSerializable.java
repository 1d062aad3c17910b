package io.weirmq.node.serialization;

/**
 * Marks messages, events and states that cross the network or go to the journal; bound to Akka's
 * jackson-cbor serializer in {@code weir-node.conf}. Core types (queue and topology events,
 * snapshots, deliveries) are bound there by their own names, since the core knows nothing of Akka.
 */
public interface CborSerializable {}
