package io.weirmq.core.routing;

import io.weirmq.core.model.QueueId;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;

/** Where a published message goes: each queue once, in the order routing reached them. */
public record RouteResult(Set<QueueId> queues) {

  public static final RouteResult UNROUTED = new RouteResult(Set.of());

  public RouteResult {
    if (!(queues instanceof Adopted)) {
      queues = new Adopted(List.copyOf(new LinkedHashSet<>(queues)));
    }
  }

  /** Takes ownership of a list of distinct queues nobody else holds, sparing routing a copy. */
  static RouteResult adoptDistinct(List<QueueId> distinctQueues) {
    return new RouteResult(new Adopted(distinctQueues));
  }

  /** An unmodifiable ordered set over a list of distinct elements this record owns. */
  private static final class Adopted extends AbstractSet<QueueId> {
    private final List<QueueId> list;
    private volatile Set<QueueId> index;

    Adopted(List<QueueId> list) {
      this.list = list;
    }

    @Override
    public Iterator<QueueId> iterator() {
      return Collections.unmodifiableList(list).iterator();
    }

    @Override
    public int size() {
      return list.size();
    }

    @Override
    public boolean contains(Object o) {
      if (list.size() <= 8) {
        return list.contains(o);
      }
      Set<QueueId> i = index;
      if (i == null) {
        // Benign race: any thread may build it; all build the same set.
        i = index = new HashSet<>(list);
      }
      return i.contains(o);
    }
  }

  /** False when no queue gets the message (a mandatory publish is then returned). */
  public boolean routed() {
    return !queues.isEmpty();
  }
}
