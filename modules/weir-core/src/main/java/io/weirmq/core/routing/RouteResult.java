package io.weirmq.core.routing;

import io.weirmq.core.model.QueueId;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/** Where a published message goes: each queue once, in the order routing reached them. */
public record RouteResult(Set<QueueId> queues) {

  public static final RouteResult UNROUTED = new RouteResult(Set.of());

  public RouteResult {
    if (!(queues instanceof Adopted)) {
      queues = new Adopted(new LinkedHashSet<>(queues));
    }
  }

  /** Takes ownership of a set nobody else holds, sparing routing a copy per publish. */
  static RouteResult adopt(LinkedHashSet<QueueId> queues) {
    return new RouteResult(new Adopted(queues));
  }

  /** An unmodifiable view of a set this record owns. */
  private static final class Adopted extends AbstractSet<QueueId> {
    private final Set<QueueId> set;

    Adopted(Set<QueueId> set) {
      this.set = set;
    }

    @Override
    public Iterator<QueueId> iterator() {
      return Collections.unmodifiableSet(set).iterator();
    }

    @Override
    public int size() {
      return set.size();
    }

    @Override
    public boolean contains(Object o) {
      return set.contains(o);
    }
  }

  /** False when no queue gets the message (a mandatory publish is then returned). */
  public boolean routed() {
    return !queues.isEmpty();
  }
}
