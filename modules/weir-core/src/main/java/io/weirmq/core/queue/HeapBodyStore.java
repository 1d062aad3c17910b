package io.weirmq.core.queue;

import java.util.HashMap;
import java.util.Map;

/** Keeps bodies on the heap. The default until a disk-paging store exists. */
public final class HeapBodyStore implements BodyStore {

  private final Map<Long, byte[]> bodies = new HashMap<>();

  @Override
  public void put(long messageId, byte[] body) {
    bodies.put(messageId, body);
  }

  @Override
  public byte[] get(long messageId) {
    byte[] body = bodies.get(messageId);
    if (body == null) {
      throw new IllegalStateException("no body stored for message " + messageId);
    }
    return body;
  }

  @Override
  public void remove(long messageId) {
    bodies.remove(messageId);
  }

  @Override
  public void clear() {
    bodies.clear();
  }

  public int size() {
    return bodies.size();
  }
}
