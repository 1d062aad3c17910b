package io.weirmq.server;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a node's shutdown visible and bounded: logs each CoordinatedShutdown phase at INFO with how
 * long the one before it took, and halts the JVM if the whole shutdown outlives
 * {@code weir.shutdown.deadline}, so that a stuck phase ends in a log line rather than in
 * Kubernetes' SIGKILL after terminationGracePeriodSeconds.
 */
final class ShutdownPhases {

  private static final Logger log = LoggerFactory.getLogger(ShutdownPhases.class);

  private ShutdownPhases() {}

  /** Checks the phase timeouts against the deadline and registers the logging and the watchdog. */
  static void install(ActorSystem<?> system) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration deadline = system.settings().config().getDuration("weir.shutdown.deadline");
    checkBudget(deadline, Duration.ofNanos(shutdown.totalTimeout().toNanos()));
    AtomicLong started = new AtomicLong();
    AtomicReference<String> previous = new AtomicReference<>();
    AtomicLong previousStarted = new AtomicLong();
    scala.collection.Iterator<String> phases = shutdown.orderedPhases().iterator();
    boolean first = true;
    while (phases.hasNext()) {
      String phase = phases.next();
      boolean isFirst = first;
      first = false;
      shutdown.addTask(phase, "weir-log-phase", () -> {
        long now = System.nanoTime();
        if (isFirst) {
          started.set(now);
          startWatchdog(deadline);
          log.info("Shutdown begins ({}): {} to finish, phase timeouts add up to {} ms",
              shutdown.getShutdownReason().map(Object::toString).orElse("unknown reason"), deadline,
              shutdown.totalTimeout().toMillis());
        } else {
          log.info("Shutdown phase {} took {} ms", previous.get(),
              Duration.ofNanos(now - previousStarted.get()).toMillis());
        }
        log.info("Shutdown phase {} begins {} ms after the start (timeout {} ms)", phase,
            Duration.ofNanos(now - started.get()).toMillis(), shutdown.timeout(phase).toMillis());
        previous.set(phase);
        previousStarted.set(now);
        return CompletableFuture.completedFuture(Done.getInstance());
      });
    }
  }

  /** The phases' timeouts must fit in the deadline, or a slow but healthy shutdown would be cut short. */
  static void checkBudget(Duration deadline, Duration phases) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("weir.shutdown.deadline: must be positive, was " + deadline);
    }
    if (phases.compareTo(deadline) > 0) {
      throw new IllegalArgumentException("weir.shutdown.deadline: " + deadline.toMillis()
          + " ms is less than the sum of akka.coordinated-shutdown.phases.*.timeout (" + phases.toMillis()
          + " ms); raise the deadline or lower the phase timeouts");
    }
  }

  private static void startWatchdog(Duration deadline) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(deadline.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      log.error("Shutdown did not finish within weir.shutdown.deadline ({}): halting the JVM", deadline);
      Runtime.getRuntime().halt(1);
    }, "weir-shutdown-deadline");
    watchdog.setDaemon(true); // a JVM that finished its shutdown exits without waiting for it
    watchdog.start();
  }
}
