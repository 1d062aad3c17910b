package io.weirmq.core.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.MessageIds;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryTagsTest {

  @Test
  void forgottenTagsOfAQueueThatMovedSettleNothingWhileOtherQueuesTagsStillSettle() {
    DeliveryTags<String> tags = new DeliveryTags<>();
    long a1 = tags.assign("a", 10);
    long b1 = tags.assign("b", 20);
    long a2 = tags.assign("a", 11);
    assertThat(tags.forget("a", tags.lastTag())).isEqualTo(2);
    long a3 = tags.assign("a", 10); // the same message, delivered again by the queue's new home

    assertThat(tags.settle(a1, false)).as("a forgotten tag is known but settles nothing").isEmpty();
    assertThat(tags.settle(b1, false)).isEqualTo(Map.of("b", MessageIds.of(20)));
    assertThat(tags.settle(a3, true)).as("multiple skips the forgotten a2").isEqualTo(Map.of("a", MessageIds.of(10)));
    assertThat(tags.outstandingCount()).isZero();
    assertThatThrownBy(() -> tags.settle(a2, false)).isInstanceOf(BrokerException.class)
        .hasMessageContaining("unknown delivery tag " + a2);
  }

  @Test
  void settleAllReturnsOnlyWhatTheQueuesStillHold() {
    DeliveryTags<String> tags = new DeliveryTags<>();
    tags.assign("a", 1);
    tags.assign("b", 2);
    tags.forget("a", tags.lastTag());
    tags.assign("a", 1);
    assertThat(tags.settleAll()).isEqualTo(Map.of("b", MessageIds.of(2), "a", MessageIds.of(1)));
  }
}
