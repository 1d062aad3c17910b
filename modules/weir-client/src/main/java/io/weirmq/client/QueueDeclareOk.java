package io.weirmq.client;

/**
 * The answer to {@link WeirAdmin#queueDeclare}: as RabbitMQ's {@code Queue.DeclareOk}, plus whether
 * this call created the queue (false: an equivalent one already existed).
 */
public record QueueDeclareOk(String queue, boolean created, long messageCount, int consumerCount) {}
