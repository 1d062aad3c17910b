package io.weirmq.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.queue.QueueSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Example;

/** RabbitMQ's rules for combining a queue's arguments with its policy, as properties. */
class EffectiveArgumentsPropertyTest {

  @Provide
  Arbitrary<Map<String, Object>> definitions() {
    return table("");
  }

  @Provide
  Arbitrary<Map<String, Object>> arguments() {
    return table("x-");
  }

  /** Any subset of the numeric limits and the string settings, with valid values. */
  private static Arbitrary<Map<String, Object>> table(String prefix) {
    Arbitrary<Long> limit = Arbitraries.longs().between(1, 100_000).injectNull(0.5);
    Arbitrary<String> overflow = Arbitraries.of("drop-head", "reject-publish", "reject-publish-dlx").injectNull(0.5);
    Arbitrary<String> name = Arbitraries.of("dlx-a", "dlx-b").injectNull(0.5);
    return Combinators.combine(limit, limit, limit, limit, limit, overflow, name, name).as(
        (ttl, expires, len, bytes, delivery, over, dlx, dlrk) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          put(m, prefix + "message-ttl", ttl);
          put(m, prefix + "expires", expires);
          put(m, prefix + "max-length", len);
          put(m, prefix + "max-length-bytes", bytes);
          put(m, prefix + "delivery-limit", delivery);
          put(m, prefix + "overflow", over);
          put(m, prefix + "dead-letter-exchange", dlx);
          put(m, prefix + "dead-letter-routing-key", dlx == null ? null : dlrk);
          return m;
        });
  }

  private static void put(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  @Property
  void limitsTakeTheLowerAndOtherKeysTakeTheArgument(@ForAll("arguments") Map<String, Object> args,
      @ForAll("definitions") Map<String, Object> definition) {
    Map<String, Object> out = EffectiveArguments.combine(args, definition);

    for (String key : Policy.KEYS) {
      Object own = args.get("x-" + key);
      Object policy = definition.get(key);
      Object got = out.get("x-" + key);
      if (own == null && policy == null) {
        assertThat(got).as(key).isNull();
      } else if (own == null) {
        assertThat(got).as(key).isEqualTo(policy);
      } else if (policy == null || !EffectiveArguments.LOWER_WINS.contains(key)) {
        assertThat(got).as(key).isEqualTo(own);
      } else {
        assertThat(((Number) got).longValue()).as(key)
            .isEqualTo(Math.min(((Number) own).longValue(), ((Number) policy).longValue()));
      }
    }
    // The result is always a valid queue configuration.
    QueueSettings.fromArguments(out);
  }

  @Property
  void noPolicyLeavesTheArgumentsAlone(@ForAll("arguments") Map<String, Object> args) {
    assertThat(EffectiveArguments.combine(args, null)).isEqualTo(args);
  }

  @Property
  void aLimitNeverGrowsThroughAPolicy(@ForAll("arguments") Map<String, Object> args,
      @ForAll("definitions") Map<String, Object> definition) {
    QueueSettings own = QueueSettings.fromArguments(args);
    QueueSettings effective = QueueSettings.fromArguments(EffectiveArguments.combine(args, definition));
    if (own.maxLength() != null) {
      assertThat(effective.maxLength()).isLessThanOrEqualTo(own.maxLength());
    }
    if (own.messageTtl() != null) {
      assertThat(effective.messageTtl()).isLessThanOrEqualTo(own.messageTtl());
    }
  }

  @Example
  void theArgumentsDeadLetterExchangeWinsOverThePolicys() {
    Map<String, Object> out = EffectiveArguments.combine(Map.of("x-dead-letter-exchange", "mine", "x-max-length", 3L),
        Map.of("dead-letter-exchange", "theirs", "max-length", 10L, "dead-letter-routing-key", "k"));
    assertThat(out).containsEntry("x-dead-letter-exchange", "mine").containsEntry("x-max-length", 3L)
        .containsEntry("x-dead-letter-routing-key", "k");
  }
}
