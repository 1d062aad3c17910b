package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The listings' plain-Java part: views, who sees and closes what, sorting and paging; no Akka. */
class ConnectionViewsTest {

  private static ConnectionSnapshot connection(String user, int peerPort, long connectedAt, int channels) {
    List<ConnectionSnapshot.Channel> chs = new java.util.ArrayList<>();
    for (int i = 1; i <= channels; i++) {
      chs.add(new ConnectionSnapshot.Channel(i, 10, i == 1, List.of(
          new ConnectionSnapshot.Consumer("tag-" + user + "-" + i, "q" + i, true, false, 10))));
    }
    return new ConnectionSnapshot("10.0.0.1:" + peerPort + " -> 10.0.0.9:15672", "ws-" + peerPort,
        "akka://weir@10.0.0.9:25520", "/", user, "10.0.0.1", peerPort, "10.0.0.9", 15672, connectedAt, false,
        Map.of(), "running", 1, 2, chs);
  }

  private static final List<ConnectionSnapshot> ALL = List.of(connection("ann", 5001, 300, 1),
      connection("bob", 5002, 100, 3), connection("ann", 5003, 200, 0));

  @Test
  void monitorsSeeEveryConnectionOthersTheirOwnAndOnlyAdministratorsCloseOthers() {
    assertThat(ALL.stream().filter(c -> ConnectionViews.sees(c, "ann", false))).hasSize(2);
    assertThat(ALL.stream().filter(c -> ConnectionViews.sees(c, "ann", true))).hasSize(3);
    assertThat(ConnectionViews.mayClose(ALL.get(1), "ann", false)).isFalse();
    assertThat(ConnectionViews.mayClose(ALL.get(1), "ann", true)).isTrue();
    assertThat(ConnectionViews.mayClose(ALL.get(0), "ann", false)).isTrue();
  }

  @Test
  void viewsHaveRabbitMqsFieldsAndChannelAndConsumerNamesFollowTheConnection() {
    Map<String, Object> v = ConnectionViews.connection(ALL.get(1));
    assertThat(v).containsEntry("name", "10.0.0.1:5002 -> 10.0.0.9:15672").containsEntry("channels", 3)
        .containsEntry("peer_port", 5002).containsEntry("user", "bob").containsKeys("connected_at", "client_properties",
            "state", "ssl", "recv_oct", "send_oct", "node", "host", "port");
    List<Map<String, Object>> channels = ConnectionViews.channels(List.of(ALL.get(1)));
    assertThat(channels).extracting(c -> c.get("name")).containsExactly("10.0.0.1:5002 -> 10.0.0.9:15672 (1)",
        "10.0.0.1:5002 -> 10.0.0.9:15672 (2)", "10.0.0.1:5002 -> 10.0.0.9:15672 (3)");
    var rows = ConnectionViews.consumers(ALL, c -> c.user().equals("bob"));
    assertThat(rows).hasSize(3);
    Map<String, Object> consumer = ConnectionViews.consumer(rows.get(0), true, false);
    assertThat(consumer).containsEntry("consumer_tag", "tag-bob-1").containsEntry("active", false)
        .containsEntry("activity_status", "waiting").containsEntry("queue", Map.of("name", "q1", "vhost", "/"));
    @SuppressWarnings("unchecked")
    Map<String, Object> details = (Map<String, Object>) consumer.get("channel_details");
    assertThat(details).containsEntry("connection_name", "10.0.0.1:5002 -> 10.0.0.9:15672").containsEntry("number", 1)
        .containsEntry("user", "bob").containsEntry("peer_port", 5002);
    assertThat(ConnectionViews.consumer(rows.get(0), false, true)).containsEntry("activity_status", "up");
  }

  @Test
  void listingsSortByAnyListedFieldAndPageAsRabbitMqDoes() {
    List<Map<String, Object>> views = ALL.stream().map(ConnectionViews::connection).toList();
    Set<String> sorts = Set.of("name", "connected_at", "channels");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> byTime = (List<Map<String, Object>>) ConnectionViews.list(
        Map.of("sort", "connected_at"), views, "name", sorts);
    assertThat(byTime).extracting(v -> v.get("peer_port")).containsExactly(5002, 5003, 5001);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> byChannelsReversed = (List<Map<String, Object>>) ConnectionViews.list(
        Map.of("sort", "channels", "sort_reverse", "true"), views, "name", sorts);
    assertThat(byChannelsReversed).extracting(v -> v.get("peer_port")).containsExactly(5002, 5001, 5003);

    @SuppressWarnings("unchecked")
    Map<String, Object> page = (Map<String, Object>) ConnectionViews.list(
        Map.of("page", "2", "page_size", "1", "name", ":500"), views, "name", sorts);
    assertThat(page).containsEntry("page", 2).containsEntry("page_count", 3).containsEntry("item_count", 1)
        .containsEntry("filtered_count", 3).containsEntry("total_count", 3);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
    assertThat(items).extracting(v -> v.get("peer_port")).containsExactly(5002);

    @SuppressWarnings("unchecked")
    Map<String, Object> filtered = (Map<String, Object>) ConnectionViews.list(
        Map.of("page", "1", "name", "500[13]", "use_regex", "true"), views, "name", sorts);
    assertThat(filtered).containsEntry("filtered_count", 2);
  }

  @Test
  void badListingParametersAreRefusedNamingTheParameter() {
    List<Map<String, Object>> views = ALL.stream().map(ConnectionViews::connection).toList();
    Set<String> sorts = Set.of("name");
    assertThatThrownBy(() -> ConnectionViews.list(Map.of("sort", "colour"), views, "name", sorts))
        .isInstanceOf(BrokerException.class).hasMessageStartingWith("sort:");
    assertThatThrownBy(() -> ConnectionViews.list(Map.of("page", "0"), views, "name", sorts))
        .hasMessageStartingWith("page:");
    assertThatThrownBy(() -> ConnectionViews.list(Map.of("page", "9"), views, "name", sorts))
        .hasMessageStartingWith("page:");
    assertThatThrownBy(() -> ConnectionViews.list(Map.of("page_size", "5"), views, "name", sorts))
        .hasMessageStartingWith("page_size:");
    assertThatThrownBy(() -> ConnectionViews.list(Map.of("page", "1", "name", "(", "use_regex", "true"), views,
        "name", sorts)).hasMessageStartingWith("name:");
  }
}
