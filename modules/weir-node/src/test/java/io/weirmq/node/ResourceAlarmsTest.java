package io.weirmq.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.node.ResourceAlarms.Resource;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the memory and disk alarms go on and off, and who hears of it. */
class ResourceAlarmsTest {

  private static final long MIB = 1 << 20;

  /** Figures the test sets. */
  private static final class Figures implements ResourceAlarms.Probe {
    long retained;
    long max = 1000 * MIB;
    long disk = Long.MAX_VALUE;

    @Override
    public long retainedHeapBytes() {
      return retained;
    }

    @Override
    public long maxHeapBytes() {
      return max;
    }

    @Override
    public long usableDiskBytes() {
      return disk;
    }
  }

  private final Figures figures = new Figures();
  private final ResourceAlarms alarms = new ResourceAlarms(figures, 0.5, 100 * MIB);
  private final List<ResourceAlarms.State> heard = new ArrayList<>();

  {
    alarms.subscribe(heard::add);
  }

  @Test
  void memoryAlarmGoesOnAboveTheWatermarkAndOffOnlyWellBelowIt() {
    figures.retained = 400 * MIB;
    alarms.check();
    assertThat(alarms.blocked()).isFalse();

    figures.retained = 501 * MIB;
    alarms.check();
    assertThat(alarms.state().active()).containsExactly(Resource.MEMORY);
    assertThat(alarms.state().reason()).contains("memory", "501 MiB", "500 MiB", "memory-high-watermark");

    figures.retained = 460 * MIB; // below the watermark, above 90% of it: stays on, no flapping
    alarms.check();
    assertThat(alarms.blocked()).isTrue();

    figures.retained = 440 * MIB;
    alarms.check();
    assertThat(alarms.blocked()).isFalse();
    assertThat(heard).extracting(ResourceAlarms.State::blocked).containsExactly(true, false);
  }

  @Test
  void diskAlarmGoesOnBelowTheLimitAndOffAboveTenPercentMore() {
    figures.disk = 99 * MIB;
    alarms.check();
    assertThat(alarms.state().active()).containsExactly(Resource.DISK);
    assertThat(alarms.state().reason()).contains("disk", "99 MiB free", "disk-free-limit");

    figures.disk = 105 * MIB;
    alarms.check();
    assertThat(alarms.blocked()).isTrue();

    figures.disk = 111 * MIB;
    alarms.check();
    assertThat(alarms.blocked()).isFalse();
  }

  @Test
  void listenersHearChangesOnlyAndBothAlarmsAreNamed() {
    figures.disk = 0;
    figures.retained = 900 * MIB;
    alarms.check();
    alarms.check();
    assertThat(heard).hasSize(1);
    assertThat(heard.get(0).active()).containsExactlyInAnyOrder(Resource.MEMORY, Resource.DISK);

    figures.disk = Long.MAX_VALUE;
    alarms.check(); // memory still on: a change of which alarms, so listeners hear it
    assertThat(heard).hasSize(2);
    assertThat(heard.get(1).active()).containsExactly(Resource.MEMORY);
  }

  @Test
  void limitsChangeAtRunTimeAndNonsenseIsRefused() {
    figures.disk = 200 * MIB;
    alarms.check();
    assertThat(alarms.blocked()).isFalse();
    alarms.setDiskFreeLimit(300 * MIB);
    alarms.check();
    assertThat(alarms.blocked()).isTrue();

    assertThatThrownBy(() -> alarms.setMemoryHighWatermark(1.5)).hasMessageContaining("memory-high-watermark");
    assertThatThrownBy(() -> alarms.setDiskFreeLimit(-1)).hasMessageContaining("disk-free-limit");
  }

  @Test
  void aGenerationalHeapCountsWhatIsNotEdenAndAOnePoolHeapItsUseAfterTheLastCollection() {
    // G1: eden is garbage-in-waiting; survivors and the old generation are what stays.
    List<MemoryPoolMXBean> g1 = List.of(pool("G1 Eden Space", 300, 0), pool("G1 Old Gen", 200, 150),
        pool("G1 Survivor Space", 20, 20));
    assertThat(ResourceAlarms.retained(g1)).isEqualTo(220 * MIB);

    // Shenandoah or ZGC: one pool full of garbage between concurrent cycles; after the last one, 90.
    assertThat(ResourceAlarms.retained(List.of(pool("Shenandoah", 3700, 90)))).isEqualTo(90 * MIB);
    // Before the first collection there is no such figure: the current use is all there is.
    assertThat(ResourceAlarms.retained(List.of(pool("ZHeap", 40, 0)))).isEqualTo(40 * MIB);
  }

  /** A heap pool with its current use and its use after the last collection, in MiB. */
  private static MemoryPoolMXBean pool(String name, long usedMib, long afterCollectionMib) {
    return (MemoryPoolMXBean) Proxy.newProxyInstance(MemoryPoolMXBean.class.getClassLoader(),
        new Class<?>[] {MemoryPoolMXBean.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getName" -> name;
          case "getType" -> MemoryType.HEAP;
          case "getUsage" -> new MemoryUsage(0, usedMib * MIB, usedMib * MIB, -1);
          case "getCollectionUsage" -> new MemoryUsage(0, afterCollectionMib * MIB, afterCollectionMib * MIB, -1);
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
