package io.weirmq.http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import io.weirmq.node.Broker;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the HTTP API for a started broker, and unbinds it when the node shuts down. */
public final class WeirHttpServer {

  private static final Logger log = LoggerFactory.getLogger(WeirHttpServer.class);

  /** How long in-flight requests may run on after the port is unbound at shutdown. */
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private WeirHttpServer() {}

  /** Binds with {@code weir.http} from the node's configuration. */
  public static CompletionStage<ServerBinding> start(Broker broker) {
    return start(broker, HttpSettings.from(broker.system().settings().config()));
  }

  public static CompletionStage<ServerBinding> start(Broker broker, HttpSettings settings) {
    ActorSystem<?> system = broker.system();
    scala.concurrent.duration.FiniteDuration requestTimeout =
        scala.concurrent.duration.FiniteDuration.fromNanos(settings.requestTimeout().toNanos());
    return Http.get(system).newServerAt(settings.iface(), settings.port())
        .adaptSettings(s -> s.withTimeouts(s.getTimeouts().withRequestTimeout(requestTimeout)))
        .bind(new ApiRoutes(broker, settings).route())
        .thenApply(binding -> {
          // Unbinds in CoordinatedShutdown's service-unbind phase, then lets requests drain.
          binding.addToCoordinatedShutdown(DRAIN, system);
          log.info("WeirMQ HTTP API listening on http://{}:{}/api", binding.localAddress().getHostString(),
              binding.localAddress().getPort());
          return binding;
        });
  }
}
