package io.weirmq.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import io.weirmq.core.model.BrokerException;
import io.weirmq.node.queue.QueueEntity;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The queues' answers to this node's publishes, by request id, and their one deadline
 * ({@code weir.publish-timeout}). Every publish names the same receiving actor and its own request
 * id, instead of an Akka ask: an ask spawns a temporary actor and schedules a timeout for each
 * request, and Akka's scheduler keeps even a cancelled timeout until it is due, so at thousands of
 * publishes a second tens of thousands of them lived for the whole 30 s, and every young collection
 * copied them. Here a request costs a map entry until its answer; one timer checks the deadlines.
 */
final class PublishAnswers {

  private record Pending(long deadlineNanos, CompletableFuture<QueueEntity.Confirmation> result) {}

  private enum CheckDeadlines { INSTANCE }

  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong lastRequest = new AtomicLong();
  private final Duration timeout;
  private final ActorRef<QueueEntity.PublishAnswer> receiver;

  PublishAnswers(ActorSystem<?> system, Duration timeout) {
    this.timeout = timeout;
    this.receiver = system.systemActorOf(receive(), "weir-publish-answers", Props.empty());
    // Checked a few times per timeout: a publish fails between 1 and 1.25 timeouts after it was sent.
    Duration every = timeout.dividedBy(4);
    system.scheduler().scheduleWithFixedDelay(every, every, this::failOverdue, system.executionContext());
  }

  /**
   * Sends the command {@code publish} makes of a request id and the receiver, and completes with the
   * queue's confirmation, or fails UNAVAILABLE when the queue refuses or does not answer in time.
   */
  CompletableFuture<QueueEntity.Confirmation> request(
      BiFunction<Long, ActorRef<QueueEntity.PublishAnswer>, QueueEntity.Command> publish,
      java.util.function.Consumer<QueueEntity.Command> send) {
    long requestId = lastRequest.incrementAndGet();
    Pending p = new Pending(System.nanoTime() + timeout.toNanos(), new CompletableFuture<>());
    pending.put(requestId, p);
    send.accept(publish.apply(requestId, receiver));
    return p.result();
  }

  /** Requests sent and not answered yet (for tests and metrics). */
  int waiting() {
    return pending.size();
  }

  private Behavior<QueueEntity.PublishAnswer> receive() {
    return Behaviors.receiveMessage(answer -> {
      Pending p = pending.remove(answer.requestId());
      if (p != null) { // null: answered after its deadline, the publisher was told already
        if (answer.failure() == null) {
          p.result().complete(answer.confirmation());
        } else {
          p.result().completeExceptionally(
              new BrokerException(BrokerException.Kind.UNAVAILABLE, "queue", answer.failure()));
        }
      }
      return Behaviors.same();
    });
  }

  private void failOverdue() {
    long now = System.nanoTime();
    for (var e : pending.entrySet()) {
      Pending p = e.getValue();
      if (p.deadlineNanos() - now <= 0 && pending.remove(e.getKey(), p)) {
        p.result().completeExceptionally(new BrokerException(BrokerException.Kind.UNAVAILABLE, null,
            "the broker did not answer in time"));
      }
    }
  }
}
