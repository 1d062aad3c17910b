package io.weirmq.node;

import com.typesafe.config.Config;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's memory and disk alarms, as in RabbitMQ: while one is on, connections that publish are
 * not read (their clients wait, TCP backpressure), so a flood is held back at the edge instead of
 * filling the heap with message bodies or the disk with journal. Consumers go on draining queues
 * meanwhile, which is what clears a memory alarm. Internal traffic (dead letters) is never held.
 *
 * <ul>
 *   <li>memory: the heap that survives young collections (old generation and survivors; with a
 *       one-pool concurrent collector, the heap's use after its last collection) above
 *       {@code weir.alarms.memory-high-watermark} of the maximum heap; clears below 90% of that;
 *   <li>disk: less than {@code weir.alarms.disk-free-limit} usable in the data directory's file
 *       system; clears above 110% of the limit.
 * </ul>
 *
 * <p>Checked every {@code weir.alarms.check-interval}; both limits can be changed at run time, as
 * with {@code rabbitmqctl set_vm_memory_high_watermark} and {@code set_disk_free_limit}.
 */
public final class ResourceAlarms {

  private static final Logger log = LoggerFactory.getLogger(ResourceAlarms.class);

  public enum Resource { MEMORY, DISK }

  /** The alarms that are on, and why, in words for clients and logs. */
  public record State(Set<Resource> active, String reason) {
    public State {
      active = active.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(active));
    }

    static final State CLEAR = new State(Set.of(), "");

    public boolean blocked() {
      return !active.isEmpty();
    }
  }

  /** What the alarms measure; a seam for tests. */
  public interface Probe {
    /** Heap bytes in use that a young collection does not free, and the most the heap may grow to. */
    long retainedHeapBytes();

    long maxHeapBytes();

    /** Bytes the node may still write where its journal lives. */
    long usableDiskBytes();
  }

  private final Probe probe;
  private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
  private volatile double memoryHighWatermark;
  private volatile long diskFreeLimit;
  private volatile State state = State.CLEAR;

  public ResourceAlarms(Probe probe, double memoryHighWatermark, long diskFreeLimit) {
    this.probe = probe;
    setMemoryHighWatermark(memoryHighWatermark);
    setDiskFreeLimit(diskFreeLimit);
  }

  /** The alarms of this JVM and of the file system that holds {@code dataDir}, from {@code weir.alarms}. */
  public static ResourceAlarms fromConfig(Config root, Path dataDir) {
    Config c = root.getConfig("weir.alarms");
    return new ResourceAlarms(jvmProbe(dataDir), c.getDouble("memory-high-watermark"), c.getBytes("disk-free-limit"));
  }

  public static Duration checkInterval(Config root) {
    return root.getDuration("weir.alarms.check-interval");
  }

  public State state() {
    return state;
  }

  public boolean blocked() {
    return state.blocked();
  }

  /** Called with the new state on whichever thread notices a change; keep it short (tell an actor). */
  public Runnable subscribe(Consumer<State> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  public void setMemoryHighWatermark(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("weir.alarms.memory-high-watermark: must be above 0 and at most 1, got " + fraction);
    }
    memoryHighWatermark = fraction;
  }

  public void setDiskFreeLimit(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("weir.alarms.disk-free-limit: must not be negative, got " + bytes);
    }
    diskFreeLimit = bytes;
  }

  /**
   * Measures once and tells the listeners if an alarm went on or off; one check at a time, so a
   * late check cannot undo a newer state.
   */
  public synchronized void check() {
    State before = state;
    EnumSet<Resource> active = EnumSet.noneOf(Resource.class);
    StringBuilder reason = new StringBuilder();

    long retained = probe.retainedHeapBytes();
    long max = probe.maxHeapBytes();
    long memoryLimit = (long) (max * memoryHighWatermark);
    boolean memoryWasOn = before.active().contains(Resource.MEMORY);
    if (retained > memoryLimit || (memoryWasOn && retained > memoryLimit * 0.9)) {
      active.add(Resource.MEMORY);
      reason.append("memory: ").append(mib(retained)).append(" of the heap in use, the high watermark is ")
          .append(mib(memoryLimit)).append(" (weir.alarms.memory-high-watermark ").append(memoryHighWatermark)
          .append(" of ").append(mib(max)).append(")");
    }

    long free = probe.usableDiskBytes();
    long diskLimit = diskFreeLimit;
    boolean diskWasOn = before.active().contains(Resource.DISK);
    if (free < diskLimit || (diskWasOn && free < diskLimit * 1.1)) {
      active.add(Resource.DISK);
      reason.append(reason.length() > 0 ? "; " : "").append("disk: ").append(mib(free))
          .append(" free, the limit is ").append(mib(diskLimit)).append(" (weir.alarms.disk-free-limit)");
    }

    State now = active.isEmpty() ? State.CLEAR : new State(active, reason.toString());
    if (!now.active().equals(before.active())) {
      state = now;
      if (now.blocked()) {
        log.warn("Resource alarm on, publishers are held back: {}", now.reason());
      } else {
        log.info("Resource alarms cleared, publishers resume");
      }
      listeners.forEach(l -> l.accept(now));
    } else {
      state = now; // same alarms, fresher figures
    }
  }

  /** See {@link #jvmProbe}: the heap pools' use that a young collection would not free. */
  static long retained(List<MemoryPoolMXBean> heapPools) {
    if (heapPools.size() == 1) {
      MemoryPoolMXBean only = heapPools.get(0);
      java.lang.management.MemoryUsage afterLastCollection = only.getCollectionUsage();
      return afterLastCollection != null && afterLastCollection.getUsed() > 0
          ? afterLastCollection.getUsed() : only.getUsage().getUsed();
    }
    long used = 0;
    for (MemoryPoolMXBean p : heapPools) {
      if (!p.getName().contains("Eden")) {
        used += p.getUsage().getUsed();
      }
    }
    return used;
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  /**
   * The heap that young collections do not free and the file system of {@code dataDir}.
   *
   * <p>With a generational collector (G1, the default) that is the current use of the old
   * generation and survivor spaces. A collector with one heap pool (Shenandoah, ZGC) collects
   * concurrently and lets garbage pile up between cycles, so the pool's current use says little
   * about what is live: its use after the last collection is what counts there.
   */
  static Probe jvmProbe(Path dataDir) {
    List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP)
        .toList();
    return new Probe() {
      @Override
      public long retainedHeapBytes() {
        return retained(heapPools);
      }

      @Override
      public long maxHeapBytes() {
        return Runtime.getRuntime().maxMemory();
      }

      @Override
      public long usableDiskBytes() {
        try {
          Path existing = dataDir;
          while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
          }
          return Files.getFileStore(existing == null ? Path.of(".") : existing).getUsableSpace();
        } catch (IOException e) {
          return Long.MAX_VALUE; // cannot tell: no alarm rather than a node that refuses every publish
        }
      }
    };
  }
}
