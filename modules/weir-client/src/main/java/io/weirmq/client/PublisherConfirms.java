package io.weirmq.client;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The publisher confirms of one channel: numbers its publishes, settles them with the broker's acks
 * and nacks (one tag, or with {@code multiple} every tag up to it), tells the confirm listeners and
 * answers {@link Channel#waitForConfirms(long)}. Thread-safe.
 */
final class PublisherConfirms {

  private static final System.Logger LOG = System.getLogger(PublisherConfirms.class.getName());

  private final List<ConfirmCallback> ackListeners = new CopyOnWriteArrayList<>();
  private final List<ConfirmCallback> nackListeners = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private volatile boolean enabled;
  private long nextSeqNo;
  private long seqOffset; // the broker numbers from 1 again on each socket; our numbers keep growing
  private final NavigableSet<Long> unconfirmed = new TreeSet<>();
  private boolean nackedSinceWait;

  /** From now on publishes are numbered 1, 2, 3... */
  synchronized void enable() {
    if (!enabled) {
      enabled = true;
      nextSeqNo = 1;
    }
  }

  boolean isEnabled() {
    return enabled;
  }

  /** The number the next publish will have; 0 when confirms are off. */
  synchronized long nextPublishSeqNo() {
    return nextSeqNo;
  }

  /** Numbers a publish about to be sent; 0 when confirms are off. */
  synchronized long register() {
    if (!enabled) {
      return 0;
    }
    long seq = nextSeqNo++;
    unconfirmed.add(seq);
    return seq;
  }

  /** The publish numbered {@code seq} could not be sent: nobody will confirm it. */
  synchronized void unsent(long seq) {
    if (seq > 0 && unconfirmed.remove(seq) && unconfirmed.isEmpty()) {
      notifyAll();
    }
  }

  /** On a new socket, where the broker numbers from 1 again after {@code confirm.select}. */
  synchronized void renumber() {
    seqOffset = nextSeqNo - 1;
  }

  void addListeners(ConfirmCallback ack, ConfirmCallback nack) {
    ackListeners.add(ack);
    nackListeners.add(nack);
  }

  /**
   * A {@code basic.ack} or {@code basic.nack} from the broker. A {@code multiple} one settles every
   * publish up to the tag that is still unconfirmed: one the broker acked or nacked alone before keeps
   * the outcome it had (so a multiple ack does not hide an earlier nack), as in RabbitMQ.
   */
  void confirmed(boolean ack, long serverTag, boolean multiple) {
    long tag;
    synchronized (this) {
      tag = serverTag + seqOffset;
    }
    // Listeners first, as RabbitMQ does: once waitForConfirms returns, they have seen every confirm.
    for (ConfirmCallback l : ack ? ackListeners : nackListeners) {
      try {
        l.handle(tag, multiple);
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "confirm listener failed", e);
      }
    }
    synchronized (this) {
      boolean settled;
      if (multiple) {
        NavigableSet<Long> covered = unconfirmed.headSet(tag, true);
        settled = !covered.isEmpty();
        covered.clear();
      } else {
        settled = unconfirmed.remove(tag);
      }
      nackedSinceWait |= !ack && settled;
      if (unconfirmed.isEmpty()) {
        notifyAll();
      }
    }
  }

  /** Nacks every unconfirmed publish (to the listeners one by one): the socket or channel they went on is gone. */
  void nackAll() {
    List<Long> lost;
    synchronized (this) {
      lost = new ArrayList<>(unconfirmed);
      unconfirmed.clear();
      nackedSinceWait |= !lost.isEmpty();
      notifyAll();
    }
    for (long tag : lost) {
      for (ConfirmCallback l : nackListeners) {
        try {
          l.handle(tag, false);
        } catch (Exception e) {
          LOG.log(System.Logger.Level.WARNING, "confirm listener failed", e);
        }
      }
    }
  }

  /**
   * Waits until no publish is unconfirmed; see {@link Channel#waitForConfirms(long)}.
   *
   * @return true if none was nacked since the last wait
   */
  synchronized boolean await(long timeoutMillis) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (!unconfirmed.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (timeoutMillis > 0 && left <= 0) {
        throw new TimeoutException(unconfirmed.size() + " publishes not confirmed within " + timeoutMillis + " ms");
      }
      wait(timeoutMillis > 0 ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)) : 0);
    }
    boolean allAcked = !nackedSinceWait;
    nackedSinceWait = false;
    return allAcked;
  }
}
