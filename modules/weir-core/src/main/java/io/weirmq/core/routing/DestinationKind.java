package io.weirmq.core.routing;

/** What a binding delivers to: a queue, or another exchange (exchange-to-exchange binding). */
public enum DestinationKind {
  QUEUE,
  EXCHANGE
}
