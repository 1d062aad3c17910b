package io.weirmq.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.policy.Policy.ApplyTo;
import io.weirmq.core.queue.QueueSettings;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.Topology;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private static Policy policy(String name, String pattern, int priority, Map<String, Object> definition) {
    return new Policy("/", name, pattern, ApplyTo.QUEUES, priority, definition);
  }

  private static BrokerException refusal(Runnable r) {
    try {
      r.run();
    } catch (BrokerException e) {
      return e;
    }
    throw new AssertionError("no refusal");
  }

  @Test
  void anUnknownKeyIsRefusedByName() {
    BrokerException e = refusal(() -> policy("p", ".*", 0, Map.of("max-priority", 5)));
    assertThat(e.field()).isEqualTo("definition.max-priority");
    assertThat(e.reason()).contains("unknown policy key");
  }

  @Test
  void badValuesAreRefusedWithThePolicyKeyAsField() {
    assertThat(refusal(() -> policy("p", ".*", 0, Map.of("max-length", -1))).field()).isEqualTo("definition.max-length");
    assertThat(refusal(() -> policy("p", ".*", 0, Map.of("overflow", "explode"))).field()).isEqualTo("definition.overflow");
    assertThat(refusal(() -> policy("p", ".*", 0, Map.of("message-ttl", "soon"))).field()).isEqualTo("definition.message-ttl");
    assertThat(refusal(() -> policy("p", ".*", 0, Map.of("mirror-sync", "some"))).field()).isEqualTo("definition.mirror-sync");
    assertThat(refusal(() -> policy("p", ".*", 0, Map.of())).field()).isEqualTo("definition");
  }

  @Test
  void aBadPatternIsRefused() {
    BrokerException e = refusal(() -> policy("p", "^orders(", 0, Map.of("max-length", 1)));
    assertThat(e.field()).isEqualTo("pattern");
    assertThat(e.kind()).isEqualTo(BrokerException.Kind.INVALID_ARGUMENT);
  }

  @Test
  void aRoutingKeyAloneIsAValidPolicy() {
    assertThat(policy("p", ".*", 0, Map.of("dead-letter-routing-key", "dead")).definition())
        .containsEntry("dead-letter-routing-key", "dead");
  }

  @Test
  void applyToIsParsedAndDefaultsToAll() {
    assertThat(ApplyTo.parse("apply-to", null)).isEqualTo(ApplyTo.ALL);
    assertThat(ApplyTo.parse("apply-to", "exchanges")).isEqualTo(ApplyTo.EXCHANGES);
    assertThatThrownBy(() -> ApplyTo.parse("apply-to", "both")).hasMessageContaining("apply-to");
  }

  @Test
  void theHighestPriorityMatchingQueuePolicyApplies() {
    Policies p = Policies.of(java.util.List.of(
        policy("low", "^orders\\.", 1, Map.of("max-length", 10)),
        policy("high", "orders", 5, Map.of("max-length", 20)),
        new Policy("/", "exchanges-only", ".*", ApplyTo.EXCHANGES, 9, Map.of("max-length", 30)),
        policy("other", "^payments", 7, Map.of("max-length", 40))));

    assertThat(p.forQueue(new QueueId("/", "orders.created")).name()).isEqualTo("high");
    assertThat(p.forQueue(new QueueId("/", "payments")).name()).isEqualTo("other");
    assertThat(p.forQueue(new QueueId("/", "audit"))).isNull();
    assertThat(p.forQueue(new QueueId("other-vhost", "orders"))).isNull();
  }

  @Test
  void aTopologyKeepsPoliciesThroughSnapshotsAndDropsThemWithTheirVhost() {
    Topology t = new Topology();
    t.applyAll(t.addVhost("/"));
    t.applyAll(t.addVhost("staging"));
    t.applyAll(t.setPolicy(policy("cap", "^orders", 0, Map.of("max-length", 5))));
    t.applyAll(t.setPolicy(new Policy("staging", "cap", ".*", ApplyTo.ALL, 0, Map.of("message-ttl", 1000))));
    t.applyAll(t.declareQueue(new QueueDefinition(new QueueId("/", "orders"), true, false, false,
        Map.of("x-max-length", 9, "x-overflow", "reject-publish"), null)));

    assertThat(t.setPolicy(policy("cap", "^orders", 0, Map.of("max-length", 5)))).isEmpty();
    Topology back = Topology.fromSnapshot(t.snapshot());
    assertThat(back.policies().all()).isEqualTo(t.policies().all()).hasSize(2);
    QueueSettings effective = back.effectiveSettings(back.queue(new QueueId("/", "orders")).orElseThrow());
    assertThat(effective.maxLength()).isEqualTo(5L);
    assertThat(effective.overflow()).isEqualTo(QueueSettings.Overflow.REJECT_PUBLISH);

    t.applyAll(t.deleteVhost("staging"));
    assertThat(t.policies().all()).extracting(Policy::vhost).containsExactly("/");
    t.applyAll(t.clearPolicy("/", "cap"));
    assertThat(t.policies().all()).isEmpty();
    assertThat(refusal(() -> t.clearPolicy("/", "cap")).kind()).isEqualTo(BrokerException.Kind.NOT_FOUND);
    assertThat(refusal(() -> t.setPolicy(new Policy("nowhere", "p", ".*", ApplyTo.ALL, 0, Map.of("expires", 1))))
        .kind()).isEqualTo(BrokerException.Kind.NOT_FOUND);
  }
}
