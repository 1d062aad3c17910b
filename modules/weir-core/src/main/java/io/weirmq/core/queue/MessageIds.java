package io.weirmq.core.queue;

import java.util.Arrays;
import java.util.Collection;

/** An ordered set of queue-local message ids, compared by content. */
public record MessageIds(long[] values) {

  public MessageIds {
    values = values.clone();
  }

  public static MessageIds of(long... ids) {
    return new MessageIds(ids);
  }

  public static MessageIds of(Collection<Long> ids) {
    long[] out = new long[ids.size()];
    int i = 0;
    for (long id : ids) {
      out[i++] = id;
    }
    return new MessageIds(out);
  }

  public int count() {
    return values.length;
  }

  public boolean empty() {
    return values.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageIds m && Arrays.equals(values, m.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return values.length <= 16 ? Arrays.toString(values) : "[" + values.length + " ids]";
  }
}
