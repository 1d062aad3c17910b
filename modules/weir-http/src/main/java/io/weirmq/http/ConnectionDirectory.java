package io.weirmq.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.typed.Cluster;
import io.weirmq.node.serialization.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Each node's directory of its client connections, registered with Akka's Receptionist, so that any
 * node answers {@code GET /api/connections} for the whole cluster (as RabbitMQ does) and finds the node
 * that holds a connection to close. Thin wiring: {@link WsConnections} holds the connections, and
 * {@link ConnectionViews} turns what the directories answer into the API's views.
 */
final class ConnectionDirectory {

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "weir-connection-directory");

  sealed interface Command extends CborSerializable {}

  record ListConnections(ActorRef<Listing> replyTo) implements Command {}

  record Listing(String node, List<ConnectionSnapshot> connections) implements CborSerializable {}

  /** Closes the node's connections of that name with 320 CONNECTION_FORCED and {@code reason}. */
  record Close(String name, String reason, ActorRef<Closed> replyTo) implements Command {}

  record Closed(String node, int closed) implements CborSerializable {}

  /** What every directory asked answered, and the nodes whose directory did not answer in time. */
  record Gathered<T>(List<T> answers, List<String> unanswered) {}

  private final ActorSystem<?> system;
  private final Duration timeout;

  private ConnectionDirectory(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  /** Starts this node's directory of {@code connections} and answers a client of every node's. */
  static ConnectionDirectory start(ActorSystem<?> system, WsConnections connections) {
    String node = Cluster.get(system).selfMember().address().toString();
    system.systemActorOf(behavior(connections, node), "weir-connections-" + UUID.randomUUID(), Props.empty());
    return new ConnectionDirectory(system, system.settings().config().getDuration("weir.http.cluster-listing-timeout"));
  }

  private static Behavior<Command> behavior(WsConnections connections, String node) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return Behaviors.receive(Command.class)
          .onMessage(ListConnections.class, m -> {
            m.replyTo().tell(new Listing(node, connections.snapshot()));
            return Behaviors.same();
          })
          .onMessage(Close.class, m -> {
            m.replyTo().tell(new Closed(node, connections.close(m.name(), m.reason())));
            return Behaviors.same();
          })
          .build();
    });
  }

  /** Every node's connections. */
  CompletionStage<Gathered<Listing>> list() {
    return askAll(ListConnections::new);
  }

  /** Closes the connections of that name wherever they are. */
  CompletionStage<Gathered<Closed>> close(String name, String reason) {
    return askAll(r -> new Close(name, reason, r));
  }

  private <T> CompletionStage<Gathered<T>> askAll(akka.japi.function.Function<ActorRef<T>, Command> request) {
    CompletionStage<Receptionist.Listing> found = AskPattern.ask(system.receptionist(),
        r -> Receptionist.find(KEY, r), timeout, system.scheduler());
    return found.thenCompose(listing -> {
      Set<ActorRef<Command>> directories = listing.getServiceInstances(KEY);
      List<CompletableFuture<Object>> answers = new ArrayList<>();
      for (ActorRef<Command> d : directories) {
        answers.add(AskPattern.<Command, T>ask(d, request, timeout, system.scheduler()).toCompletableFuture()
            .handle((answer, failure) -> failure == null ? answer : nodeOf(d)));
      }
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
        List<T> got = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        for (CompletableFuture<Object> a : answers) {
          Object answer = a.join();
          if (answer instanceof String node) {
            unanswered.add(node);
          } else {
            @SuppressWarnings("unchecked")
            T t = (T) answer;
            got.add(t);
          }
        }
        return new Gathered<>(got, unanswered);
      });
    });
  }

  private String nodeOf(ActorRef<?> directory) {
    var address = directory.path().address();
    return address.hasGlobalScope() ? address.toString() : Cluster.get(system).selfMember().address().toString();
  }
}
