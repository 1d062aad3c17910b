package io.weirmq.client;

/**
 * The serving side of request/reply, as RabbitMQ's {@code RpcServer}: consumes a queue with manual
 * acks and answers each request that names a {@code reply_to} with the body {@link #handleCall}
 * returns, published to that queue through the default exchange with the request's
 * {@code correlation_id}. A request without {@code reply_to} goes to {@link #handleCast}.
 *
 * <p>The request is acked only after its reply was published, so a server that dies midway leaves
 * it to be redelivered to another. A handler that throws has its request rejected without requeue
 * (dead-lettered, if the queue has a dead-letter exchange): a request that always fails must not
 * come back forever. Override one of the {@code handleCall} methods; the server calls them on the
 * connection's dispatcher, one request at a time per channel.
 */
public class RpcServer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());

  private final Channel channel;
  private final String queue;
  private volatile String consumerTag;

  /** Serves {@code queue} on {@code channel} once {@link #start()} is called. */
  public RpcServer(Channel channel, String queue) {
    this.channel = channel;
    this.queue = queue;
  }

  /** Starts consuming; answers the consumer tag. */
  public synchronized String start() {
    if (consumerTag != null) {
      throw new IllegalStateException("the server is already started (consumer " + consumerTag + ")");
    }
    consumerTag = channel.basicConsume(queue, false, (tag, request) -> serve(request), tag -> consumerTag = null);
    return consumerTag;
  }

  /** The queue served. */
  public String getQueue() {
    return queue;
  }

  /** Answers a request: the reply's body. {@code replyProperties} starts with the correlation id set. */
  protected byte[] handleCall(Delivery request, BasicProperties.Builder replyProperties) {
    return handleCall(request.getBody(), replyProperties);
  }

  /** Answers a request's body; by default an empty reply. */
  protected byte[] handleCall(byte[] requestBody, BasicProperties.Builder replyProperties) {
    return new byte[0];
  }

  /** A request that wants no reply (no {@code reply_to}); by default it is only acked. */
  protected void handleCast(Delivery request) {}

  private void serve(Delivery request) {
    long tag = request.getEnvelope().getDeliveryTag();
    BasicProperties props = request.getProperties();
    try {
      if (props.replyTo() == null || props.replyTo().isEmpty()) {
        handleCast(request);
      } else {
        BasicProperties.Builder reply = BasicProperties.builder().correlationId(props.correlationId());
        byte[] body = handleCall(request, reply);
        channel.basicPublish("", props.replyTo(), reply.build(), body == null ? new byte[0] : body);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "request " + tag + " on " + queue + " failed; it is rejected", e);
      channel.basicReject(tag, false);
      return;
    }
    channel.basicAck(tag, false);
  }

  /** Stops consuming; requests being handled finish, unacked ones go back to the queue. */
  @Override
  public synchronized void close() {
    String tag = consumerTag;
    consumerTag = null;
    if (tag != null && channel.isOpen()) {
      channel.basicCancel(tag);
    }
  }
}
