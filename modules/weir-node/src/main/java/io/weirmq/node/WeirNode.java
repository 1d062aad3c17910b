package io.weirmq.node;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings a broker node up inside an ActorSystem: journal schema, cluster membership, broker. */
public final class WeirNode {

  private static final Logger log = LoggerFactory.getLogger(WeirNode.class);

  private WeirNode() {}

  /**
   * Creates the journal's tables if they are missing: from our own script when one is configured
   * (the H2 profile's, tuned for H2), else from akka-persistence-jdbc's.
   */
  private static CompletionStage<Done> createSchema(ActorSystem<?> system, String script) {
    if (script.isEmpty()) {
      return SchemaUtils.createIfNotExists(system);
    }
    try (var in = WeirNode.class.getClassLoader().getResourceAsStream(script)) {
      if (in == null) {
        throw new IllegalStateException("weir.journal.schema-script: no resource " + script + " on the class path");
      }
      return SchemaUtils.applyScript(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), system);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("weir.journal.schema-script: cannot read " + script, e);
    }
  }

  /**
   * Starts the node and completes with its {@link Broker} once the registry answers and the default
   * vhost is in this node's routing copy, or fails after {@code weir.startup-timeout}.
   */
  public static CompletionStage<Broker> start(ActorSystem<?> system) {
    Config config = system.settings().config();
    CompletionStage<Done> schema = config.getBoolean("weir.journal.create-schema")
        ? createSchema(system, config.getString("weir.journal.schema-script"))
        : CompletableFuture.completedFuture(Done.getInstance());
    return schema.thenCompose(done -> {
      Cluster cluster = Cluster.get(system);
      if (config.getBoolean("weir.cluster.self-join")) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      Broker broker = Broker.start(system);
      return broker.ready(config.getDuration("weir.startup-timeout")).thenApply(ready -> {
        log.info("WeirMQ node {} is up; journal plugin {}; data directory {}",
            cluster.selfMember().address(), config.getString("akka.persistence.journal.plugin"),
            broker.settings().dataDir().toAbsolutePath());
        return broker;
      });
    });
  }
}
