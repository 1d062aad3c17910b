package io.weirmq.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The bookkeeping of publisher confirms, fed the confirms a broker may send (cumulative ones included). */
class PublisherConfirmsTest {

  private final PublisherConfirms confirms = new PublisherConfirms();
  private final List<String> heard = new CopyOnWriteArrayList<>();

  PublisherConfirmsTest() {
    confirms.addListeners((tag, multiple) -> heard.add("ack " + tag + (multiple ? " multiple" : "")),
        (tag, multiple) -> heard.add("nack " + tag + (multiple ? " multiple" : "")));
  }

  private void publish(int n) {
    for (int i = 0; i < n; i++) {
      assertThat(confirms.register()).isPositive();
    }
  }

  @Test
  void multipleAckCoveringTagsAlreadyNackedOrAckedLeavesTheirOutcomeAndSettlesTheRest() throws Exception {
    confirms.enable();
    publish(5);
    confirms.confirmed(false, 2, false);
    confirms.confirmed(true, 4, false);
    assertThatThrownBy(() -> confirms.await(50)).isInstanceOf(TimeoutException.class).hasMessageStartingWith("3 publishes");

    confirms.confirmed(true, 5, true);

    assertThat(confirms.await(1_000)).as("publish 2 was nacked; the multiple ack does not hide it").isFalse();
    assertThat(heard).containsExactly("nack 2", "ack 4", "ack 5 multiple");
    assertThat(confirms.await(1_000)).as("a wait reports a nack once").isTrue();
  }

  @Test
  void cumulativeAckOfTagsAllSettledChangesNothing() throws Exception {
    confirms.enable();
    publish(3);
    confirms.confirmed(true, 1, false);
    confirms.confirmed(true, 3, true);
    assertThat(confirms.await(1_000)).isTrue();

    publish(1); // 4
    confirms.confirmed(true, 3, true); // a late repeat over tags long settled
    confirms.confirmed(false, 3, true); // even as a nack
    assertThatThrownBy(() -> confirms.await(50)).isInstanceOf(TimeoutException.class);
    confirms.confirmed(true, 4, false);
    assertThat(confirms.await(1_000)).as("the repeated nack settled nothing, so nothing was nacked").isTrue();
  }

  @Test
  void multipleNackNacksOnlyTheStillUnconfirmed() throws Exception {
    confirms.enable();
    publish(4);
    confirms.confirmed(true, 3, false);
    confirms.confirmed(false, 4, true);
    assertThat(confirms.await(1_000)).isFalse();
    assertThat(confirms.nextPublishSeqNo()).isEqualTo(5);
  }

  @Test
  void afterRenumberingTheBrokersTagsFromOneMapToTheClientsGrowingNumbers() throws Exception {
    confirms.enable();
    publish(2);
    confirms.nackAll(); // the socket was lost
    assertThat(confirms.await(1_000)).isFalse();
    confirms.renumber();
    publish(3); // 3, 4, 5: the broker's 1, 2, 3
    confirms.confirmed(true, 2, true);
    confirms.confirmed(true, 3, false);
    assertThat(confirms.await(1_000)).isTrue();
    assertThat(heard).containsExactly("nack 1", "nack 2", "ack 4 multiple", "ack 5");
  }

  @Test
  void unsentPublishNeedsNoConfirm() throws Exception {
    confirms.enable();
    publish(1);
    confirms.unsent(1);
    assertThat(confirms.await(1_000)).isTrue();
    assertThat(heard).isEmpty();
  }

  @Test
  void publishesAreNotNumberedBeforeConfirmSelect() {
    assertThat(confirms.register()).isZero();
    assertThat(confirms.nextPublishSeqNo()).isZero();
  }
}
