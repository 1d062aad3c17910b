package io.weirmq.cli;

import io.weirmq.client.BasicProperties;
import io.weirmq.client.OutboundMessage;
import io.weirmq.client.PublishResult;
import io.weirmq.client.WeirAdmin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weir publish}: one message, or {@code --count} copies sent as batch publishes, each answered
 * after its confirm.
 */
@Command(name = "publish", description = {
    "Publish a message and wait for its confirm. The body is the BODY argument, --file, or standard input.",
    "With --count, sends the body N times in batches (one journal write per queue per batch)."})
final class PublishCommand extends AdminCommand {

  /** A batch's JSON stays well under the broker's default 16 MiB body limit. */
  private static final long BATCH_BYTES = 4L * 1024 * 1024;
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  @Parameters(arity = "0..1", paramLabel = "BODY", description = "The message body (else --file, else standard input).")
  String body;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the body from this file.")
  Path file;

  @Option(names = {"-e", "--exchange"}, defaultValue = "", paramLabel = "EXCHANGE",
      description = "The exchange (default: the default exchange, which routes to the queue named by the key).")
  String exchange;

  @Option(names = {"-k", "--routing-key"}, required = true, paramLabel = "KEY", description = "The routing key.")
  String routingKey;

  @Option(names = {"-n", "--count"}, defaultValue = "1", paramLabel = "N", description = "Publish the body N times (default: ${DEFAULT-VALUE}).")
  long count;

  @Option(names = {"-r", "--rate"}, defaultValue = "0", paramLabel = "R", description = "At most R messages per second (default: as fast as confirmed).")
  double rate;

  @Option(names = "--batch-size", defaultValue = "500", paramLabel = "B", description = "Messages per batch request (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--progress", description = "Show a progress line on stderr even when it is not a terminal.")
  boolean progress;

  @Option(names = "--persistent", description = "delivery_mode 2: kept across broker restarts.")
  boolean persistent;

  @Option(names = "--content-type", paramLabel = "TYPE") String contentType;
  @Option(names = "--message-id", paramLabel = "ID") String messageId;
  @Option(names = "--correlation-id", paramLabel = "ID") String correlationId;
  @Option(names = "--expiration", paramLabel = "MS", description = "Per-message TTL in milliseconds.") String expiration;
  @Option(names = "--priority", paramLabel = "P") Integer priority;

  @Option(names = "--header", paramLabel = "KEY=VALUE", description = "A header (repeatable), typed as --arg values are.")
  Map<String, String> headers;

  @Override
  int run(WeirAdmin admin) throws IOException {
    if (count < 1) {
      throw usage("--count must be at least 1");
    }
    if (batchSize < 1) {
      throw usage("--batch-size must be at least 1");
    }
    if (rate < 0) {
      throw usage("--rate must not be negative");
    }
    byte[] payload = payload();
    BasicProperties props = BasicProperties.builder()
        .deliveryMode(persistent ? 2 : null).contentType(contentType).messageId(messageId)
        .correlationId(correlationId).expiration(expiration).priority(priority)
        .headers(headers == null ? null : Values.typed(headers)).build();

    if (count == 1 && rate == 0) {
      // One message: the single publish's 409 tells a refused message with its reason.
      boolean routed = admin.basicPublish(vhost(), exchange, routingKey, props, payload);
      out().println(routed ? "published 1 message, routed" : "published 1 message, not routed (no queue matched)");
      out().flush();
      return WeirCli.OK;
    }
    return publishMany(admin, props, payload);
  }

  private int publishMany(WeirAdmin admin, BasicProperties props, byte[] payload) {
    int perBatch = (int) Math.max(1, Math.min(batchSize, BATCH_BYTES / (payload.length * 4L / 3 + 256)));
    if (rate > 0) {
      // Small batches at low rates, so the messages go out evenly rather than in bursts.
      perBatch = (int) Math.max(1, Math.min(perBatch, rate / 10));
    }
    boolean showProgress = progress || System.console() != null;
    long start = System.nanoTime();
    long lastProgress = start;
    long sent = 0;
    long routed = 0;
    long unconfirmed = 0;
    OutboundMessage message = new OutboundMessage(routingKey, props, payload);
    while (sent < count) {
      if (rate > 0) {
        long due = start + (long) (sent * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(wait);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      int n = (int) Math.min(perBatch, count - sent);
      List<OutboundMessage> batch = new ArrayList<>(Collections.nCopies(n, message));
      for (PublishResult r : admin.publishBatch(vhost(), exchange, batch)) {
        routed += r.routed() && r.confirmed() ? 1 : 0;
        unconfirmed += r.confirmed() ? 0 : 1;
      }
      sent += n;
      long now = System.nanoTime();
      if (showProgress && (now - lastProgress >= PROGRESS_EVERY_NANOS || sent == count)) {
        err().printf("\rpublished %d/%d (%.0f msg/s)", sent, count, sent / ((now - start) / 1e9));
        err().flush();
        lastProgress = now;
      }
    }
    if (showProgress) {
      err().println();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    out().printf("published %d messages in %.2f s (%.0f msg/s): %d routed, %d not routed, %d rejected%n",
        sent, seconds, sent / Math.max(seconds, 1e-9), routed, sent - routed - unconfirmed, unconfirmed);
    out().flush();
    if (unconfirmed > 0) {
      err().printf("weir: publish_rejected: %d messages were refused by a full queue (x-overflow: reject-publish)%n",
          unconfirmed);
      return WeirCli.REFUSED;
    }
    return WeirCli.OK;
  }

  private byte[] payload() throws IOException {
    if (body != null && file != null) {
      throw usage("give the body as an argument or with --file, not both");
    }
    if (body != null) {
      return body.getBytes(StandardCharsets.UTF_8);
    }
    if (file != null) {
      if (!Files.isReadable(file)) {
        throw usage("--file: cannot read " + file);
      }
      return Files.readAllBytes(file);
    }
    return root().stdin.readAllBytes();
  }
}
