package io.weirmq.core.cluster;

import io.weirmq.core.queue.QueueSettings.MirrorSync;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A queue leader's bookkeeping of its mirrors for publisher confirms: which sequence number each
 * mirror acknowledged, which mirrors are in sync, and up to which write a confirm may be given under
 * the queue's {@link MirrorSync} mode.
 *
 * <p>A mirror joins the set (or rejoins it) once it has acknowledged everything written when it was
 * placed (or dropped); it drops out when a write has waited for its acknowledgement for the sync
 * timeout, so a dead or slow mirror delays confirms by at most that long. Plain Java, one owner
 * thread; times are whatever clock the caller passes, in milliseconds.
 */
public final class InSyncMirrors {

  private static final class Mirror {
    long acked = -1;
    boolean inSync;
    /** What it must acknowledge to be in sync again. */
    long required;
  }

  private final long timeoutMillis;
  private final Map<String, Mirror> mirrors = new LinkedHashMap<>();
  /** Writes some in-sync mirror has not acknowledged yet, by sequence number: when each was written. */
  private final TreeMap<Long, Long> unacked = new TreeMap<>();
  private long written;

  public InSyncMirrors(long timeoutMillis) {
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("timeoutMillis must be positive, got " + timeoutMillis);
    }
    this.timeoutMillis = timeoutMillis;
  }

  /** The mirrors now placed; ones kept keep their state, new ones start out of sync. */
  public void place(List<String> nodes) {
    Map<String, Mirror> before = new LinkedHashMap<>(mirrors);
    mirrors.clear();
    for (String n : nodes) {
      Mirror m = before.get(n);
      if (m == null) {
        m = new Mirror();
        m.required = written;
      }
      mirrors.put(n, m);
    }
    prune();
  }

  /** The leader wrote up to {@code seqNr} at {@code now}. */
  public void written(long seqNr, long now) {
    written = Math.max(written, seqNr);
    if (mirrors.values().stream().anyMatch(m -> m.inSync && m.acked < seqNr)) {
      unacked.put(seqNr, now);
    }
  }

  /** A mirror holds everything up to {@code seqNr}; false when it is not placed here. */
  public boolean acked(String node, long seqNr) {
    Mirror m = mirrors.get(node);
    if (m == null) {
      return false;
    }
    m.acked = Math.max(m.acked, seqNr);
    if (!m.inSync && m.acked >= m.required) {
      m.inSync = true;
    }
    prune();
    return true;
  }

  /** Drops every in-sync mirror that a write has waited on for the timeout; answers the nodes dropped. */
  public List<String> expire(long now) {
    List<String> dropped = new ArrayList<>();
    for (Map.Entry<String, Mirror> e : mirrors.entrySet()) {
      Mirror m = e.getValue();
      if (!m.inSync) {
        continue;
      }
      Map.Entry<Long, Long> oldest = unacked.higherEntry(m.acked);
      if (oldest != null && now - oldest.getValue() >= timeoutMillis) {
        m.inSync = false;
        m.required = written;
        dropped.add(e.getKey());
      }
    }
    if (!dropped.isEmpty()) {
      prune();
    }
    return dropped;
  }

  /** The highest sequence number a write may be confirmed at under {@code mode}. */
  public long confirmedUpTo(MirrorSync mode) {
    if (mode == MirrorSync.NONE) {
      return written;
    }
    List<Long> acks = new ArrayList<>();
    for (Mirror m : mirrors.values()) {
      if (m.inSync) {
        acks.add(m.acked);
      }
    }
    int need = mode == MirrorSync.ALL ? acks.size() : Math.min((1 + mirrors.size()) / 2, acks.size());
    if (need == 0) {
      return written;
    }
    acks.sort((a, b) -> Long.compare(b, a));
    return Math.min(written, acks.get(need - 1));
  }

  public boolean inSync(String node) {
    Mirror m = mirrors.get(node);
    return m != null && m.inSync;
  }

  /** The sequence number {@code node} acknowledged, -1 for none or for a node not placed here. */
  public long ackedBy(String node) {
    Mirror m = mirrors.get(node);
    return m == null ? -1 : m.acked;
  }

  /** True while some write waits for an in-sync mirror's acknowledgement (a timer should run). */
  public boolean waiting() {
    return !unacked.isEmpty();
  }

  private void prune() {
    long lowest = Long.MAX_VALUE;
    for (Mirror m : mirrors.values()) {
      if (m.inSync) {
        lowest = Math.min(lowest, m.acked);
      }
    }
    if (lowest == Long.MAX_VALUE) {
      unacked.clear();
    } else {
      unacked.headMap(lowest, true).clear();
    }
  }
}
