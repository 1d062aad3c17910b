package io.weirmq.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a mirror hands over: always a contiguous run of its latest events. */
class RecentEventsTest {

  @Test
  void keepsTheLatestEventsUpToItsWeightWithTheirSequenceNumbers() {
    RecentEvents<String> r = new RecentEvents<>(3, e -> 1);
    assertThat(r.first()).isEqualTo(-1);
    assertThat(r.last()).isEqualTo(-1);
    assertThat(r.from(1)).isEmpty();
    r.append(1, List.of("a", "b"));
    r.append(3, List.of("c", "d"));
    assertThat(r.first()).isEqualTo(2);
    assertThat(r.last()).isEqualTo(4);
    assertThat(r.from(2)).contains(List.of("b", "c", "d"));
    assertThat(r.from(4)).contains(List.of("d"));
    assertThat(r.from(5)).as("just past the newest: nothing missing").contains(List.of());
    assertThat(r.from(1)).as("no longer held").isEmpty();
    assertThat(r.from(6)).as("beyond the newest").isEmpty();
  }

  @Test
  void eventsAlreadyHeldAreSkippedAndAGapStartsAfresh() {
    RecentEvents<String> r = new RecentEvents<>(10, e -> 1);
    r.append(1, List.of("a", "b", "c"));
    r.append(2, List.of("B", "C", "d")); // an overlap: 2 and 3 are already held
    assertThat(r.from(1)).contains(List.of("a", "b", "c", "d"));
    r.add(7, "g"); // 5 and 6 missing: what was held cannot be joined to it
    assertThat(r.first()).isEqualTo(7);
    assertThat(r.from(4)).isEmpty();
    assertThat(r.from(7)).contains(List.of("g"));
  }

  @Test
  void anEventHeavierThanTheBoundIsNotHeldAndNeitherIsAnythingBeforeIt() {
    RecentEvents<String> r = new RecentEvents<>(10, String::length);
    r.append(1, List.of("aaaa", "bbbb"));
    r.add(3, "cccc"); // 12 > 10: the oldest goes
    assertThat(r.from(2)).contains(List.of("bbbb", "cccc"));
    r.add(4, "x".repeat(11));
    assertThat(r.last()).as("nothing: what came before cannot be handed over without it").isEqualTo(-1);
    r.add(5, "ee");
    assertThat(r.from(5)).contains(List.of("ee"));
    assertThat(r.from(4)).isEmpty();
  }

  @Test
  void weightZeroHoldsNothingAndANegativeOneIsRefused() {
    RecentEvents<String> r = new RecentEvents<>(0, String::length);
    r.append(1, List.of("a"));
    assertThat(r.last()).isEqualTo(-1);
    assertThatThrownBy(() -> new RecentEvents<String>(-1, String::length)).hasMessageContaining("maxWeight");
  }
}
