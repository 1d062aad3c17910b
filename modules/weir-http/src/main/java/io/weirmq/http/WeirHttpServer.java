package io.weirmq.http;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ConnectionContext;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.ServerBuilder;
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
    TlsSettings tls = TlsSettings.from(system.settings().config());
    ServerBuilder server = Http.get(system).newServerAt(settings.iface(), settings.port())
        .adaptSettings(s -> s.withTimeouts(s.getTimeouts().withRequestTimeout(requestTimeout))
            // The TCP peer's address, for loopback-only users (never a header a client could set).
            .withRemoteAddressAttribute(true));
    if (tls.enabled()) {
      server = server.enableHttps(ConnectionContext.httpsServer(tls.sslContext()));
    }
    String scheme = tls.enabled() ? "https" : "http";
    return server
        .bind(new ApiRoutes(broker, settings).route())
        .thenApply(binding -> {
          unbindOnShutdown(system, binding);
          log.info("WeirMQ HTTP API listening on {}://{}:{}/api", scheme, binding.localAddress().getHostString(),
              binding.localAddress().getPort());
          return binding;
        });
  }

  /**
   * Stops taking connections in CoordinatedShutdown's service-unbind phase, then gives requests in
   * flight until the service-requests-done phase (at most {@link #DRAIN}) before the node leaves.
   */
  private static void unbindOnShutdown(ActorSystem<?> system, ServerBinding binding) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "weir-http-unbind", () ->
        binding.unbind().thenApply(done -> {
          log.info("WeirMQ HTTP API unbound from {}:{}", binding.localAddress().getHostString(),
              binding.localAddress().getPort());
          return Done.getInstance();
        }));
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "weir-http-drain", () ->
        binding.terminate(DRAIN).thenApply(terminated -> Done.getInstance()));
  }
}
