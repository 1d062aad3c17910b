package io.weirmq.core.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The last few events a mirror applied, with their sequence numbers, always a contiguous run ending
 * at the newest. A mirror that becomes its queue's leader hands them over with its state, so that
 * the other mirrors, which may have missed the old leader's last write or two when it died, get
 * those events from the new leader at once instead of reading them from the journal.
 *
 * <p>Bounded by a weight (the caller's estimate of each event's size): the oldest go first, and an
 * event heavier than the whole bound is not held at all (nor what came before it), so what is held
 * always fits in one message of that size. Plain Java, one owner thread.
 */
public final class RecentEvents<E> {

  private final long maxWeight;
  private final ToLongFunction<E> weigher;
  private final ArrayDeque<E> events = new ArrayDeque<>();
  private final ArrayDeque<Long> weights = new ArrayDeque<>();
  private long weight;
  /** Sequence number of the newest event held; {@code last - events.size() + 1} is the oldest's. */
  private long last;

  public RecentEvents(long maxWeight, ToLongFunction<E> weigher) {
    if (maxWeight < 0) {
      throw new IllegalArgumentException("maxWeight must be 0 or more, got " + maxWeight);
    }
    this.maxWeight = maxWeight;
    this.weigher = weigher;
  }

  /**
   * Records {@code added}, numbered from {@code firstSeq}. Events at or below the newest held are
   * skipped (already recorded); one that does not join on (a gap) replaces what was held, so what is
   * held stays contiguous.
   */
  public void append(long firstSeq, List<E> added) {
    long seq = firstSeq;
    for (E e : added) {
      add(seq++, e);
    }
  }

  /** Records one event, as {@link #append} does. */
  public void add(long seqNr, E event) {
    if (!events.isEmpty() && seqNr <= last) {
      return;
    }
    long w = Math.max(0, weigher.applyAsLong(event));
    if (w > maxWeight || (!events.isEmpty() && seqNr > last + 1)) {
      clear();
    }
    if (w > maxWeight) {
      return; // nothing before it can be handed over without it either
    }
    events.addLast(event);
    weights.addLast(w);
    weight += w;
    last = seqNr;
    while (weight > maxWeight) {
      events.removeFirst();
      weight -= weights.removeFirst();
    }
  }

  private void clear() {
    events.clear();
    weights.clear();
    weight = 0;
  }

  /** Sequence number of the oldest event held, or -1 when none is. */
  public long first() {
    return events.isEmpty() ? -1 : last - events.size() + 1;
  }

  /** Sequence number of the newest event held, or -1 when none is. */
  public long last() {
    return events.isEmpty() ? -1 : last;
  }

  /**
   * The events from {@code seqNr} to the newest, when every one of them is held (empty list when
   * {@code seqNr} is just past the newest); empty when some are not.
   */
  public Optional<List<E>> from(long seqNr) {
    if (events.isEmpty() || seqNr < first() || seqNr > last + 1) {
      return Optional.empty();
    }
    List<E> out = new ArrayList<>((int) (last - seqNr + 1));
    long seq = first();
    for (E e : events) {
      if (seq >= seqNr) {
        out.add(e);
      }
      seq++;
    }
    return Optional.of(out);
  }
}
