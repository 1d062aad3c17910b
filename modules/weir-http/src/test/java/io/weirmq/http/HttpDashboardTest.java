package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dashboard's files and the overview it reads; the browser test (weir-server's DashboardIT) drives the UI. */
class HttpDashboardTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  @Test
  void theDashboardAndItsLibrariesAreServedFromTheClasspath() {
    HttpTestServer.Reply index = api.get("/");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.response().headers().firstValue("content-type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/html"));
    assertThat(index.body()).contains("<title>WeirMQ</title>").contains("/webjars/chart.js/");
    // The page names the Chart.js file by version: the WebJar on the classpath must be that one.
    String chart = index.body().replaceAll("(?s).*src=\"(/webjars/chart.js/[^\"]+)\".*", "$1");
    assertThat(api.get(chart).status()).as(chart).isEqualTo(200);
    assertThat(api.get("/dashboard/app.js").body()).contains("function route()");
    assertThat(api.get("/dashboard/style.css").status()).isEqualTo(200);
    assertThat(api.get("/dashboard/missing.js").status()).isEqualTo(404);
    assertThat(api.get("/dashboard/..%2F..%2Fpersistence-h2.conf").status()).isIn(400, 404);
  }

  /** The dashboard's own login form must not be covered by the browser's: no challenge for its requests. */
  @Test
  void aScriptsFailedLoginGets401WithoutTheChallengeThatOpensTheBrowsersDialog() throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    String bad = "Basic " + java.util.Base64.getEncoder().encodeToString("guest:wrong".getBytes());
    java.net.http.HttpResponse<String> fromScript = client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(api.base + "/api/overview")).header("Authorization", bad)
        .header("X-Requested-With", "XMLHttpRequest").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(fromScript.statusCode()).isEqualTo(401);
    assertThat(fromScript.headers().firstValue("WWW-Authenticate")).isEmpty();
    java.net.http.HttpResponse<String> plain = client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(api.base + "/api/overview")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(401);
    assertThat(plain.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
  }

  @Test
  void theOverviewCountsQueuesMessagesAndThisNodesPublishes() {
    JsonNode before = api.get("/api/overview").json();
    String q = name("overview");
    assertThat(api.put("/api/queues/%2F/" + q, "{\"durable\":true}").status()).isEqualTo(201);
    for (int i = 0; i < 3; i++) {
      assertThat(api.post("/api/exchanges/%2F/amq.default/publish",
          "{\"routing_key\":\"" + q + "\",\"payload\":\"m" + i + "\",\"payload_encoding\":\"string\",\"properties\":{}}")
          .json().get("routed").asBoolean()).isTrue();
    }
    JsonNode after = api.get("/api/overview").json();
    assertThat(after.get("object_totals").get("queues").asLong())
        .isEqualTo(before.get("object_totals").get("queues").asLong() + 1);
    assertThat(after.get("queue_totals").get("messages").asLong())
        .isEqualTo(before.get("queue_totals").get("messages").asLong() + 3);
    assertThat(after.get("queue_totals").get("messages_ready").asLong())
        .isEqualTo(before.get("queue_totals").get("messages_ready").asLong() + 3);
    assertThat(after.get("message_stats").get("publish").asLong())
        .isEqualTo(before.get("message_stats").get("publish").asLong() + 3);
    assertThat(after.get("node").asText()).startsWith("akka://");
    assertThat(after.get("object_totals").get("exchanges").asLong()).isPositive();
  }
}
