package io.weirmq.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weirmq.core.message.Message;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.Names;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.DestinationKind;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.security.Access;
import io.weirmq.node.Broker;
import io.weirmq.node.Envelope;
import io.weirmq.node.PublishOutcome;
import io.weirmq.node.ResourceAlarms;
import io.weirmq.node.channel.BrokerChannel;
import io.weirmq.node.queue.QueueEntity.Outcome;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * One WebSocket client connection, as an AMQP 0-9-1 connection: its channels, publisher confirms,
 * consumers, heartbeats and flow control all live in this actor. {@link WebSocketRoutes} wires the
 * socket's incoming frames to it (one at a time, acknowledged) and its outgoing frames to the socket.
 *
 * <p>When the socket ends, however it ends, the actor closes its channels (their unacked deliveries
 * return to their queues, flagged redelivered) and tells the broker the connection closed (its
 * exclusive queues are deleted).
 */
final class WsConnection extends AbstractBehavior<WsConnection.Command> {

  // ------------------------------------------------------------------ protocol of the actor

  /** Local messages only: they carry stream actor refs and closures. */
  sealed interface Command {}

  /** The incoming side is ready; {@code ackTo} wants {@link StreamAck} for each frame. */
  record IncomingStarted(ActorRef<StreamAck> ackTo) implements Command {}

  record Received(ActorRef<StreamAck> ackTo, Incoming frame) implements Command {}

  /** The socket's incoming side ended; {@code failure} is null when the client closed it cleanly. */
  record IncomingEnded(Throwable failure) implements Command {}

  /** The outgoing side materialized: frames go to {@code out}, one per {@link OutgoingReady}. */
  record OutgoingAttached(ActorRef<Outgoing> out) implements Command {}

  enum OutgoingReady implements Command { INSTANCE }

  enum Tick implements Command { INSTANCE }

  enum StopNow implements Command { INSTANCE }

  /**
   * Close with 320 CONNECTION_FORCED and {@code reason}: the node is shutting down (the client reconnects
   * to another node), or an operator closed the connection ({@code DELETE /api/connections/{name}}).
   */
  record ServerShutdown(String reason) implements Command {}

  record Delivered(WsChannel channel, List<Envelope> envelopes) implements Command {}

  /** A resource alarm went on or off (from {@link io.weirmq.node.ResourceAlarms}, on any thread). */
  record AlarmChanged(ResourceAlarms.State state) implements Command {}

  /** Sends what was queued for the socket during this turn, as one batch. */
  enum Flush implements Command { INSTANCE }

  record ConsumerCancelled(WsChannel channel, String consumerTag) implements Command {}

  /** A future's result, handled on the actor. */
  record OnActor(Runnable action) implements Command {}

  enum StreamAck { INSTANCE }

  /** What the socket's incoming side hands over: a whole text frame, or why it could not. */
  sealed interface Incoming {
    /** A text message and its size in UTF-8 bytes (measured anyway, for the size limit). */
    record Text(String text, long bytes) implements Incoming {}

    /** A binary message: the same JSON, as UTF-8 bytes. */
    record Bytes(byte[] utf8) implements Incoming {}

    record TooLarge(long limit) implements Incoming {}
  }

  /** What goes to the socket: a text frame, or the end of the connection. */
  sealed interface Outgoing {
    /** One WebSocket message: a frame or a batch, as UTF-8 JSON. */
    record Frame(ByteString utf8) implements Outgoing {}

    record End() implements Outgoing {}
  }

  // ------------------------------------------------------------------ state

  /** One open channel: the broker channel and its publisher-confirm numbering. */
  static final class WsChannel {
    final int number;
    final BrokerChannel channel;
    boolean confirms;
    long nextPublishSeq = 1;
    /** Every publish up to this number has had its ack or nack sent. */
    long confirmedUpTo;
    /** Publishes acked by the broker whose ack is not yet sent. */
    final TreeSet<Long> ackedUnsent = new TreeSet<>();
    /** Publishes above {@link #confirmedUpTo} whose ack or nack was already sent on its own. */
    final TreeSet<Long> sentAbove = new TreeSet<>();
    int pendingConsumes;
    /** The channel's consumers by tag, as listings show them. */
    final Map<String, ConnectionSnapshot.Consumer> consumers = new HashMap<>();
    /** basic.qos's prefetch, which consumers started later get. */
    int prefetch;
    /** Deliveries that overtook their consume-ok: AMQP clients expect the ok first. */
    final List<Envelope> early = new ArrayList<>();

    WsChannel(int number, BrokerChannel channel) {
      this.number = number;
      this.channel = channel;
    }
  }

  private static final Set<String> SETTLEMENTS = Set.of("basic.ack", "basic.nack", "basic.reject");

  static final int CONNECTION_FORCED = 320;
  static final int RESOURCE_ERROR = 506;
  static final int INTERNAL_ERROR = 541;
  static final int REPLY_SUCCESS = 200;
  static final int NO_ROUTE = 312;

  private final Broker broker;
  private final ObjectMapper mapper;
  private final WebSocketSettings settings;
  private final String vhost;
  /** The authenticated user; every operation checks its permissions on {@link #vhost}. */
  private final String user;
  /** RabbitMQ's impersonator tag: may publish messages whose user_id names someone else. */
  private final boolean impersonator;
  /**
   * The last exchange a publish was allowed to, and the node's topology copy (users and
   * permissions included) that allowed it: a connection publishing to one exchange checks its
   * write permission once, not per message, until the copy changes.
   */
  private io.weirmq.core.routing.Topology writeCheckedIn;
  private String writableExchange;
  private final String connectionId;
  private final Map<Integer, WsChannel> channels = new HashMap<>();
  private final WsRenderer renderer;
  private final WsConnections registry;
  /** What listings see of this connection; the actor publishes its changes there. */
  private final WsConnections.Entry entry;

