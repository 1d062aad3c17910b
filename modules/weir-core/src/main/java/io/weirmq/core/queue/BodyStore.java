package io.weirmq.core.queue;

/**
 * Where a queue keeps message bodies, by queue-local message id.
 *
 * <p>The queue state machine holds only small records; every body read goes through this
 * interface, so a store that pages bodies to disk can hold backlogs far larger than the heap.
 */
public interface BodyStore {

  void put(long messageId, byte[] body);

  /** The body of a message still in the queue; never null for such a message. */
  byte[] get(long messageId);

  void remove(long messageId);

  /** Removes every body; used when the state is rebuilt from a snapshot. */
  void clear();
}
