package io.weirmq.node.health;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.weirmq.node.NodeSettings;
import io.weirmq.node.registry.MetadataRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Is this node ready to serve? Three real checks, run together, each with its own timeout:
 *
 * <ul>
 *   <li>{@code cluster}: this node is a member of the cluster with status Up;
 *   <li>{@code registry}: the metadata registry singleton answers (it does only once it has
 *       recovered and started);
 *   <li>{@code journal}: this node's {@link JournalProbe} gets a write confirmed by the journal.
 * </ul>
 */
public final class NodeHealth {

  private static final Logger log = LoggerFactory.getLogger(NodeHealth.class);

  /** One check's outcome; {@code detail} says what was seen, or what failed. */
  public record Check(String name, boolean ok, String detail) {}

  /** All checks of one readiness run, in a fixed order. */
  public record Report(List<Check> checks) {
    public Report {
      checks = List.copyOf(checks);
    }

    public boolean ready() {
      return checks.stream().allMatch(Check::ok);
    }

    public List<String> failed() {
      return checks.stream().filter(c -> !c.ok()).map(Check::name).toList();
    }
  }

  private record Run(long startedNanos, CompletableFuture<Report> report) {}

  private final ActorSystem<?> system;
  private final ActorRef<MetadataRegistry.Command> registry;
  private final ActorRef<JournalProbe.Command> probe;
  private final HealthSettings settings;
  private final AtomicReference<Run> last = new AtomicReference<>();

  public NodeHealth(ActorSystem<?> system, ActorRef<MetadataRegistry.Command> registry, NodeSettings nodeSettings,
      HealthSettings settings) {
    this.system = system;
    this.registry = registry;
    this.settings = settings;
    String node = Cluster.get(system).selfMember().address().hostPort();
    this.probe = system.systemActorOf(JournalProbe.create(node, nodeSettings, settings.probeSnapshotEvery()),
        JournalProbe.NAME, Props.empty());
  }

  public HealthSettings settings() {
    return settings;
  }

  /**
   * Runs the checks, or joins a run in progress, or answers a run younger than
   * {@code weir.health.min-interval}. Never fails: a check that fails says so in its detail.
   */
  public CompletionStage<Report> readiness() {
    while (true) {
      Run previous = last.get();
      long now = System.nanoTime();
      if (previous != null && (!previous.report().isDone()
          || now - previous.startedNanos() < settings.minInterval().toNanos())) {
        return previous.report();
      }
      Run mine = new Run(now, new CompletableFuture<>());
      if (last.compareAndSet(previous, mine)) {
        runChecks().whenComplete((report, failure) -> mine.report().complete(report));
        return mine.report();
      }
    }
  }

  private CompletionStage<Report> runChecks() {
    List<CompletableFuture<Check>> checks = new ArrayList<>(3);
    checks.add(CompletableFuture.completedFuture(clusterCheck()));
    checks.add(timed("registry",
        AskPattern.<MetadataRegistry.Command, Long>ask(registry, MetadataRegistry.GetVersion::new,
            settings.registryTimeout(), system.scheduler()),
        version -> "answered at topology version " + version,
        "no answer within " + seconds(settings.registryTimeout())
            + " (not started, recovering, or its node is unreachable)"));
    checks.add(timed("journal",
        AskPattern.<JournalProbe.Command, Long>ask(probe, JournalProbe.Probe::new, settings.journalTimeout(),
            system.scheduler()),
        probes -> "probe write confirmed",
        "no probe write confirmed within " + seconds(settings.journalTimeout())
            + " (the journal is failing or too slow; the node's log has its error)"));
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Report report = new Report(checks.stream().map(CompletableFuture::join).toList());
      if (!report.ready()) {
        log.debug("Not ready: {}", report.checks());
      }
      return report;
    });
  }

  private Check clusterCheck() {
    MemberStatus status = Cluster.get(system).selfMember().status();
    boolean up = status == MemberStatus.up();
    return new Check("cluster", up, up ? "member status Up" : "member status " + status + "; ready only when Up");
  }

  /** A check from an ask: ok with its answer, or failed naming the timeout or the error. */
  private <T> CompletableFuture<Check> timed(String name, CompletionStage<T> ask,
      Function<T, String> okDetail, String timeoutDetail) {
    long started = System.nanoTime();
    CompletableFuture<Check> out = new CompletableFuture<>();
    // Completed on Akka's dispatcher, not on the JVM's common pool (see Broker.fromAkka).
    ask.whenCompleteAsync((answer, failure) -> {
      long ms = (System.nanoTime() - started) / 1_000_000;
      if (failure == null) {
        out.complete(new Check(name, true, okDetail.apply(answer) + " in " + ms + " ms"));
      } else {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        boolean timedOut = cause instanceof TimeoutException || cause instanceof akka.pattern.AskTimeoutException;
        out.complete(new Check(name, false, timedOut ? timeoutDetail : cause.toString()));
      }
    }, system.executionContext());
    return out;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
