package io.weirmq.client;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The sending side of one socket. Callers queue frames, in the order of their calls, and return; a
 * writer thread of its own sends them one WebSocket message at a time (the JDK's WebSocket allows one
 * send in flight), each message carrying everything that queued while the previous one was written: a
 * batch (a JSON array) when that is more than one frame. An idle socket so sends a frame as soon as the
 * writer thread wakes, with no timer, while a busy one spares the broker the per-message cost of most
 * frames. The writing is on a thread of its own, not the caller's, because the JDK writes a message
 * synchronously when the socket has room: a caller writing its own frames would never queue any while
 * a message was in flight, and one thread publishing would never batch. The queue is bounded: a caller
 * waits while it is over its bounds, so a publisher faster than the socket is slowed down, not buffered
 * without end.
 */
final class FrameWriter {

  /** Limits of one socket's writer; see the {@link ConnectionFactory} setters. */
  record Limits(int maxBatchFrames, long maxMessageBytes, int maxQueuedFrames, long maxQueuedBytes) {}

  /** A frame as the UTF-8 bytes of its JSON: frames travel in binary WebSocket messages. */
  private record Frame(byte[] utf8, long bytes) {
    Frame(byte[] utf8) {
      this(utf8, utf8.length);
    }
  }

  private final WebSocket ws;
  private final Limits limits;
  private final Consumer<Throwable> onFailure;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  // Guarded by lock.
  private final ArrayDeque<Frame> queue = new ArrayDeque<>();
  private long queuedBytes;
  private boolean writing;
  private boolean closed;
  private long messages;
  private long frames;

  private volatile long lastSent = System.nanoTime();

  /**
   * Starts the writer thread.
   *
   * @param onFailure told once, on the writer thread, when a write fails; the writer is closed by then
   *     and has dropped what it held
   */
  FrameWriter(WebSocket ws, Limits limits, Consumer<Throwable> onFailure, String name) {
    this.ws = ws;
    this.limits = limits;
    this.onFailure = onFailure;
    Thread writer = new Thread(this::run, name);
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Queues a frame behind those queued before it, waiting up to {@code timeoutNanos} while the queue is
   * over its bounds.
   *
   * @return false if the writer is closed: the frame is dropped
   * @throws TimeoutException if the queue stayed over its bounds (the socket does not drain)
   */
  boolean send(byte[] utf8, long timeoutNanos) throws InterruptedException, TimeoutException {
    Frame frame = new Frame(utf8);
    lock.lock();
    try {
      long left = timeoutNanos;
      while (!closed && full()) {
        if (left <= 0) {
          throw new TimeoutException("the socket did not take the " + queue.size() + " frames (" + queuedBytes
              + " bytes) queued for it within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        left = notFull.awaitNanos(left);
      }
      if (closed) {
        return false;
      }
      add(frame);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Sends a frame only if nothing is queued or being written (a heartbeat, which any frame replaces). */
  boolean sendIfIdle(byte[] utf8) {
    lock.lock();
    try {
      if (closed || writing || !queue.isEmpty()) {
        return false;
      }
      add(new Frame(utf8));
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The socket is gone: queued frames are dropped, waiting callers released, later frames refused. */
  void close() {
    lock.lock();
    try {
      closed = true;
      queue.clear();
      queuedBytes = 0;
      notFull.signalAll();
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** When the last write completed ({@link System#nanoTime()}). */
  long lastSent() {
    return lastSent;
  }

  long messagesSent() {
    lock.lock();
    try {
      return messages;
    } finally {
      lock.unlock();
    }
  }

  long framesSent() {
    lock.lock();
    try {
      return frames;
    } finally {
      lock.unlock();
    }
  }

  int queuedFrames() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- the writer thread

  private boolean full() {
    return queue.size() >= limits.maxQueuedFrames() || queuedBytes >= limits.maxQueuedBytes();
  }

  private void add(Frame frame) {
    queue.add(frame);
    queuedBytes += frame.bytes();
    if (queue.size() == 1) {
      notEmpty.signal();
    }
  }

  private void run() {
    while (true) {
      List<Frame> batch;
      lock.lock();
      try {
        writing = false;
        while (queue.isEmpty() && !closed) {
          notEmpty.awaitUninterruptibly();
        }
        if (closed) {
          return;
        }
        batch = takeBatch();
        writing = true;
      } finally {
        lock.unlock();
      }
      Throwable failure = write(batch);
      if (failure != null) {
        failed(failure);
        return;
      }
      lastSent = System.nanoTime();
    }
  }

  /** The next message: frames from the head of the queue, as many as the limits allow, at least one. */
  private List<Frame> takeBatch() {
    Frame first = queue.poll();
    List<Frame> batch = new ArrayList<>(Math.min(queue.size() + 1, limits.maxBatchFrames()));
    batch.add(first);
    long taken = first.bytes();
    long arrayBytes = first.bytes() + 2; // as a batch: [ and ]
    while (batch.size() < limits.maxBatchFrames() && !queue.isEmpty()) {
      Frame next = queue.peek();
      if (arrayBytes + 1 + next.bytes() > limits.maxMessageBytes()) {
        break;
      }
      batch.add(queue.poll());
      taken += next.bytes();
      arrayBytes += 1 + next.bytes();
    }
    queuedBytes -= taken;
    messages++;
    frames += batch.size();
    notFull.signalAll();
    return batch;
  }

  /**
   * Writes one message and waits until the socket took it; answers why it failed, or null. Binary,
   * holding the JSON's UTF-8 bytes: the broker reads it without decoding text (docs/protocol.md).
   */
  private Throwable write(List<Frame> batch) {
    try {
      ws.sendBinary(message(batch), true).join();
      return null;
    } catch (CompletionException e) {
      return e.getCause() != null ? e.getCause() : e;
    } catch (RuntimeException e) {
      return e; // refused at once (output closed) or cancelled
    }
  }

  private static ByteBuffer message(List<Frame> batch) {
    if (batch.size() == 1) {
      return ByteBuffer.wrap(batch.get(0).utf8());
    }
    int bytes = batch.size() + 1;
    for (Frame f : batch) {
      bytes += f.utf8().length;
    }
    ByteBuffer out = ByteBuffer.allocate(bytes).put((byte) '[');
    for (int i = 0; i < batch.size(); i++) {
      if (i > 0) {
        out.put((byte) ',');
      }
      out.put(batch.get(i).utf8());
    }
    return out.put((byte) ']').flip();
  }

  private void failed(Throwable failure) {
    boolean first;
    lock.lock();
    try {
      first = !closed;
      writing = false;
    } finally {
      lock.unlock();
    }
    close();
    if (first) {
      onFailure.accept(failure);
    }
  }
}
