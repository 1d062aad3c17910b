package io.weirmq.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendezvous placement of mirrors. */
class MirrorPlacementTest {

  private static final List<String> FIVE = List.of("akka://weir@10.0.0.1:25520", "akka://weir@10.0.0.2:25520",
      "akka://weir@10.0.0.3:25520", "akka://weir@10.0.0.4:25520", "akka://weir@10.0.0.5:25520");

  @Test
  void neverPlacesAMirrorOnTheLeadersNodeAndIsCappedByTheClusterSize() {
    assertThat(MirrorPlacement.choose("q", FIVE.get(0), FIVE, 2)).hasSize(2).doesNotContain(FIVE.get(0));
    assertThat(MirrorPlacement.choose("q", FIVE.get(0), FIVE, 9)).containsExactlyInAnyOrderElementsOf(FIVE.subList(1, 5));
    assertThat(MirrorPlacement.choose("q", FIVE.get(0), List.of(FIVE.get(0)), 2)).isEmpty();
    assertThat(MirrorPlacement.choose("q", FIVE.get(0), FIVE, 0)).isEmpty();
  }

  @Test
  void everyNodeAgreesWhateverOrderItSeesTheMembersIn() {
    List<String> shuffled = new ArrayList<>(FIVE);
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(shuffled);
      for (int q = 0; q < 50; q++) {
        assertThat(MirrorPlacement.choose("queue-" + q, FIVE.get(2), shuffled, 2))
            .isEqualTo(MirrorPlacement.choose("queue-" + q, FIVE.get(2), FIVE, 2));
      }
    }
  }

  @Test
  void aNodeLeavingMovesOnlyTheMirrorsItHeld() {
    List<String> four = FIVE.subList(0, 4);
    for (int q = 0; q < 200; q++) {
      String queue = "queue-" + q;
      List<String> before = MirrorPlacement.choose(queue, FIVE.get(0), FIVE, 2);
      List<String> after = MirrorPlacement.choose(queue, FIVE.get(0), four, 2);
      List<String> kept = new ArrayList<>(before);
      kept.remove(FIVE.get(4));
      assertThat(after).as(queue).containsAll(kept);
    }
  }

  @Test
  void queuesSpreadOverTheNodes() {
    Map<String, Integer> perNode = new HashMap<>();
    for (int q = 0; q < 4000; q++) {
      for (String n : MirrorPlacement.choose("/" + q, FIVE.get(0), FIVE, 1)) {
        perNode.merge(n, 1, Integer::sum);
      }
    }
    // Four candidates, 1,000 each on average: each gets its share within 15 %.
    assertThat(perNode).hasSize(4);
    assertThat(perNode.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
  }
}
