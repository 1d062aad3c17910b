package io.weirmq.node;

/** A message fetched with basic.get and how many stay ready behind it. */
public record GetResponse(Envelope envelope, long messageCount) {}
