package io.weirmq.node;

/**
 * The publisher confirm for one message.
 *
 * @param routed false when no queue took it (a mandatory publish is then returned to its sender)
 * @param confirmed true when every queue it was routed to has persisted it (an ack); false when a
 *     queue refused it under {@code x-overflow=reject-publish} (a nack). Unroutable messages are
 *     confirmed, as in RabbitMQ.
 */
public record PublishOutcome(boolean routed, boolean confirmed) {}
