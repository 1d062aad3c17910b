package io.weirmq.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.queue.QueueSettings.Overflow;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing queue x-arguments. */
class QueueSettingsTest {

  private static void assertInvalid(Map<String, Object> args, String field) {
    assertThatThrownBy(() -> QueueSettings.fromArguments(args)).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.kind()).isEqualTo(BrokerException.Kind.INVALID_ARGUMENT);
      assertThat(e.field()).isEqualTo(field);
    });
  }

  @Test
  void noArgumentsGiveTheDefaults() {
    assertThat(QueueSettings.fromArguments(null)).isEqualTo(QueueSettings.DEFAULT);
    assertThat(QueueSettings.fromArguments(Map.of())).isEqualTo(QueueSettings.DEFAULT);
    assertThat(QueueSettings.DEFAULT.priorityLanes()).isEqualTo(1);
    assertThat(QueueSettings.DEFAULT.hasDeadLetterExchange()).isFalse();
  }

  @Test
  void everyArgumentIsParsed() {
    Map<String, Object> args = new HashMap<>();
    args.put("x-message-ttl", 1000);
    args.put("x-expires", 60_000L);
    args.put("x-max-length", 10);
    args.put("x-max-length-bytes", 1024);
    args.put("x-overflow", "reject-publish-dlx");
    args.put("x-dead-letter-exchange", "dlx");
    args.put("x-dead-letter-routing-key", "dead");
    args.put("x-delivery-limit", 5);
    args.put("x-max-priority", 10);
    args.put("x-single-active-consumer", true);
    args.put("x-queue-type", "quorum");
    args.put("x-mirrors", 1);
    args.put("x-mirror-sync", "all");
    args.put("note", "kept but meaningless");

    QueueSettings s = QueueSettings.fromArguments(args);

    assertThat(s).isEqualTo(new QueueSettings(1000L, 60_000L, 10L, 1024L, Overflow.REJECT_PUBLISH_DLX, "dlx", "dead",
        5L, 10, true, 1, QueueSettings.MirrorSync.ALL));
    assertThat(s.priorityLanes()).isEqualTo(11);
    assertThat(s.mirrorCount()).isEqualTo(1);
    assertThat(s.mirrorSyncMode()).isEqualTo(QueueSettings.MirrorSync.ALL);
  }

  @Test
  void mirrorsDefaultToTwoAndSyncToMajority() {
    assertThat(QueueSettings.DEFAULT.mirrorCount()).isEqualTo(2);
    assertThat(QueueSettings.DEFAULT.mirrorSyncMode()).isEqualTo(QueueSettings.MirrorSync.MAJORITY);
    assertThat(QueueSettings.fromArguments(Map.of("x-mirrors", 0)).mirrorCount()).isZero();
    assertInvalid(Map.of("x-mirrors", -1), "arguments.x-mirrors");
    assertInvalid(Map.of("x-mirror-sync", "some"), "arguments.x-mirror-sync");
  }

  @Test
  void wholeDoublesFromJsonAreAccepted() {
    assertThat(QueueSettings.fromArguments(Map.of("x-max-length", 5.0)).maxLength()).isEqualTo(5L);
  }

  @Test
  void unknownXArgumentIsRefusedByName() {
    assertInvalid(Map.of("x-max-lenght", 5), "arguments.x-max-lenght");
  }

  @Test
  void badValuesAreRefusedNamingTheArgument() {
    assertInvalid(Map.of("x-message-ttl", -1), "arguments.x-message-ttl");
    assertInvalid(Map.of("x-message-ttl", "1000"), "arguments.x-message-ttl");
    assertInvalid(Map.of("x-expires", 0), "arguments.x-expires");
    assertInvalid(Map.of("x-max-length", 1.5), "arguments.x-max-length");
    assertInvalid(Map.of("x-overflow", "drop-tail"), "arguments.x-overflow");
    assertInvalid(Map.of("x-max-priority", 0), "arguments.x-max-priority");
    assertInvalid(Map.of("x-max-priority", 256), "arguments.x-max-priority");
    assertInvalid(Map.of("x-single-active-consumer", "yes"), "arguments.x-single-active-consumer");
    assertInvalid(Map.of("x-queue-type", "stream"), "arguments.x-queue-type");
    assertInvalid(Map.of("x-dead-letter-exchange", 1), "arguments.x-dead-letter-exchange");
  }

  @Test
  void deadLetterRoutingKeyNeedsADeadLetterExchange() {
    assertInvalid(Map.of("x-dead-letter-routing-key", "dead"), "arguments.x-dead-letter-routing-key");
  }
}
