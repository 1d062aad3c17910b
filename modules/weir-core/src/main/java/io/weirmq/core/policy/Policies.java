package io.weirmq.core.policy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.QueueId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The broker's policies by vhost, with their patterns compiled once per change; part of the
 * registry's topology and of every node's copy. Changes arrive through {@code Topology.apply}.
 */
public final class Policies {

  /** A policy and its compiled pattern; immutable, shared by copies. */
  private record Compiled(Policy policy, Pattern pattern) {}

  /** By vhost, then name (sorted, so ties in priority are broken the same way on every node). */
  private final LinkedHashMap<String, TreeMap<String, Compiled>> byVhost = new LinkedHashMap<>();

  public List<Policy> all() {
    List<Policy> out = new ArrayList<>();
    byVhost.values().forEach(m -> m.values().forEach(c -> out.add(c.policy())));
    return out;
  }

  public List<Policy> of(String vhost) {
    Map<String, Compiled> m = byVhost.get(vhost);
    return m == null ? List.of() : m.values().stream().map(Compiled::policy).toList();
  }

  public Optional<Policy> get(String vhost, String name) {
    Map<String, Compiled> m = byVhost.get(vhost);
    return Optional.ofNullable(m == null ? null : m.get(name)).map(Compiled::policy);
  }

  public Policy require(String vhost, String name) {
    return get(vhost, name).orElseThrow(() ->
        BrokerException.notFound("policy", "no policy '" + name + "' in vhost '" + vhost + "'"));
  }

  /**
   * The policy that applies to a queue: of those for queues whose pattern is found in its name,
   * the one with the highest priority (ties: the first name in order), or null.
   */
  public Policy forQueue(QueueId queue) {
    Map<String, Compiled> m = byVhost.get(queue.vhost());
    if (m == null) {
      return null;
    }
    Compiled best = null;
    for (Compiled c : m.values()) {
      if (c.policy().applyTo().queues() && (best == null || c.policy().priority() > best.policy().priority())
          && c.pattern().matcher(queue.name()).find()) {
        best = c;
      }
    }
    return best == null ? null : best.policy();
  }

  // ---------------------------------------------------------------- apply (from Topology)

  public void put(Policy policy) {
    byVhost.computeIfAbsent(policy.vhost(), v -> new TreeMap<>())
        .put(policy.name(), new Compiled(policy, Policy.compile(policy.pattern())));
  }

  public void remove(String vhost, String name) {
    Map<String, Compiled> m = byVhost.get(vhost);
    if (m != null) {
      m.remove(name);
      if (m.isEmpty()) {
        byVhost.remove(vhost);
      }
    }
  }

  public void vhostDeleted(String vhost) {
    byVhost.remove(vhost);
  }

  /** An independent copy sharing the immutable compiled policies. */
  public Policies copy() {
    Policies c = new Policies();
    byVhost.forEach((v, m) -> c.byVhost.put(v, new TreeMap<>(m)));
    return c;
  }

  public static Policies of(List<Policy> policies) {
    Policies p = new Policies();
    policies.forEach(p::put);
    return p;
  }
}
