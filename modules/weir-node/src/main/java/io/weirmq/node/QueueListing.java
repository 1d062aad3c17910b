package io.weirmq.node;

import io.weirmq.core.queue.QueueCounts;
import io.weirmq.core.routing.QueueDefinition;

/**
 * A queue of this node's topology with its counts as its entity answered them, or, when it did not
 * answer, why ({@link Broker#listQueues}).
 */
public record QueueListing(QueueDefinition queue, QueueCounts counts, Throwable failure) {

  public boolean answered() {
    return counts != null;
  }
}
