package io.weirmq.node.queue;

import akka.Done;
import io.weirmq.core.message.Message;
import io.weirmq.node.metrics.QueueMeters;
import java.util.concurrent.CompletionStage;

/** What a queue entity needs from the node it runs on, given to it at start. */
public interface QueueEnvironment {

  /**
   * Routes a dead-lettered copy from the default-exchange-relative vhost of the queue and completes
   * once every target queue has persisted it (or it was unroutable, which drops it as RabbitMQ does).
   */
  CompletionStage<Done> publishDeadLetter(String vhost, Message message);

  /** The counters this queue incarnation adds to on this node (the same object after a restart). */
  QueueMeters meters(QueueRef queue);

  /** The queue became unused (auto-delete after its last consumer, or x-expires): delete it. */
  void queueUnused(QueueRef queue, String reason);
}
