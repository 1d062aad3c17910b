package io.weirmq.http;

import static io.weirmq.http.HttpTestServer.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GET /api/queues with RabbitMQ's paging, filtering and sorting parameters. */
class HttpQueuePagesTest {

  @RegisterExtension
  static final HttpTestServer api = new HttpTestServer();

  static final String VHOST = name("pages");

  @BeforeAll
  static void twentyFiveQueues() {
    StringBuilder queues = new StringBuilder();
    for (int i = 1; i <= 25; i++) {
      queues.append(i == 1 ? "" : ",").append(String.format("{\"name\":\"p-%02d\",\"vhost\":\"%s\",\"durable\":%s}", i, VHOST, i % 5 != 0));
    }
    HttpTestServer.Reply r = api.post("/api/definitions",
        "{\"vhosts\":[{\"name\":\"" + VHOST + "\"}],\"queues\":[" + queues + "]}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    HttpDefinitionsTest.grantGuest(api, VHOST);
    // p-07 holds 3 messages, p-13 holds 1: the rest are empty.
    for (String[] m : new String[][] {{"p-07", "3"}, {"p-13", "1"}}) {
      for (int i = 0; i < Integer.parseInt(m[1]); i++) {
        assertThat(api.post("/api/exchanges/" + VHOST + "/amq.default/publish", "{\"routing_key\":\"" + m[0]
            + "\",\"payload\":\"x\",\"payload_encoding\":\"string\",\"properties\":{}}").status()).isEqualTo(200);
      }
    }
  }

  private static JsonNode page(String query) {
    HttpTestServer.Reply r = api.get("/api/queues/" + VHOST + "?" + query);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static List<String> names(JsonNode page) {
    List<String> names = new ArrayList<>();
    page.get("items").forEach(q -> names.add(q.get("name").asText()));
    return names;
  }

  @Test
  void pagesAreCutFromTheListSortedByName() {
    JsonNode first = page("page=1&page_size=10");
    assertThat(names(first)).containsExactly("p-01", "p-02", "p-03", "p-04", "p-05", "p-06", "p-07", "p-08",
        "p-09", "p-10");
    assertThat(first.get("page_count").asInt()).isEqualTo(3);
    assertThat(first.get("item_count").asInt()).isEqualTo(10);
    assertThat(first.get("filtered_count").asInt()).isEqualTo(25);
    assertThat(first.get("total_count").asInt()).isEqualTo(25);
    assertThat(first.get("items").get(6).get("messages").asInt()).as("p-07's counts").isEqualTo(3);
    JsonNode last = page("page=3&page_size=10");
    assertThat(names(last)).containsExactly("p-21", "p-22", "p-23", "p-24", "p-25");
    assertThat(names(page("page=1&page_size=3&sort_reverse=true"))).containsExactly("p-25", "p-24", "p-23");
  }

  @Test
  void aNameFiltersAsASubstringOrARegularExpression() {
    JsonNode sub = page("page=1&name=P-1");
    assertThat(names(sub)).containsExactly("p-10", "p-11", "p-12", "p-13", "p-14", "p-15", "p-16", "p-17", "p-18",
        "p-19");
    assertThat(sub.get("filtered_count").asInt()).isEqualTo(10);
    assertThat(sub.get("total_count").asInt()).isEqualTo(25);
    assertThat(names(page("page=1&use_regex=true&name=%5Ep-2%5B24%5D%24"))).containsExactly("p-22", "p-24");
  }

  @Test
  void sortingByACountOrAPropertyOrdersThePages() {
    assertThat(names(page("page=1&page_size=2&sort=messages&sort_reverse=true"))).containsExactly("p-07", "p-13");
    assertThat(names(page("page=1&page_size=5&sort=durable"))).containsExactly("p-05", "p-10", "p-15", "p-20",
        "p-25");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "page=0                       | page: must be an integer from 1",
      "page=x                       | page: must be an integer",
      "page=1&page_size=501         | page_size: must be an integer from 1 to 500",
      "page=1&sort=colour           | sort: must be one of",
      "page=1&use_regex=true&name=( | name: is not a valid regular expression",
      "page=1&use_regex=maybe       | use_regex: must be true or false",
      "page=9                       | page: is beyond the last page (1)",
      "page_size=10                 | page_size: only applies to a paged listing",
  })
  void badParametersAreRefusedNamingThem(String query, String reason) {
    HttpTestServer.Reply r = api.get("/api/queues/" + VHOST + "?" + query.replace("(", "%28"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("reason").asText()).startsWith(reason);
  }

  @Test
  void withoutPageTheListingIsTheWholeArrayAsBefore() {
    JsonNode all = api.get("/api/queues/" + VHOST).json();
    assertThat(all.isArray()).isTrue();
    assertThat(all).hasSize(25);
  }
}
