package io.weirmq.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TopologyPropertiesTest {

  static final List<String> VHOSTS = List.of("/", "v2");
  static final List<String> EXCHANGES = List.of("e1", "e2", "e3", "amq.topic", "amq.fanout", "amq.headers", "amq.direct");
  static final List<String> QUEUES = List.of("q1", "q2", "q3");
  static final List<String> KEYS = List.of("", "a", "a.b", "*.b", "#", "a.#", "b");

  /** One request a client might make; applied only when the topology accepts it. */
  record Request(int kind, String vhost, String a, String b, int type, String key, boolean flag) {}

  @Provide
  Arbitrary<List<Request>> requests() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 9),
            Arbitraries.of(VHOSTS),
            Arbitraries.of(EXCHANGES),
            Arbitraries.of(QUEUES),
            Arbitraries.integers().between(0, 3),
            Arbitraries.of(KEYS),
            Arbitraries.of(true, false))
        .as(Request::new).list().ofMaxSize(60);
  }

  static List<TopologyEvent> decide(Topology t, Request r) {
    ExchangeType type = ExchangeType.values()[r.type()];
    String source = r.a();
    return switch (r.kind()) {
      case 0 -> t.addVhost(r.vhost());
      case 1 -> r.flag() && r.vhost().equals("v2") ? t.deleteVhost(r.vhost()) : t.addVhost(r.vhost());
      case 2 -> t.declareExchange(new ExchangeDefinition(new ExchangeId(r.vhost(), source), type, true, r.flag(), false,
          r.flag() ? Map.of("alternate-exchange", EXCHANGES.get(r.type())) : Map.of()));
      case 3 -> t.declareQueue(QueueDefinition.of(r.vhost(), r.b()));
      case 4, 5 -> t.bind(Binding.toQueue(r.vhost(), source, r.b(), r.key())
          .withArguments(r.flag() ? Map.of("x-match", "any", "h", r.key()) : Map.of()));
      case 6 -> t.bind(Binding.toExchange(r.vhost(), source, EXCHANGES.get(r.type()), r.key()));
      case 7 -> t.unbind(Binding.toQueue(r.vhost(), source, r.b(), r.key()));
      case 8 -> t.deleteQueue(new QueueId(r.vhost(), r.b()));
      default -> t.deleteExchange(new ExchangeId(r.vhost(), source), r.flag());
    };
  }

  @Property(tries = 300)
  void topologyRebuiltFromItsSnapshotRoutesIdentically(@ForAll("requests") List<Request> requests) {
    Topology t = new Topology();
    t.applyAll(t.addVhost("/"));
    for (Request r : requests) {
      try {
        List<TopologyEvent> events = decide(t, r);
        t.applyAll(events);
      } catch (BrokerException refused) {
        // Refused requests change nothing; that is part of what is checked below.
      }
    }
    Topology copy = Topology.fromSnapshot(t.snapshot());
    assertThat(copy.version()).isEqualTo(t.version());
    assertThat(copy.snapshot()).isEqualTo(t.snapshot());
    for (String vhost : t.vhosts()) {
      for (ExchangeDefinition x : t.exchanges(vhost)) {
        if (x.internal()) {
          continue;
        }
        for (String key : List.of("", "a", "a.b", "b", "q1", "x.b")) {
          Map<String, Object> headers = Map.of("h", key);
          assertThat(copy.route(vhost, x.id().name(), key, headers))
              .as("%s key '%s'", x.id(), key)
              .isEqualTo(t.route(vhost, x.id().name(), key, headers));
        }
      }
    }
  }

  @Property(tries = 200)
  void decideNeverChangesStateAndEveryBindingHasBothEnds(@ForAll("requests") List<Request> requests) {
    Topology t = new Topology();
    t.applyAll(t.addVhost("/"));
    for (Request r : requests) {
      TopologySnapshot before = t.snapshot();
      List<TopologyEvent> events;
      try {
        events = decide(t, r);
      } catch (BrokerException refused) {
        events = List.of();
      }
      assertThat(t.snapshot()).isEqualTo(before);
      t.applyAll(events);
    }
    for (Binding b : t.bindings()) {
      assertThat(t.exchange(b.sourceId())).isPresent();
      if (b.destinationKind() == DestinationKind.QUEUE) {
        assertThat(t.queue(b.destinationQueue())).isPresent();
      } else {
        assertThat(t.exchange(b.destinationExchange())).isPresent();
      }
    }
  }
}
