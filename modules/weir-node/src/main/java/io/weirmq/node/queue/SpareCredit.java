package io.weirmq.node.queue;

/**
 * Whether a queue's consumers have credit to spare ({@link io.weirmq.core.queue.QueueState#creditToSpare}),
 * as its {@link QueueEntity} last handed out deliveries; its {@link QueueFront} reads it to decide
 * whether settlements may wait for a publish to share their journal write.
 *
 * <p>The one thing the two actors of a queue share, parent and child in one JVM, rather than a
 * message: the front must know at the moment a settlement arrives, and a message per delivery turn
 * would cost the very hand-offs that waiting saves. It is a hint: a value a moment old makes
 * settlements wait at most {@code weir.queue.settle-linger}, or not at all.
 */
final class SpareCredit {

  private volatile boolean spare = true;

  boolean get() {
    return spare;
  }

  void set(boolean spare) {
    if (this.spare != spare) {
      this.spare = spare;
    }
  }
}
