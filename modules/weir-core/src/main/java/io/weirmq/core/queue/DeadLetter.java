package io.weirmq.core.queue;

import io.weirmq.core.message.Message;

/** A dead-lettered message waiting to be published to its dead-letter exchange. */
public record DeadLetter(long messageId, Message message) {}
