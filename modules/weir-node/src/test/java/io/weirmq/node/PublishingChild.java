package io.weirmq.node;

import io.weirmq.core.message.Message;
import io.weirmq.core.message.MessageProperties;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.QueueDefinition;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The broker process of {@link KillNineRecoveryTest}: starts a node on the given data directory and
 * publishes persistent messages with confirms until it is killed, printing {@code CONFIRMED n} for
 * every message as soon as its confirm arrives.
 */
public final class PublishingChild {

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    String queue = args[1];
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    TestNodes.Node node = TestNodes.start(dataDir);
    Broker broker = node.broker();
    TestNodes.await(broker.declareQueue(new QueueDefinition(new QueueId("/", queue), true, false, false, Map.of(), null)));
    out.println("READY");
    Semaphore inFlight = new Semaphore(20);
    long next = 0;
    while (true) {
      inFlight.acquire();
      List<Message> batch = new ArrayList<>();
      long first = next;
      for (int i = 0; i < 50; i++) {
        long n = next++;
        batch.add(new Message("", queue, MessageProperties.builder().persistent().messageId(Long.toString(n)).build(),
            ("payload " + n).getBytes(StandardCharsets.UTF_8)));
      }
      broker.publish("/", batch).whenComplete((outcomes, failure) -> {
        inFlight.release();
        if (failure != null) {
          out.println("FAILED " + first + " " + failure);
          return;
        }
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < outcomes.size(); i++) {
          if (outcomes.get(i).confirmed()) {
            lines.append("CONFIRMED ").append(first + i).append('\n');
          }
        }
        synchronized (out) {
          out.print(lines);
          out.flush();
        }
      });
    }
  }
}
