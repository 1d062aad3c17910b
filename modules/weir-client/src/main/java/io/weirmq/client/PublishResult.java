package io.weirmq.client;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What became of one message of a batch: {@code routed} if a queue took it; {@code confirmed} false
 * when a queue refused it (full with {@code x-overflow: reject-publish}): retry or treat it as lost.
 */
public record PublishResult(@JsonProperty("routed") boolean routed, @JsonProperty("confirmed") boolean confirmed) {}
