package io.weirmq.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.QueueId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class RouteResultTest {

  static QueueId[] queues(int n) {
    QueueId[] q = new QueueId[n];
    for (int i = 0; i < n; i++) {
      q[i] = new QueueId("/", "q" + (n - i));
    }
    return q;
  }

  @Test
  void anAdoptedArrayIsAnOrderedSetEqualToAnyOtherWithTheSameQueues() {
    for (int n : new int[] {1, 8, 9, 40}) {
      QueueId[] q = queues(n);
      RouteResult adopted = RouteResult.adoptDistinct(q.clone());
      assertThat(new ArrayList<>(adopted.queues())).containsExactly(q);
      assertThat(adopted.queues()).hasSize(n).contains(q[n - 1]).doesNotContain(new QueueId("/", "other"));
      assertThat(adopted).isEqualTo(new RouteResult(new HashSet<>(List.of(q))));
      assertThat(adopted.hashCode()).isEqualTo(new RouteResult(new HashSet<>(List.of(q))).hashCode());
    }
  }

  @Test
  void theQueuesCannotBeChangedThroughTheSetOrItsIterator() {
    RouteResult r = RouteResult.adoptDistinct(queues(3));
    assertThatThrownBy(() -> r.queues().add(new QueueId("/", "x"))).isInstanceOf(UnsupportedOperationException.class);
    Iterator<QueueId> it = r.queues().iterator();
    it.next();
    assertThatThrownBy(it::remove).isInstanceOf(UnsupportedOperationException.class);
    it.next();
    it.next();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    assertThat(r.queues()).hasSize(3);
  }

  @Test
  void aGivenSetIsCopiedWithoutDuplicatesInItsOrder() {
    List<QueueId> given = new ArrayList<>(List.of(queues(3)));
    RouteResult r = new RouteResult(new java.util.LinkedHashSet<>(given));
    given.clear();
    assertThat(new ArrayList<>(r.queues())).containsExactly(queues(3));
    assertThat(RouteResult.UNROUTED.routed()).isFalse();
  }
}
