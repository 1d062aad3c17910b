package io.weirmq.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import io.weirmq.core.model.BrokerException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's publishes waiting for a queue's answer, and the node each queue's leader answered
 * from last. When a member is downed (Split Brain Resolver decided it is gone) the publishes waiting
 * on a queue led there fail at once, UNAVAILABLE, instead of waiting out {@code weir.publish-timeout}:
 * the dead node will never answer, and the publisher may send again to the queue's new home.
 *
 * <p>A failed publish is never a false confirm: it is a nack, "maybe written" (a write the dead node
 * finished before it died is in the journal and will be delivered), which is what a timeout said
 * before, only sooner. Queues not yet heard from (no confirm yet on this node) wait for the timeout.
 */
final class PublishesInFlight {

  private static final Logger log = LoggerFactory.getLogger(PublishesInFlight.class);

  private record Waiting(String entityId, CompletableFuture<?> reply) {}

  /** Queue entity id to the address of the node its leader last answered from. */
  private final Map<String, String> leaders = new ConcurrentHashMap<>();
  private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();

  /** Follows membership on this node (no-op outside a cluster). */
  void start(ActorSystem<?> system) {
    system.systemActorOf(Behaviors.<ClusterEvent.MemberEvent>setup(ctx -> {
      Cluster.get(system).subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
      return Behaviors.receiveMessage(event -> {
        if (event instanceof ClusterEvent.MemberDowned || event instanceof ClusterEvent.MemberRemoved) {
          nodeDown(event.member().address().toString());
        }
        return Behaviors.same();
      });
    }), "weir-publishes-in-flight", Props.empty());
  }

  /** Tracks {@code reply} until it completes. */
  void track(String entityId, CompletableFuture<?> reply) {
    Waiting w = new Waiting(entityId, reply);
    waiting.add(w);
    reply.whenComplete((v, failure) -> waiting.remove(w));
  }

  /** The queue's leader answered from {@code node} (empty outside a cluster: nothing to remember). */
  void answeredFrom(String entityId, String node) {
    if (!node.isEmpty()) {
      leaders.put(entityId, node);
    }
  }

  /** Fails the publishes waiting on queues led on {@code node}; answers how many. */
  int nodeDown(String node) {
    int failed = 0;
    for (Waiting w : waiting) {
      if (node.equals(leaders.get(w.entityId()))) {
        failed += w.reply().completeExceptionally(new BrokerException(BrokerException.Kind.UNAVAILABLE, "queue",
            "the queue's node " + node + " went down before confirming; the message may not have been written")) ? 1 : 0;
      }
    }
    leaders.values().removeIf(node::equals);
    if (failed > 0) {
      log.info("{} publishes to queues led on {} failed at once: the node was downed", failed, node);
    }
    return failed;
  }
}
