package io.weirmq.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.model.QueueId;
import org.junit.jupiter.api.Test;

/** Each declaration of a queue is its own incarnation, so the node can give a redeclared queue a fresh entity. */
class QueueIncarnationTest {

  private static final QueueId Q = new QueueId("/", "q");

  private static Topology withVhost() {
    Topology t = new Topology();
    t.applyAll(t.addVhost("/"));
    return t;
  }

  @Test
  void aQueueDeletedAndDeclaredAgainIsANewIncarnation() {
    Topology t = withVhost();
    t.applyAll(t.declareQueue(QueueDefinition.of("/", "q")));
    long first = t.queueIncarnation(Q);

    t.applyAll(t.deleteQueue(Q));
    assertThat(t.queueIncarnation(Q)).isZero();
    t.applyAll(t.declareQueue(QueueDefinition.of("/", "q")));

    assertThat(first).isPositive();
    assertThat(t.queueIncarnation(Q)).isGreaterThan(first);
  }

  @Test
  void anEquivalentRedeclareKeepsTheIncarnation() {
    Topology t = withVhost();
    t.applyAll(t.declareQueue(QueueDefinition.of("/", "q")));
    long first = t.queueIncarnation(Q);

    assertThat(t.declareQueue(QueueDefinition.of("/", "q"))).isEmpty();
    assertThat(t.queueIncarnation(Q)).isEqualTo(first);
  }

  @Test
  void incarnationsSurviveSnapshotsAndReplay() {
    Topology t = withVhost();
    t.applyAll(t.declareQueue(QueueDefinition.of("/", "a")));
    t.applyAll(t.declareQueue(QueueDefinition.of("/", "q")));
    t.applyAll(t.deleteQueue(new QueueId("/", "a")));

    Topology copy = Topology.fromSnapshot(t.snapshot());

    assertThat(copy.queueIncarnation(Q)).isEqualTo(t.queueIncarnation(Q));
    assertThat(copy.queueIncarnation(new QueueId("/", "a"))).isZero();
  }

  @Test
  void deletingAVhostForgetsItsQueues() {
    Topology t = withVhost();
    t.applyAll(t.declareQueue(QueueDefinition.of("/", "q")));

    t.applyAll(t.deleteVhost("/"));

    assertThat(t.queueIncarnation(Q)).isZero();
  }
}