  /** A publish read from the socket, valid, waiting to go to the broker with the others of its batch. */
  private record PendingPublish(WsChannel channel, long seq, JsonNode id, Message message, boolean mandatory) {}

  private final List<PendingPublish> pendingPublishes = new ArrayList<>();
  /** Publish batches sent to the broker, oldest first, until they are answered. */
  private final ArrayDeque<PublishBatch> publishBatches = new ArrayDeque<>();
  /** Settlements read from the socket, per channel, waiting to go to the broker together. */
  private final Map<WsChannel, List<BrokerChannel.Settlement>> pendingSettles = new LinkedHashMap<>();
  private boolean flushScheduled;
  /** Set by the first publish: while a resource alarm is on, a publishing connection is not read. */
  private boolean publisher;
  private final Runnable stopWatchingAlarms;
  /** Frames waiting for the socket; {@code pushed} marks those the client did not ask for (deliveries). */
  private record Queued(Object frame, boolean pushed) {}

  private final ArrayDeque<Queued> outbox = new ArrayDeque<>();
  /** Deliveries and other frames the broker pushes, in {@link #outbox}: only these can overflow it. */
  private int queuedPushes;
  private ActorRef<Outgoing> out;
  private boolean outReady;
  /** The incoming side's ack, held back while the client must wait (flow control). */
  private ActorRef<StreamAck> heldAck;
  /** Requests read but not yet answered by the broker (publishes awaiting their confirm, declares, gets, settles). */
  private int awaitingBroker;
  private long lastReceived;
  private long lastSent;
  private boolean closing;
  private boolean cleanedUp;

  static Behavior<Command> create(Broker broker, ObjectMapper mapper, WebSocketSettings settings, String vhost,
      String user, String connectionId) {
    return create(broker, mapper, settings, WsConnections.Opening.local(connectionId, vhost, user), new WsConnections());
  }

