package io.weirmq.client;

/** Called on the connection's dispatch thread for each message pushed to a consumer, in order. */
@FunctionalInterface
public interface DeliverCallback {
  void handle(String consumerTag, Delivery message) throws Exception;
}
