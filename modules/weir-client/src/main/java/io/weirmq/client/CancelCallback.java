package io.weirmq.client;

/** Called on the dispatch thread when the broker ends a consumer (its queue was deleted), not on {@link Channel#basicCancel}. */
@FunctionalInterface
public interface CancelCallback {
  void handle(String consumerTag) throws Exception;
}
