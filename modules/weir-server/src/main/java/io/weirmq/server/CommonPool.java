package io.weirmq.server;

import java.util.Properties;

/**
 * Gives {@link java.util.concurrent.ForkJoinPool#commonPool()} at least two threads before anything
 * uses it.
 *
 * <p>Akka's Java API hands out Scala futures as {@code CompletionStage}s whose {@code thenApply},
 * {@code thenCompose} and {@code whenComplete} run as their {@code ...Async} forms, on
 * {@code CompletableFuture}'s default executor. That executor is the common pool, except when the common
 * pool has fewer than two threads: then the JDK starts a new thread for every callback. The common
 * pool's default size is one less than the processors, so on a two-core machine, or in a container
 * limited to two CPUs, every such callback cost a thread start (measured with JFR: about 25 a second at
 * 5,000 msg/s over WebSocket, from incoming WebSocket messages that arrived in more than one piece).
 *
 * <p>The JDK reads the setting once, when the pool is created, so it must be set before then: the
 * server does it in a static initializer of its main class. A value the operator set
 * ({@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=N}) is kept.
 */
final class CommonPool {

  static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  static final int MIN_PARALLELISM = 2;

  private CommonPool() {}

  /** Sets {@link #PARALLELISM} in {@code properties} unless it is set: the JDK's default, but at least two. */
  static void ensureParallelism(Properties properties, int processors) {
    if (properties.getProperty(PARALLELISM) == null) {
      properties.setProperty(PARALLELISM, Integer.toString(Math.max(MIN_PARALLELISM, processors - 1)));
    }
  }
}
