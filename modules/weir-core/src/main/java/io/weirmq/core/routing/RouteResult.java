package io.weirmq.core.routing;

import io.weirmq.core.model.QueueId;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;
import java.util.Set;

/** Where a published message goes: each queue once, in the order routing reached them. */
public record RouteResult(Set<QueueId> queues) {

  public static final RouteResult UNROUTED = new RouteResult(Set.of());

  public RouteResult {
    if (!(queues instanceof Adopted)) {
      queues = new Adopted(new LinkedHashSet<>(queues).toArray(new QueueId[0]));
    }
  }

  /** Takes ownership of an array of distinct queues nobody else holds, sparing routing a copy. */
  static RouteResult adoptDistinct(QueueId[] distinctQueues) {
    return new RouteResult(new Adopted(distinctQueues));
  }

  /**
   * An unmodifiable ordered set over an array of distinct elements this record owns: routing
   * builds one exactly sized array per message and nothing around it.
   */
  private static final class Adopted extends AbstractSet<QueueId> {
    private final QueueId[] items;
    private volatile Set<QueueId> index;

    Adopted(QueueId[] items) {
      this.items = items;
    }

    @Override
    public Iterator<QueueId> iterator() {
      return new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < items.length;
        }

        @Override
        public QueueId next() {
          if (next == items.length) {
            throw new NoSuchElementException();
          }
          return items[next++];
        }
      };
    }

    @Override
    public int size() {
      return items.length;
    }

    @Override
    public boolean contains(Object o) {
      if (items.length <= 8) {
        for (QueueId q : items) {
          if (q.equals(o)) {
            return true;
          }
        }
        return false;
      }
      Set<QueueId> i = index;
      if (i == null) {
        // Benign race: any thread may build it; all build the same set.
        i = index = new HashSet<>(Arrays.asList(items));
      }
      return i.contains(o);
    }
  }

  /** False when no queue gets the message (a mandatory publish is then returned). */
  public boolean routed() {
    return !queues.isEmpty();
  }
}
