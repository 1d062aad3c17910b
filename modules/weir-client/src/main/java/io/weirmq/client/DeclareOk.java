package io.weirmq.client;

/** The answer to {@link Channel#queueDeclare}, as RabbitMQ's {@code Queue.DeclareOk}: the (possibly server-picked) name and counts. */
public record DeclareOk(String queue, long messageCount, int consumerCount) {

  public String getQueue() {
    return queue;
  }
}
