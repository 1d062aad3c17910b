package io.weirmq.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.model.BrokerException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PublishesInFlightTest {

  private static final String NODE_A = "akka://weir@127.0.0.1:25521";
  private static final String NODE_B = "akka://weir@127.0.0.1:25522";

  @Test
  void aDownedNodeFailsOnlyThePublishesWaitingOnQueuesItLeads() {
    PublishesInFlight inFlight = new PublishesInFlight();
    inFlight.answeredFrom("1@1://on-a", NODE_A);
    inFlight.answeredFrom("2@1://on-b", NODE_B);
    CompletableFuture<Object> toA = new CompletableFuture<>();
    CompletableFuture<Object> toB = new CompletableFuture<>();
    CompletableFuture<Object> toUnknown = new CompletableFuture<>();
    inFlight.track("1@1://on-a", toA);
    inFlight.track("2@1://on-b", toB);
    inFlight.track("3@1://never-answered", toUnknown);

    assertThat(inFlight.nodeDown(NODE_A)).isEqualTo(1);

    assertThat(toA).isCompletedExceptionally();
    assertThat(toA.handle((v, failure) -> failure).join())
        .isInstanceOfSatisfying(BrokerException.class, e -> {
          assertThat(e.kind()).isEqualTo(BrokerException.Kind.UNAVAILABLE);
          assertThat(e.getMessage()).contains(NODE_A).contains("may not have been written");
        });
    assertThat(toB).isNotDone();
    assertThat(toUnknown).isNotDone();
  }

  @Test
  void aPublishAnsweredBeforeTheNodeWentDownKeepsItsConfirm() {
    PublishesInFlight inFlight = new PublishesInFlight();
    inFlight.answeredFrom("1@1://q", NODE_A);
    CompletableFuture<Object> confirmed = new CompletableFuture<>();
    inFlight.track("1@1://q", confirmed);
    confirmed.complete("confirmed");

    assertThat(inFlight.nodeDown(NODE_A)).isZero();
    assertThat(confirmed.join()).isEqualTo("confirmed");
  }

  @Test
  void aQueueThatMovedIsNoLongerFailedWithItsOldNode() {
    PublishesInFlight inFlight = new PublishesInFlight();
    inFlight.answeredFrom("1@1://q", NODE_A);
    inFlight.answeredFrom("1@1://q", NODE_B); // its leader now answers from B
    CompletableFuture<Object> waiting = new CompletableFuture<>();
    inFlight.track("1@1://q", waiting);

    assertThat(inFlight.nodeDown(NODE_A)).isZero();
    assertThat(waiting).isNotDone();
  }
}
