package io.weirmq.client;

/**
 * Called on the connection's reader thread for a publisher confirm (ack or nack) of publish number
 * {@code deliveryTag}, or when {@code multiple} of every publish up to it not yet acked or nacked (one
 * acked or nacked on its own before keeps that outcome). It must not block nor make
 * synchronous calls on the connection: their replies arrive on the thread it holds.
 */
@FunctionalInterface
public interface ConfirmCallback {
  void handle(long deliveryTag, boolean multiple) throws Exception;
}
