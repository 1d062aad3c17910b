package io.weirmq.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.Route;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.weirmq.node.Broker;
import io.weirmq.node.QueueListing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code GET /metrics}: this node's metrics in Prometheus' text format (docs/metrics.md lists them).
 *
 * <p>Each scrape asks every queue for its counts through {@link Broker#listQueues}, the path of
 * {@code GET /api/queues}, so the queue gauges show what the queues themselves hold. Its own route,
 * so that a later release can wrap it with authentication when configured to require it.
 */
final class MetricsRoutes extends ApiDirectives {

  private static final ContentType TEXT_FORMAT = ContentTypes.parse(PrometheusTextFormatWriter.CONTENT_TYPE);

  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  MetricsRoutes(Broker broker, Json json, HttpSettings settings) {
    super(broker, json, settings);
  }

  Route route() {
    return get(() -> onSuccess(broker.listQueues(topology().queues(),
        broker.metrics().settings().queueCountsTimeout()), this::scrape));
  }

  private Route scrape(List<QueueListing> queues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, broker.metrics().scrape(queues));
    } catch (IOException e) {
      throw new UncheckedIOException("metrics: could not write the text format", e); // a byte array does not fail
    }
    return complete(HttpResponse.create().withEntity(HttpEntities.create(TEXT_FORMAT, out.toByteArray())));
  }
}
