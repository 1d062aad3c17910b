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

  private WeirHttpServer() {}

  /** Binds with {@code weir.http} from the node's configuration. */
  public static CompletionStage<ServerBinding> start(Broker broker) {
    return start(broker, HttpSettings.from(broker.system().settings().config()));
  }

  public static CompletionStage<ServerBinding> start(Broker broker, HttpSettings settings) {
    ActorSystem<?> system = broker.system();
    scala.concurrent.duration.FiniteDuration requestTimeout =
        scala.concurrent.duration.FiniteDuration.fromNanos(settings.requestTimeout().toNanos());
    WsConnections connections = new WsConnections();
    String node = akka.cluster.typed.Cluster.get(system).selfMember().address().toString();
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
        .bind(new ApiRoutes(broker, settings, connections).route())
        .thenApply(binding -> {
          connections.local(node, binding.localAddress().getHostString(), binding.localAddress().getPort());
          unbindOnShutdown(system, binding, connections);
          log.info("WeirMQ HTTP API listening on {}://{}:{}/api", scheme, binding.localAddress().getHostString(),
              binding.localAddress().getPort());
          return binding;
        });
  }

  /**
   * Stops taking connections in CoordinatedShutdown's service-unbind phase and closes every
   * WebSocket connection with 320 CONNECTION_FORCED, so that clients reconnect to another node while
   * this one still serves its queues; then gives REST requests in flight until the
   * service-requests-done phase ({@code weir.http.shutdown.drain}) before the node leaves the cluster.
   * Each phase's own timeout is {@code akka.coordinated-shutdown.phases.<phase>.timeout}.
   */
  private static void unbindOnShutdown(ActorSystem<?> system, ServerBinding binding, WsConnections connections) {
    Duration drain = system.settings().config().getDuration("weir.http.shutdown.drain");
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "weir-http-unbind", () ->
        binding.unbind().thenApply(done -> {
          log.info("WeirMQ HTTP API unbound from {}:{}", binding.localAddress().getHostString(),
              binding.localAddress().getPort());
          return Done.getInstance();
        }));
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "weir-ws-close", () -> {
      long started = System.nanoTime();
      int open = connections.size();
      String reason = "node shutting down (" + CoordinatedShutdown.get(system).getShutdownReason()
          .map(Object::toString).orElse("unknown reason") + "): reconnect to another node";
      return connections.closeAll(reason).thenApply(closed -> {
        log.info("Closed {} WebSocket connections with 320 CONNECTION_FORCED in {} ms", open,
            Duration.ofNanos(System.nanoTime() - started).toMillis());
        return Done.getInstance();
      });
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "weir-http-drain", () ->
        binding.terminate(drain).thenApply(terminated -> Done.getInstance()));
  }
}
