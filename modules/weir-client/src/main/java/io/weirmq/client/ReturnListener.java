package io.weirmq.client;

/** Receives returned {@code mandatory} messages on the connection's reader thread, before their confirm. */
@FunctionalInterface
public interface ReturnListener {
  void handle(Return returned) throws Exception;
}
