package io.weirmq.client;

/** Told once when a {@link Connection} ends for good (not when automatic recovery takes over). */
@FunctionalInterface
public interface ShutdownListener {
  void shutdownCompleted(ShutdownSignalException cause);
}