  static Behavior<Command> create(Broker broker, ObjectMapper mapper, WebSocketSettings settings,
      WsConnections.Opening opening, WsConnections registry) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      WsConnections.Entry entry = new WsConnections.Entry(ctx.getSelf(), opening);
      WsConnection c = new WsConnection(ctx, timers, broker, mapper, settings, entry, registry);
      registry.opened(entry);
      return c;
    }));
  }

  private WsConnection(ActorContext<Command> context, TimerScheduler<Command> timers, Broker broker,
      ObjectMapper mapper, WebSocketSettings settings, WsConnections.Entry entry, WsConnections registry) {
    super(context);
    this.registry = registry;
    this.entry = entry;
    this.user = entry.user;
    this.impersonator = broker.topology().users().user(user).map(u -> u.hasTag("impersonator")).orElse(false);
    this.broker = broker;
    this.mapper = mapper;
    this.settings = settings;
    this.vhost = entry.vhost;
    this.connectionId = entry.id;
    this.renderer = new WsRenderer(mapper, settings.maxMessageBytes());
    this.lastReceived = System.nanoTime();
    this.lastSent = lastReceived;
    ActorRef<Command> self = context.getSelf();
    this.stopWatchingAlarms = broker.alarms().subscribe(state -> self.tell(new AlarmChanged(state)));
    broker.metrics().connectionOpened(); // undone in cleanUp
    // Checking at a quarter interval closes a silent client within 2 to 2.25 intervals.
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.heartbeat().dividedBy(4));
    Map<String, Object> start = frame("connection.start", null, 0);
    start.put("connection_id", connectionId);
    start.put("vhost", vhost);
    start.put("heartbeat_ms", settings.heartbeat().toMillis());
    start.put("max_message_bytes", settings.maxMessageBytes());
    start.put("channel_max", settings.channelMax());
    send(start);
  }

  @Override
  public Receive<Command> createReceive() {
    // The hot messages first: a ReceiveBuilder tries its cases in order, allocating for each.
    return newReceiveBuilder()
        .onMessage(Received.class, this::onReceived)
        .onMessage(Flush.class, m -> {
          flushScheduled = false;
          flush();
          return this;
        })
        .onMessage(OnActor.class, m -> {
          if (!cleanedUp) {
            m.action().run();
          }
          return this;
        })
        .onMessage(Delivered.class, m -> {
          m.envelopes().forEach(e -> onDelivered(m.channel(), e));
          return this;
        })
        .onMessage(OutgoingReady.class, m -> {
          outReady = true;
          flush();
          return this;
        })
        .onMessage(IncomingStarted.class, m -> {
          ack(m.ackTo());
          return this;
        })
        .onMessage(IncomingEnded.class, this::onIncomingEnded)
        .onMessage(OutgoingAttached.class, m -> {
          out = m.out();
          outReady = true;
          flush();
          return this;
        })
        .onMessage(Tick.class, m -> onTick())
        .onMessage(AlarmChanged.class, m -> {
          onAlarm(m.state());
          return this;
        })
        .onMessage(ConsumerCancelled.class, m -> {
          if (channels.get(m.channel().number) == m.channel() && m.channel().consumers.remove(m.consumerTag()) != null) {
            publishChannels();
            Map<String, Object> f = frame("basic.cancel", null, m.channel().number);
            f.put("consumer_tag", m.consumerTag());
            push(f);
          }
          return this;
        })
        .onMessage(StopNow.class, m -> Behaviors.stopped())
        .onMessage(ServerShutdown.class, m -> {
          // Unacked deliveries go back to their queues (cleanUp closes the channels); publishes whose
          // confirm has not gone out yet are nacked by the client when the socket ends.
          closeConnection(CONNECTION_FORCED, m.reason());
          return this;
        })
        .onSignal(akka.actor.typed.PostStop.class, s -> {
          registry.closed(getContext().getSelf());
          cleanUp();
          return this;
        })
        .build();
  }

  // ------------------------------------------------------------------ the socket

  private Behavior<Command> onReceived(Received m) {
    lastReceived = System.nanoTime();
    entry.recvOct += m.frame() instanceof Incoming.Text t ? t.bytes()
        : m.frame() instanceof Incoming.Bytes b ? b.utf8().length : 0;
    if (closing) {
      ack(m.ackTo()); // drain whatever the client still sends until the socket closes
      return this;
    }
    try {
      List<WsFrame> frames = m.frame() instanceof Incoming.Text t ? WsFrame.parse(mapper, t.text())
          : m.frame() instanceof Incoming.Bytes b ? WsFrame.parse(mapper, b.utf8()) : null;
      if (frames != null) {
        for (WsFrame f : frames) {
          if (closing) {
            break; // a frame of the batch closed the connection: the rest is not handled
          }
          // Publishes and settlements of a batch go to the broker together; anything else first
          // sends those before it, so the broker sees requests in the order the client made them.
          if (!f.method.equals("basic.publish")) {
            sendPublishes();
          }
          if (!SETTLEMENTS.contains(f.method)) {
            sendSettlements();
          }
          handle(f);
        }
        sendPublishes();
        sendSettlements();
      } else if (m.frame() instanceof Incoming.TooLarge t) {
        throw new WsFrame.Violation(WsFrame.SYNTAX_ERROR,
            "frame: larger than the limit of " + t.limit() + " bytes (weir.http.max-message-bytes)");
      }
    } catch (WsFrame.Violation v) {
      // The connection ends: publishes it read are never confirmed, so they need not be sent.
      awaitingBroker -= pendingPublishes.size();
      pendingPublishes.clear();
      pendingSettles.clear();
      closeConnection(v.code, v.getMessage());
    }
    ack(m.ackTo());
    return this;
  }

  private Behavior<Command> onIncomingEnded(IncomingEnded m) {
    if (m.failure() != null && !closing) {
      getContext().getLog().debug("WebSocket connection {} failed: {}", connectionId, m.failure().toString());
    }
    cleanUp();
    end();
    return Behaviors.stopped();
  }

  /**
   * Acknowledges an incoming frame unless the client must wait: too many frames queued for it, or too
   * many requests awaiting the broker. Each of those yields at most two frames (a return and a confirm,
   * or an error and a nack), so the replies queued for a client that does not read stay bounded by
   * outgoing-buffer / 2 + 2 * max-unconfirmed: only frames the client did not ask for can overflow.
   */
  private void ack(ActorRef<StreamAck> ackTo) {
    if (outbox.size() >= settings.outgoingBuffer() / 2 || awaitingBroker >= settings.maxUnconfirmed()
        || (publisher && broker.alarms().blocked())) {
      heldAck = ackTo;
    } else {
      ackTo.tell(StreamAck.INSTANCE);
    }
  }

  /**
   * Tells a publishing client that it is blocked or unblocked (RabbitMQ's connection.blocked
   * extension), and reads it again once every alarm is off.
   */
  private void onAlarm(ResourceAlarms.State state) {
    if (!publisher || closing) {
      return;
    }
    if (state.blocked()) {
      entry.state = "blocked";
      send(with(frame("connection.blocked", null, 0), "reason", state.reason()));
    } else {
      entry.state = "running";
      send(frame("connection.unblocked", null, 0));
      resumeIfHeld();
    }
  }

  private void resumeIfHeld() {
    if (heldAck != null) {
      ActorRef<StreamAck> a = heldAck;
      heldAck = null;
      ack(a);
    }
  }

  /**
   * Queues a reply to the client's own request (an ok, an error, a confirm, a return). Never refused:
   * they are bounded by reading (see {@link #ack}), and a client that reads its replies late, as a
   * publisher with many confirms in flight may, is slowed down rather than closed.
   */
  private void send(Map<String, Object> frame) {
    if (closing) {
      return;
    }
    enqueue(frame, false);
  }

  /** Queues a frame the client did not ask for (a delivery, a broker's basic.cancel); too many close the connection. */
  private void push(Object frame) {
    if (closing) {
      return;
    }
    if (queuedPushes >= settings.outgoingBuffer()) {
      // The client reads slower than it is sent to. Dropping frames would lose confirms or
      // deliveries silently; closing returns unacked deliveries to their queues instead. The
      // deliveries still queued are dropped (they go back too); replies queued before them still go.
      outbox.removeIf(Queued::pushed);
      queuedPushes = 0;
      closeConnection(RESOURCE_ERROR, "client too slow: more than " + settings.outgoingBuffer()
          + " deliveries waiting (weir.http.websocket.outgoing-buffer)");
      return;
    }
    enqueue(frame, true);
  }

  /**
   * Queues a frame (a map of fields, or a {@link WsRenderer.Deliver}); it goes out at the end of
   * this turn, with every other frame queued meanwhile, rendered only then.
   */
  private void enqueue(Object frame, boolean pushed) {
    outbox.add(new Queued(frame, pushed));
    if (pushed) {
      queuedPushes++;
    }
    if (!flushScheduled) {
      flushScheduled = true;
      getContext().getSelf().tell(Flush.INSTANCE);
    }
  }

  /**
   * Writes what waits for the socket when it can take more: one frame alone, or several as one
   * batch (a JSON array) of at most max-batch-frames frames and about max-message-bytes.
   */
  private void flush() {
    if (out != null && outReady && !outbox.isEmpty()) {
      outReady = false;
      lastSent = System.nanoTime();
      renderer.begin();
      while (renderer.frames() < settings.maxBatchFrames() && !outbox.isEmpty()
          && renderer.add(outbox.peek().frame())) {
        take();
      }
      ByteString rendered = renderer.finish();
      entry.sendOct += rendered.size();
      out.tell(new Outgoing.Frame(rendered));
      if (outbox.isEmpty() && closing) {
        out.tell(new Outgoing.End());
      }
    }
    resumeIfHeld();
  }

  private Queued take() {
    Queued next = outbox.poll();
    if (next.pushed()) {
      queuedPushes--;
    }
    return next;
  }

  /** Completes the outgoing side once everything queued is written. */
  private void end() {
    closing = true;
    if (out != null && outbox.isEmpty()) {
      out.tell(new Outgoing.End());
    }
  }

  private Behavior<Command> onTick() {
    long now = System.nanoTime();
    long interval = settings.heartbeat().toNanos();
    // A client we hold back cannot be heard; its silence is ours.
    if (heldAck != null) {
      lastReceived = now;
    }
    if (!closing && now - lastReceived >= 2 * interval) {
      closeConnection(CONNECTION_FORCED, "missed heartbeats: nothing received for "
          + Duration.ofNanos(now - lastReceived).toMillis() + " ms (heartbeat " + settings.heartbeat().toMillis()
          + " ms)");
    } else if (!closing && outbox.isEmpty() && now - lastSent >= interval - interval / 4) {
      send(frame("heartbeat", null, 0));
    }
    return this;
  }

  /**
   * Says why in a connection.close frame, then ends the socket. (Akka HTTP does not let a server
   * choose the WebSocket close code, so the reason travels as the last text frame, as AMQP's
   * connection.close does.) Channels and exclusive queues are released at once.
   */
  private void closeConnection(int code, String reason) {
    if (closing) {
      return;
    }
    entry.state = "closing";
    Map<String, Object> f = frame("connection.close", null, 0);
    f.put("code", code);
    f.put("reason", reason);
    enqueue(f, false);
    if (code != REPLY_SUCCESS) {
      getContext().getLog().info("Closing WebSocket connection {}: {} {}", connectionId, code, reason);
    }
    cleanUp();
    end();
    // A client that never reads its close frame must not keep the actor alive.
    getContext().scheduleOnce(settings.messageTimeout(), getContext().getSelf(), StopNow.INSTANCE);
  }

  private void cleanUp() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    stopWatchingAlarms.run();
    broker.metrics().connectionClosed();
    channels.values().forEach(c -> c.channel.closeAsync());
    channels.clear();
    entry.state = "closing";
    publishChannels();
    org.slf4j.Logger log = getContext().getLog();
    broker.connectionClosed(connectionId).whenComplete((n, failure) -> {
      if (failure != null) {
        log.warn("Could not delete the exclusive queues of {}: {}", connectionId,
            failure.toString());
      }
    });
  }

  /**
   * Publishes the channels and consumers for listings. Called on their changes only (open, close,
   * qos, confirm, consume, cancel), never per message.
   */
  private void publishChannels() {
    List<ConnectionSnapshot.Channel> list = new ArrayList<>(channels.size());
    for (WsChannel ch : channels.values()) {
      list.add(new ConnectionSnapshot.Channel(ch.number, ch.prefetch, ch.confirms, List.copyOf(ch.consumers.values())));
    }
    entry.channels = List.copyOf(list);
  }

  // ------------------------------------------------------------------ frames

  private void handle(WsFrame f) {
    switch (f.method) {
      case "heartbeat" -> f.only();
      case "connection.close" -> {
        f.only("code", "reason");
        send(frame("connection.close-ok", f.id(), 0));
        cleanUp();
        end();
      }
      case "channel.open" -> channelOpen(f.only());
      case "channel.close" -> {
        f.only("code", "reason");
        WsChannel ch = channel(f);
        channels.remove(ch.number);
        publishChannels();
        later(ch.channel.closeAsync(), f, done -> send(frame("channel.close-ok", f.id(), ch.number)));
      }
      case "confirm.select" -> {
        WsChannel ch = channel(f.only());
        ch.confirms = true;
        publishChannels();
        send(frame("confirm.select-ok", f.id(), ch.number));
      }
      case "basic.qos" -> {
        WsChannel ch = channel(f.only("prefetch_count"));
        long prefetch = f.number("prefetch_count", 0);
        if (prefetch >= 0 && prefetch <= 65535) {
          ch.prefetch = (int) prefetch; // the broker channel's, for consumers started after this frame
          publishChannels();
        }
        later(ch.channel.basicQos((int) Math.max(-1, Math.min(prefetch, Integer.MAX_VALUE))), f,
            done -> send(frame("basic.qos-ok", f.id(), ch.number)));
      }
      case "exchange.declare" -> exchangeDeclare(f);
      case "exchange.delete" -> {
        WsChannel ch = channel(f.only("name", "if_unused"));
        tryLater(f, () -> {
          ExchangeId id = new ExchangeId(vhost, Names.exchange("name", f.text("name")));
          permit(Access.Kind.CONFIGURE, Access.Resource.EXCHANGE, id.name());
          later(broker.deleteExchange(id, f.bool("if_unused", false)), f,
              v -> send(frame("exchange.delete-ok", f.id(), ch.number)));
        });
      }
      case "queue.declare" -> queueDeclare(f);
      case "queue.delete" -> {
        WsChannel ch = channel(f.only("name", "if_unused", "if_empty"));
        tryLater(f, () -> later(broker.deleteQueue(permitted(Access.Kind.CONFIGURE, queue(f.text("name"))),
                f.bool("if_unused", false), f.bool("if_empty", false)), f,
            n -> send(with(frame("queue.delete-ok", f.id(), ch.number), "message_count", n))));
      }
      case "queue.purge" -> {
        WsChannel ch = channel(f.only("name"));
        tryLater(f, () -> later(broker.purgeQueue(permitted(Access.Kind.READ, queue(f.text("name")))), f,
            n -> send(with(frame("queue.purge-ok", f.id(), ch.number), "message_count", n))));
      }
      case "queue.bind", "queue.unbind" -> bind(f, DestinationKind.QUEUE, "queue");
      case "exchange.bind", "exchange.unbind" -> bind(f, DestinationKind.EXCHANGE, "destination");
      case "basic.publish" -> publish(f);
      case "basic.consume" -> consume(f);
      case "basic.cancel" -> {
        WsChannel ch = channel(f.only("consumer_tag"));
        String tag = f.text("consumer_tag");
        if (ch.consumers.remove(tag) != null) {
          publishChannels();
        }
        later(ch.channel.basicCancel(tag), f,
            done -> send(with(frame("basic.cancel-ok", f.id(), ch.number), "consumer_tag", tag)));
      }
      case "basic.get" -> get(f);
      case "basic.ack" -> {
        WsChannel ch = channel(f.only("delivery_tag", "multiple"));
        settle(ch, f.number("delivery_tag", 0), f.bool("multiple", false), Outcome.ACK);
      }
      case "basic.nack" -> {
        WsChannel ch = channel(f.only("delivery_tag", "multiple", "requeue"));
        settle(ch, f.number("delivery_tag", 0), f.bool("multiple", false),
            f.bool("requeue", true) ? Outcome.REQUEUE : Outcome.REJECT);
      }
      case "basic.reject" -> {
        WsChannel ch = channel(f.only("delivery_tag", "requeue"));
        settle(ch, f.number("delivery_tag", 0), false, f.bool("requeue", true) ? Outcome.REQUEUE : Outcome.REJECT);
      }
      default -> throw new WsFrame.Violation(WsFrame.COMMAND_INVALID, "method: unknown method \"" + f.method + "\"");
    }
  }

  private void channelOpen(WsFrame f) {
    int number = f.channel();
    if (channels.containsKey(number)) {
      throw new WsFrame.Violation(WsFrame.CHANNEL_ERROR, "channel: " + number + " is already open");
    }
    if (channels.size() >= settings.channelMax()) {
      throw new WsFrame.Violation(WsFrame.NOT_ALLOWED, "channel.open: number of channels opened (" + channels.size()
          + ") has reached the connection's channel_max (" + settings.channelMax() + ")");
    }
    channels.put(number, new WsChannel(number, broker.openChannel(connectionId)));
    publishChannels();
    send(frame("channel.open-ok", f.id(), number));
  }

  private WsChannel channel(WsFrame f) {
    int number = f.channel();
    WsChannel ch = channels.get(number);
    if (ch == null) {
      throw new WsFrame.Violation(WsFrame.CHANNEL_ERROR, "channel: " + number + " is not open");
    }
    return ch;
  }

  private QueueId queue(String name) {
    return new QueueId(vhost, Names.queue("name", name));
  }

  /**
   * Refuses (403, RabbitMQ's words) unless the user's permissions on this vhost allow the
   * operation on the named resource. Reads the node's current copy, so a permission change applies
   * to the next operation of every open connection.
   */
  private void permit(Access.Kind kind, Access.Resource resource, String name) {
    permit(broker.topology(), kind, resource, name);
  }

  private void permit(io.weirmq.core.routing.Topology topology, Access.Kind kind, Access.Resource resource,
      String name) {
    Access a = topology.users().access(user, vhost);
    if (a == null) {
      throw Access.vhostRefused(vhost, user);
    }
    a.check(kind, resource, name);
  }

  private QueueId permitted(Access.Kind kind, QueueId queue) {
    permit(kind, Access.Resource.QUEUE, queue.name());
    return queue;
  }

  /** Publishing needs write on the exchange; checked once per exchange while the permissions stay. */
  private void permitWrite(String exchange) {
    io.weirmq.core.routing.Topology topology = broker.topology();
    if (topology == writeCheckedIn && exchange.equals(writableExchange)) {
      return;
    }
    permit(topology, Access.Kind.WRITE, Access.Resource.EXCHANGE, exchange);
    writeCheckedIn = topology;
    writableExchange = exchange;
  }

  private void exchangeDeclare(WsFrame f) {
    WsChannel ch = channel(f);
    String name = f.text("name");
    Bodies.ExchangeBody b = f.as(mapper, Bodies.ExchangeBody.class, "name");
    tryLater(f, () -> {
      ExchangeDefinition definition = new ExchangeDefinition(new ExchangeId(vhost, Names.exchange("name", name)),
          ExchangeType.parse("type", b.type()), orDefault(b.durable(), true), orDefault(b.autoDelete(), false),
          orDefault(b.internal(), false), b.arguments());
      permit(Access.Kind.CONFIGURE, Access.Resource.EXCHANGE, definition.id().name());
      later(broker.declareExchange(definition), f, v -> send(frame("exchange.declare-ok", f.id(), ch.number)));
    });
  }

  private void queueDeclare(WsFrame f) {
    WsChannel ch = channel(f);
    String requested = f.text("name", "");
    boolean exclusive = f.bool("exclusive", false);
    Bodies.QueueBody b = f.as(mapper, Bodies.QueueBody.class, "name", "exclusive");
    // An empty name asks the server to choose one, as in AMQP.
    String name = requested.isEmpty() ? "weir.gen-" + UUID.randomUUID() : requested;
    tryLater(f, () -> {
      QueueDefinition definition = new QueueDefinition(queue(name), orDefault(b.durable(), true), exclusive,
          orDefault(b.autoDelete(), false), b.arguments(), exclusive ? connectionId : null);
      permit(Access.Kind.CONFIGURE, Access.Resource.QUEUE, definition.id().name());
      later(broker.declareQueue(definition), f, ok -> {
        Map<String, Object> r = frame("queue.declare-ok", f.id(), ch.number);
        r.put("name", ok.queue());
        r.put("message_count", ok.messageCount());
        r.put("consumer_count", ok.consumerCount());
        send(r);
      });
    });
  }

  private void bind(WsFrame f, DestinationKind kind, String destinationField) {
    WsChannel ch = channel(f.only(destinationField, kind == DestinationKind.QUEUE ? "exchange" : "source",
        "routing_key", "arguments"));
    boolean unbind = f.method.endsWith(".unbind");
    String source = f.text(kind == DestinationKind.QUEUE ? "exchange" : "source");
    String destination = f.text(destinationField);
    String routingKey = f.text("routing_key", "");
    Map<String, Object> arguments = f.arguments(mapper);
    tryLater(f, () -> {
      Binding binding = new Binding(vhost, source, kind, destination, routingKey, arguments);
      // RabbitMQ's rule for bind and unbind: write on the destination, read on the source.
      permit(Access.Kind.WRITE, kind == DestinationKind.QUEUE ? Access.Resource.QUEUE : Access.Resource.EXCHANGE,
          destination);
      permit(Access.Kind.READ, Access.Resource.EXCHANGE, source);
      later(unbind ? broker.unbind(binding) : broker.bind(binding), f,
          v -> send(frame(f.method + "-ok", f.id(), ch.number)));
    });
  }

  // ------------------------------------------------------------------ publish and confirms

  private void publish(WsFrame f) {
    WsChannel ch = channel(f.only("exchange", "mandatory", "routing_key", "payload", "payload_encoding",
        "properties"));
    String exchange = f.text("exchange", "");
    boolean mandatory = f.bool("mandatory", false);
    // Field by field rather than through f.as: the frame is not copied, and the payload arrives as
    // the UTF-8 bytes the parser read it into (WsFrame.Payload), never as a String.
    Bodies.PropertiesBody properties = f.optionalObject(mapper, "properties", Bodies.PropertiesBody.class);
    String routingKey = f.optionalText("routing_key");
    WsFrame.Payload payload = f.payload();
    String payloadEncoding = f.optionalText("payload_encoding");
    // Every publish on a confirming channel takes a number, even one refused below, so client and
    // server count alike.
    long seq = ch.confirms ? ch.nextPublishSeq++ : 0;
    Message message;
    try {
      message = MessageRoutes.message(Names.exchange("exchange", exchange), properties, routingKey, payload,
          payloadEncoding, "");
      permitWrite(exchange);
      String userId = message.properties().userId();
      if (userId != null && !userId.equals(user) && !impersonator) {
        throw BrokerException.precondition("properties.user_id", "user_id property set to '" + userId
            + "' but authenticated user was '" + user + "'");
      }
    } catch (BrokerException e) {
      refusedPublish(ch, seq, f.id(), e);
      return;
    }
    awaitingBroker++;
    pendingPublishes.add(new PendingPublish(ch, seq, f.id(), message, mandatory));
    if (!publisher) {
      publisher = true;
      if (broker.alarms().blocked()) {
        onAlarm(broker.alarms().state());
      }
    }
  }

  /** Sends the publishes read so far to the broker as one request; their confirms come together. */
  private void sendPublishes() {
    if (pendingPublishes.isEmpty()) {
      return;
    }
    PublishBatch batch = new PublishBatch(List.copyOf(pendingPublishes));
    pendingPublishes.clear();
    publishBatches.add(batch);
    List<Message> messages = new ArrayList<>(batch.publishes.size());
    batch.publishes.forEach(p -> messages.add(p.message()));
    getContext().pipeToSelf(broker.publish(vhost, messages), (outcomes, failure) -> new OnActor(() -> {
      batch.outcomes = outcomes;
      batch.failure = failure;
      batch.done = true;
      answerPublishes();
    }));
  }

  /** One broker.publish call's publishes, answered once it and every batch before it are done. */
  private static final class PublishBatch {
    final List<PendingPublish> publishes;
    List<PublishOutcome> outcomes;
    Throwable failure;
    boolean done;

    PublishBatch(List<PendingPublish> publishes) {
      this.publishes = publishes;
    }
  }

  /**
   * Answers finished batches in the order their publishes were read: a batch whose messages routed
   * nowhere finishes at once, and its returns must not overtake those of earlier publishes (a
   * channel's returns and confirms come in publish order, as in AMQP).
   */
  private void answerPublishes() {
    while (!publishBatches.isEmpty() && publishBatches.peek().done) {
      PublishBatch batch = publishBatches.poll();
      awaitingBroker -= batch.publishes.size();
      Set<WsChannel> confirming = new LinkedHashSet<>();
      for (int i = 0; i < batch.publishes.size(); i++) {
        PendingPublish p = batch.publishes.get(i);
        published(p, batch.failure == null ? batch.outcomes.get(i) : null, batch.failure);
        if (p.seq() > 0) {
          confirming.add(p.channel());
        }
      }
      confirming.forEach(this::sendAcks);
    }
    resumeIfHeld();
  }

  private void published(PendingPublish p, PublishOutcome outcome, Throwable failure) {
    WsChannel ch = p.channel();
    if (channels.get(ch.number) != ch) {
      return; // the channel closed meanwhile: its client no longer waits for confirms
    }
    if (failure != null) {
      refusedPublish(ch, p.seq(), p.id(), ApiErrors.unwrap(failure));
      return;
    }
    Message message = p.message();
    if (p.mandatory() && !outcome.routed()) {
      Map<String, Object> r = frame("basic.return", null, ch.number);
      r.put("reply_code", NO_ROUTE);
      r.put("reply_text", "NO_ROUTE");
      r.put("exchange", message.exchange());
      r.put("routing_key", message.routingKey());
      r.put("properties", MessageRoutes.properties(message.properties()));
      putPayload(r, message.body());
      send(r);
    }
    if (p.seq() > 0) {
      if (outcome.confirmed()) {
        ch.ackedUnsent.add(p.seq()); // sent by sendAcks, after every return of the batch
      } else {
        sendNack(ch, p.seq());
      }
    }
  }

  private void refusedPublish(WsChannel ch, long seq, JsonNode id, Throwable failure) {
    Map<String, Object> error = error(id, ch.number, failure);
    if (seq > 0) {
      error.put("publish_seq", seq);
    }
    send(error);
    if (seq > 0) {
      sendNack(ch, seq);
    }
  }

  private void sendNack(WsChannel ch, long seq) {
    send(confirm(ch, "basic.nack", seq, false));
    ch.sentAbove.add(seq);
    sendAcks(ch);
  }

  /**
   * Sends the channel's pending acks: one cumulative ack ({@code multiple}) for those that extend
   * the run of confirmed publishes, and the rest (confirmed ahead of an earlier publish still
   * waiting on another queue) one by one.
   */
  private void sendAcks(WsChannel ch) {
    long highest = 0;
    int acked = 0;
    while (true) {
      long next = ch.confirmedUpTo + 1;
      if (ch.ackedUnsent.remove(next)) {
        highest = next;
        acked++;
      } else if (!ch.sentAbove.remove(next)) {
        break;
      }
      ch.confirmedUpTo = next;
    }
    if (acked > 0) {
      send(confirm(ch, "basic.ack", highest, acked > 1));
    }
    for (long seq : ch.ackedUnsent) {
      send(confirm(ch, "basic.ack", seq, false));
      ch.sentAbove.add(seq);
    }
    ch.ackedUnsent.clear();
  }

  private Map<String, Object> confirm(WsChannel ch, String method, long seq, boolean multiple) {
    Map<String, Object> c = frame(method, null, ch.number);
    c.put("delivery_tag", seq);
    c.put("multiple", multiple);
    return c;
  }

  // ------------------------------------------------------------------ consume, get, settle

  private void consume(WsFrame f) {
    WsChannel ch = channel(f.only("queue", "consumer_tag", "auto_ack", "exclusive"));
    String queueName = f.text("queue");
    String tag = f.text("consumer_tag", "");
    boolean autoAck = f.bool("auto_ack", false);
    boolean exclusive = f.bool("exclusive", false);
    ActorRef<Command> self = getContext().getSelf();
    int prefetchAtConsume = ch.prefetch;
    tryLater(f, () -> {
      QueueId consumed = permitted(Access.Kind.READ, queue(queueName));
      ch.pendingConsumes++;
      awaitingBroker++;
      CompletionStage<String> started = ch.channel.basicConsumeBatches(consumed, tag, autoAck, exclusive,
          (consumerTag, envelopes) -> self.tell(new Delivered(ch, envelopes)),
          consumerTag -> self.tell(new ConsumerCancelled(ch, consumerTag)));
      getContext().pipeToSelf(started, (consumerTag, failure) -> new OnActor(() -> {
        ch.pendingConsumes--;
        awaitingBroker--;
        resumeIfHeld();
        if (failure != null) {
          send(error(f.id(), ch.number, ApiErrors.unwrap(failure)));
        } else {
          ch.consumers.put(consumerTag, new ConnectionSnapshot.Consumer(consumerTag, queueName, !autoAck, exclusive,
              prefetchAtConsume));
          publishChannels();
          send(with(frame("basic.consume-ok", f.id(), ch.number), "consumer_tag", consumerTag));
        }
        if (ch.pendingConsumes == 0 || failure == null) {
          List<Envelope> early = new ArrayList<>(ch.early);
          ch.early.clear();
          early.forEach(e -> onDelivered(ch, e));
        }
      }));
    });
  }

  private void onDelivered(WsChannel ch, Envelope e) {
    if (channels.get(ch.number) != ch) {
      return; // closed: the broker channel returns the message to its queue
    }
    if (!ch.consumers.containsKey(e.consumerTag()) && ch.pendingConsumes > 0) {
      ch.early.add(e);
      return;
    }
    push(new WsRenderer.Deliver(ch.number, e));
  }

  private void get(WsFrame f) {
    WsChannel ch = channel(f.only("queue", "auto_ack"));
    String queueName = f.text("queue");
    boolean autoAck = f.bool("auto_ack", false);
    tryLater(f, () -> later(ch.channel.basicGet(permitted(Access.Kind.READ, queue(queueName)), autoAck), f, got -> {
      if (got.isEmpty()) {
        send(frame("basic.get-empty", f.id(), ch.number));
        return;
      }
      Map<String, Object> r = frame("basic.get-ok", f.id(), ch.number);
      putEnvelope(r, got.get().envelope());
      r.put("message_count", got.get().messageCount());
      send(r);
    }));
  }

  private void settle(WsChannel ch, long deliveryTag, boolean multiple, Outcome outcome) {
    pendingSettles.computeIfAbsent(ch, c -> new ArrayList<>())
        .add(new BrokerChannel.Settlement(deliveryTag, multiple, outcome));
  }

  /** Sends the settlements read so far, one request per channel. */
  private void sendSettlements() {
    if (pendingSettles.isEmpty()) {
      return;
    }
    pendingSettles.forEach((ch, settlements) -> settled(ch.channel.settle(settlements)));
    pendingSettles.clear();
  }

  /** A settle the broker refused names a delivery tag this channel never gave: 406, as AMQP. */
  private void settled(CompletionStage<?> settle) {
    awaitingBroker++;
    getContext().pipeToSelf(settle, (done, failure) -> new OnActor(() -> {
      awaitingBroker--;
      resumeIfHeld();
      if (failure != null) {
        Throwable cause = ApiErrors.unwrap(failure);
        if (cause instanceof BrokerException e && e.kind() != BrokerException.Kind.UNAVAILABLE) {
          closeConnection(WsFrame.PRECONDITION_FAILED, e.getMessage());
        } else {
          send(error(null, 0, cause));
        }
      }
    }));
  }

  // ------------------------------------------------------------------ helpers

  /** Runs a step whose validation may refuse it, answering a refusal as an error frame. */
  private void tryLater(WsFrame f, Runnable step) {
    try {
      step.run();
    } catch (BrokerException e) {
      send(error(f.id(), f.node.path("channel").asInt(0), e));
    }
  }

  /** Answers a broker call on the actor: {@code then} with its value, or an error frame. */
  private <T> void later(CompletionStage<T> stage, WsFrame f, java.util.function.Consumer<T> then) {
    int channel = f.node.path("channel").asInt(0);
    awaitingBroker++;
    getContext().pipeToSelf(stage, (value, failure) -> new OnActor(() -> {
      awaitingBroker--;
      resumeIfHeld();
      if (failure != null) {
        send(error(f.id(), channel, ApiErrors.unwrap(failure)));
      } else {
        then.accept(value);
      }
    }));
  }

  private Map<String, Object> error(JsonNode id, int channel, Throwable failure) {
    Map<String, Object> f = frame("error", id, channel);
    if (failure instanceof BrokerException e) {
      String[] codeAndName = switch (e.kind()) {
        case INVALID_ARGUMENT -> new String[] {"406", "bad_request"};
        case NOT_FOUND -> new String[] {"404", "not_found"};
        case ACCESS_REFUSED -> new String[] {"403", "access_refused"};
        case PRECONDITION_FAILED -> new String[] {"406", "precondition_failed"};
        case RESOURCE_LOCKED -> new String[] {"405", "resource_locked"};
        case UNAVAILABLE -> new String[] {"506", "unavailable"};
      };
      f.put("code", Integer.parseInt(codeAndName[0]));
      f.put("error", codeAndName[1]);
      f.put("reason", e.getMessage());
    } else {
      getContext().getLog().error("Unexpected failure on WebSocket connection {}", connectionId, failure);
      f.put("code", INTERNAL_ERROR);
      f.put("error", "internal_error");
      f.put("reason", "the server failed unexpectedly; the failure is logged");
    }
    return f;
  }

  private static Map<String, Object> frame(String method, JsonNode id, int channel) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("method", method);
    if (id != null && !id.isNull()) {
      f.put("id", id);
    }
    if (channel > 0) {
      f.put("channel", channel);
    }
    return f;
  }

  private static Map<String, Object> with(Map<String, Object> frame, String key, Object value) {
    frame.put(key, value);
    return frame;
  }

  private static void putEnvelope(Map<String, Object> f, Envelope e) {
    f.put("delivery_tag", e.deliveryTag());
    f.put("redelivered", e.redelivered());
    f.put("exchange", e.exchange());
    f.put("routing_key", e.routingKey());
    f.put("properties", MessageRoutes.properties(e.properties()));
    putPayload(f, e.body());
  }

  private static void putPayload(Map<String, Object> f, byte[] body) {
    String text = MessageRoutes.utf8(body);
    f.put("payload", text != null ? text : Base64.getEncoder().encodeToString(body));
    f.put("payload_encoding", text != null ? "string" : "base64");
  }

  private static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
