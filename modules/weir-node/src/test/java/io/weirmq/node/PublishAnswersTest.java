package io.weirmq.node;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import io.weirmq.core.model.BrokerException;
import io.weirmq.node.queue.QueueEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PublishAnswersTest {

  /** One system per test: each node has one PublishAnswers, with a fixed actor name. */
  private final ActorTestKit testKit = ActorTestKit.create();

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  /** What the queues were sent: each publish's request id and the actor to answer. */
  private final List<QueueEntity.Publish> sent = new ArrayList<>();

  private CompletableFuture<QueueEntity.Confirmation> publish(PublishAnswers answers) {
    return answers.request((id, replyTo) -> new QueueEntity.Publish(List.of(), id, replyTo),
        command -> sent.add((QueueEntity.Publish) command));
  }

  @Test
  void eachAnswerCompletesItsOwnRequest() throws Exception {
    PublishAnswers answers = new PublishAnswers(testKit.system(), Duration.ofSeconds(30));
    CompletableFuture<QueueEntity.Confirmation> first = publish(answers);
    CompletableFuture<QueueEntity.Confirmation> second = publish(answers);
    QueueEntity.Confirmation confirmation = new QueueEntity.Confirmation(List.of(true), "");

    ActorRef<QueueEntity.PublishAnswer> replyTo = sent.get(1).replyTo();
    replyTo.tell(QueueEntity.PublishAnswer.confirmed(sent.get(1).requestId(), confirmation));
    replyTo.tell(QueueEntity.PublishAnswer.failed(sent.get(0).requestId(), "queue stopped"));

    assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(confirmation);
    assertThat(first.handle((v, failure) -> failure).get(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(BrokerException.class, e -> {
          assertThat(e.kind()).isEqualTo(BrokerException.Kind.UNAVAILABLE);
          assertThat(e.getMessage()).isEqualTo("queue: queue stopped");
        });
    assertThat(answers.waiting()).isZero();
  }

  @Test
  void aRequestNobodyAnswersFailsAfterTheTimeoutAndALateAnswerIsIgnored() throws Exception {
    PublishAnswers answers = new PublishAnswers(testKit.system(), Duration.ofMillis(400));
    long sentAt = System.nanoTime();
    CompletableFuture<QueueEntity.Confirmation> unanswered = publish(answers);

    Throwable failure = unanswered.handle((v, f) -> f).get(5, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);

    assertThat(failure).isInstanceOfSatisfying(BrokerException.class,
        e -> assertThat(e.kind()).isEqualTo(BrokerException.Kind.UNAVAILABLE));
    assertThat(waitedMs).as("failed after the timeout, within a quarter of it more").isBetween(400L, 2_000L);
    assertThat(answers.waiting()).isZero();
    sent.get(0).replyTo().tell(QueueEntity.PublishAnswer.confirmed(sent.get(0).requestId(),
        new QueueEntity.Confirmation(List.of(true), "")));
    assertThat(unanswered).isCompletedExceptionally();
  }
}
