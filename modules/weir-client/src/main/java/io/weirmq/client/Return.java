package io.weirmq.client;

/** A {@code mandatory} message that reached no queue, handed back by the broker before its confirm. */
public record Return(int replyCode, String replyText, String exchange, String routingKey, BasicProperties properties,
    byte[] body) {}
