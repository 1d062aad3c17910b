package io.weirmq.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class CommonPoolTest {

  private static String parallelism(Properties set, int processors) {
    CommonPool.ensureParallelism(set, processors);
    return set.getProperty(CommonPool.PARALLELISM);
  }

  @Test
  void givesTheCommonPoolAtLeastTwoThreadsOnSmallMachines() {
    // The JDK's default would be 0 and 1 here: CompletableFuture would start a thread per callback.
    assertThat(parallelism(new Properties(), 1)).isEqualTo("2");
    assertThat(parallelism(new Properties(), 2)).isEqualTo("2");
  }

  @Test
  void keepsTheJdkDefaultOnLargerMachines() {
    assertThat(parallelism(new Properties(), 4)).isEqualTo("3");
    assertThat(parallelism(new Properties(), 16)).isEqualTo("15");
  }

  @Test
  void keepsWhatTheOperatorSet() {
    Properties set = new Properties();
    set.setProperty(CommonPool.PARALLELISM, "1");
    assertThat(parallelism(set, 2)).isEqualTo("1");
  }
}
