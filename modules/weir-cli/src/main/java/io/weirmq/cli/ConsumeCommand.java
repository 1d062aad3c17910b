package io.weirmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weirmq.client.Channel;
import io.weirmq.client.Connection;
import io.weirmq.client.ConnectionFactory;
import io.weirmq.client.Delivery;
import io.weirmq.client.WeirAdmin;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir consume QUEUE}: a WebSocket consumer that prints what it receives until {@code --count} or Ctrl-C. */
@Command(name = "consume", description = "Consume from a queue over the WebSocket API and print the messages, "
    + "until --count messages or Ctrl-C.")
final class ConsumeCommand extends AdminCommand {

  enum Ack { auto, manual }

  @Parameters(paramLabel = "QUEUE") String queue;

  @Option(names = "--ack", defaultValue = "manual", paramLabel = "MODE",
      description = "${COMPLETION-CANDIDATES}: manual acks each message once printed (default: ${DEFAULT-VALUE}).")
  Ack ack;

  @Option(names = "--prefetch", defaultValue = "100", paramLabel = "N",
      description = "At most N unacked messages in flight; 0 is unlimited (default: ${DEFAULT-VALUE}).")
  int prefetch;

  @Option(names = {"-n", "--count"}, defaultValue = "0", paramLabel = "N",
      description = "Exit after N messages; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--json", description = "Print each message as one line of JSON, with its properties and headers.")
  boolean json;

  @Override
  int run(WeirAdmin admin) throws Exception {
    if (count < 0 || prefetch < 0) {
      throw usage("--count and --prefetch must be >= 0");
    }
    ConnectionFactory factory = admin.newConnectionFactory().setVirtualHost(vhost());
    ObjectMapper mapper = new ObjectMapper();
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch cleanedUp = new CountDownLatch(1);
    AtomicInteger printed = new AtomicInteger();
    AtomicReference<String> ended = new AtomicReference<>();
    // Ctrl-C: stop, and let the connection close so that unacked messages return to the queue at once.
    Thread onInterrupt = new Thread(() -> {
      done.countDown();
      try {
        cleanedUp.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "weir-consume-stop");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    try (Connection connection = factory.newConnection()) {
      connection.addShutdownListener(cause -> {
        if (!cause.isInitiatedByApplication()) {
          ended.compareAndSet(null, "connection lost: " + cause.getMessage());
          done.countDown();
        }
      });
      Channel ch = connection.createChannel();
      ch.basicQos(prefetch);
      ch.basicConsume(queue, ack == Ack.auto, (tag, d) -> {
        if (done.getCount() == 0) {
          return; // past --count: left unacked, so the broker requeues it on close
        }
        out().println(json ? json(mapper, d) : text(d));
        out().flush();
        if (ack == Ack.manual) {
          ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
        }
        if (printed.incrementAndGet() == count) {
          done.countDown();
        }
      }, tag -> {
        ended.compareAndSet(null, "the broker cancelled the consumer (queue '" + queue + "' deleted?)");
        done.countDown();
      });
      done.await();
    } finally {
      cleanedUp.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running
      }
    }
    if (ended.get() != null) {
      err().println("weir: " + ended.get());
      return WeirCli.UNREACHABLE;
    }
    return WeirCli.OK;
  }

  private static String text(Delivery d) {
    String text = GetCommand.text(d.getBody());
    return text != null ? text : "base64:" + Base64.getEncoder().encodeToString(d.getBody());
  }

  private static String json(ObjectMapper mapper, Delivery d) {
    ObjectNode o = mapper.createObjectNode().put("exchange", d.getEnvelope().getExchange())
        .put("routing_key", d.getEnvelope().getRoutingKey()).put("redelivered", d.getEnvelope().isRedeliver())
        .put("delivery_tag", d.getEnvelope().getDeliveryTag()).put("payload_bytes", d.getBody().length);
    o.set("properties", mapper.valueToTree(d.getProperties()));
    String text = GetCommand.text(d.getBody());
    o.put("payload", text != null ? text : Base64.getEncoder().encodeToString(d.getBody()))
        .put("payload_encoding", text != null ? "string" : "base64");
    return o.toString();
  }
}
