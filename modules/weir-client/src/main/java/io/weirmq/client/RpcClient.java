package io.weirmq.client;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Request/reply over a queue, as RabbitMQ's {@code RpcClient}: each call publishes with {@code reply_to}
 * set to a server-named exclusive queue of this client and a fresh {@code correlation_id}, and waits
 * for the reply that carries it. Thread-safe. The reply queue is not recovered with the connection.
 */
public final class RpcClient implements AutoCloseable {

  private final Channel channel;
  private final String exchange;
  private final String routingKey;
  private final String replyQueue;
  private final String consumerTag;
  private final Map<String, CompletableFuture<byte[]>> calls = new ConcurrentHashMap<>();

  public RpcClient(Channel channel, String exchange, String routingKey) {
    this.channel = channel;
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.replyQueue = channel.queueDeclare().queue();
    this.consumerTag = channel.basicConsume(replyQueue, true, (tag, d) -> {
      CompletableFuture<byte[]> call = d.getProperties().correlationId() == null ? null
          : calls.remove(d.getProperties().correlationId());
      if (call != null) {
        call.complete(d.getBody()); // replies nobody waits for any more (timed out) are dropped
      }
    }, tag -> calls.values().forEach(c -> c.completeExceptionally(
        new WeirConnectionException("reply queue " + replyQueue + " was deleted", null))));
  }

  /** The queue replies come to. */
  public String getReplyQueue() {
    return replyQueue;
  }

  /** Sends {@code body} and answers the reply's body. */
  public byte[] primitiveCall(byte[] body, long timeoutMillis) throws InterruptedException, TimeoutException {
    return primitiveCall(BasicProperties.builder(), body, timeoutMillis);
  }

  /** Sends with these properties (reply-to and correlation id set here) and answers the reply's body. */
  public byte[] primitiveCall(BasicProperties.Builder props, byte[] body, long timeoutMillis)
      throws InterruptedException, TimeoutException {
    String correlationId = UUID.randomUUID().toString();
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    calls.put(correlationId, reply);
    try {
      channel.basicPublish(exchange, routingKey, props.replyTo(replyQueue).correlationId(correlationId).build(), body);
      return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } finally {
      calls.remove(correlationId);
    }
  }

  /** Stops consuming replies; the exclusive reply queue goes with the connection. */
  @Override
  public void close() {
    if (channel.isOpen()) {
      channel.basicCancel(consumerTag);
    }
  }
}
