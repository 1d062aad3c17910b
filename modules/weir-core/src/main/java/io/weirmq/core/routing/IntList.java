package io.weirmq.core.routing;

import java.util.Arrays;

/** A growable list of ints that routing reuses per thread, so a lookup appends without boxing or allocating. */
final class IntList {
  int[] items = new int[64];
  int size;

  void add(int value) {
    if (size == items.length) {
      items = Arrays.copyOf(items, size * 2);
    }
    items[size++] = value;
  }

  void clear() {
    size = 0;
  }
}
