package io.weirmq.node;

/** The answer to a queue declaration, as AMQP's queue.declare-ok. */
public record DeclareOk(String queue, long messageCount, int consumerCount) {}
