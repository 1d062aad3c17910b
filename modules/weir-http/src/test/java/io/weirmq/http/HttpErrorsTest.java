package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.weirmq.core.model.BrokerException;
import io.weirmq.node.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The error handling every route is sealed with, on routes that fail the ways the broker can:
 * an unexpected exception is a 500 without detail, a broker that cannot answer a 503.
 */
class HttpErrorsTest extends AllDirectives {

  private static ActorSystem<Void> system;
  private static URI base;
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void bind() {
    system = ActorSystem.create(Behaviors.empty(), "http-errors",
        // No node: only Akka's and our modules' defaults (the cluster profile would exit the JVM on stop).
        ConfigFactory.parseString("akka.actor.provider = local\nakka.coordinated-shutdown.exit-jvm = off")
            .withFallback(ConfigFactory.defaultReference()));
    ApiErrors errors = new ApiErrors(Json.of(system));
    HttpErrorsTest d = new HttpErrorsTest();
    Route failing = d.concat(
        d.path("bug", () -> d.get(() -> {
          throw new IllegalStateException("internal detail that must not leak");
        })),
        d.path("slow", () -> d.get(() -> d.onSuccess(CompletableFuture.<String>failedFuture(
            new BrokerException(BrokerException.Kind.UNAVAILABLE, null, "the broker did not answer in time")),
            d::complete))),
        d.path("locked", () -> d.get(() -> d.onSuccess(CompletableFuture.<String>failedFuture(
            BrokerException.locked("queue", "cannot obtain exclusive access")), d::complete))));
    var binding = TestNodes.await(Http.get(system).newServerAt("127.0.0.1", 0)
        .bind(failing.seal(errors.rejectionHandler(), errors.exceptionHandler())));
    base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
  }

  @AfterAll
  static void stop() {
    if (system != null) {
      system.terminate();
      TestNodes.await(system.getWhenTerminated());
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anUnexpectedFailureIsAGeneric500WithoutDetail() throws Exception {
    HttpResponse<String> r = get("/bug");
    assertThat(r.statusCode()).isEqualTo(500);
    JsonNode body = new ObjectMapper().readTree(r.body());
    assertThat(body.get("error").asText()).isEqualTo("internal_error");
    assertThat(r.body()).doesNotContain("internal detail", "IllegalStateException", "at io.");
  }

  @Test
  void aBrokerThatCannotAnswerIsServiceUnavailable() throws Exception {
    HttpResponse<String> r = get("/slow");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(new ObjectMapper().readTree(r.body()).get("error").asText()).isEqualTo("unavailable");
  }

  @Test
  void aLockedResourceIsLocked() throws Exception {
    HttpResponse<String> r = get("/locked");
    assertThat(r.statusCode()).isEqualTo(423);
    assertThat(new ObjectMapper().readTree(r.body()).get("reason").asText()).startsWith("queue:");
  }

  @Test
  void aHeadOrOptionsRequestStillGetsJsonErrors() throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/slow"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(new ObjectMapper().readTree(r.body()).get("error").asText()).isEqualTo("method_not_allowed");
  }
}
