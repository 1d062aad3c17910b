package io.weirmq.core.routing;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Topic-exchange matching: a trie over the dot-separated words of binding keys, where {@code *}
 * matches exactly one word and {@code #} zero or more, with RabbitMQ's word splitting (the empty
 * key has no words; {@code "a."} is {@code "a"} and an empty word).
 *
 * <p>A lookup walks the trie once; each node reached through {@code #} is entered at most once
 * per word position, so even {@code #.#.#} patterns cost at most (trie nodes × words).
 *
 * <p>Not thread-safe for mutation; {@link #match} may run concurrently from many threads while
 * nobody mutates.
 *
 * @param <D> the destination type (compared with equals)
 */
public final class TopicMatcher<D> {

  private static final String STAR = "*";
  private static final String HASH = "#";

  /** Node ids are small and reused so per-thread scratch arrays indexed by them stay small. */
  private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
  private int nextId;
  private final Node<D> root = new Node<>(newId(), false, null, null, -1);
  private int size;
  /**
   * Literal words of the trie → [id, number of nodes using it]. A lookup turns each routing-key
   * word into an id once, so walking the trie compares ints instead of hashing strings per node.
   */
  private final HashMap<String, int[]> wordIds = new HashMap<>();
  /** The same words in a table that a lookup probes with a slice of the routing key, no substring. */
  private final WordTable wordTable = new WordTable();
  private final ArrayDeque<Integer> freeWordIds = new ArrayDeque<>();
  private int nextWordId;
  /** A small int per destination, or null; see {@link #TopicMatcher(ToIntFunction)}. */
  private final ToIntFunction<? super D> denseIds;

  /** A matcher that reports destinations as objects. */
  public TopicMatcher() {
    this(null);
  }

  /**
   * A matcher that can also report destinations by a small int each ({@link #matchIdsInto}), so
   * a caller that deduplicates or maps them by int never dereferences the destination objects.
   * {@code denseIds} must give a destination the same int for as long as it is bound here.
   */
  TopicMatcher(ToIntFunction<? super D> denseIds) {
    this.denseIds = denseIds;
  }

  /** Open-addressing String → id table probed by a region of another string. */
  private static final class WordTable {
    String[] words = new String[16];
    int[] ids = new int[16];
    int size;

    int find(String key, int start, int end) {
      int h = 0;
      for (int i = start; i < end; i++) {
        h = 31 * h + key.charAt(i);
      }
      int len = end - start;
      int mask = words.length - 1;
      int i = spread(h) & mask;
      String w;
      while ((w = words[i]) != null) {
        if (w.length() == len && w.hashCode() == h && key.regionMatches(start, w, 0, len)) {
          return ids[i];
        }
        i = (i + 1) & mask;
      }
      return -1;
    }

    void put(String word, int id) {
      if ((size + 1) * 2 > words.length) {
        String[] oldWords = words;
        int[] oldIds = ids;
        words = new String[oldWords.length * 2];
        ids = new int[oldWords.length * 2];
        for (int i = 0; i < oldWords.length; i++) {
          if (oldWords[i] != null) {
            insert(oldWords[i], oldIds[i]);
          }
        }
      }
      insert(word, id);
      size++;
    }

    void rebuild(Map<String, int[]> all) {
      words = new String[16];
      ids = new int[16];
      size = 0;
      all.forEach((w, id) -> put(w, id[0]));
    }

    private void insert(String word, int id) {
      int mask = words.length - 1;
      int i = spread(word.hashCode()) & mask;
      while (words[i] != null) {
        i = (i + 1) & mask;
      }
      words[i] = word;
      ids[i] = id;
    }

    private static int spread(int h) {
      return h ^ (h >>> 16);
    }
  }

  /**
   * A node's literal children by word id, kept in the node itself (no extra object to chase): the
   * first child inline, more in an open-addressing table. Most trie nodes have one child.
   */
  private abstract static class ChildMap<D> {
    int childCount;
    /**
     * Bit (word id mod 64) set for each literal child: a lookup skips the child table when the
     * routing-key word's bit is clear. Most probes miss (a node is asked for every word a '#'
     * above it may stop at), and a miss in a table costs cache misses on its arrays.
     */
    long wordBits;
    int firstKey;
    Node<D> firstChild;
    /**
     * More than one child: open addressing on word id, holding only the nodes, each of which
     * knows its own word id. A hit reads the child it returns anyway, so a separate key array
     * would only add a cache line to every probe.
     */
    Node<D>[] table;

    @SuppressWarnings("unchecked")
    private static <D> Node<D>[] newArray(int n) {
      return (Node<D>[]) new Node<?>[n];
    }

    final Node<D> child(int key) {
      Node<D>[] t = table;
      if (t == null) {
        return firstKey == key ? firstChild : null;
      }
      int mask = t.length - 1;
      int i = mix(key) & mask;
      while (true) {
        Node<D> v = t[i];
        if (v == null || v.wordId == key) {
          return v;
        }
        i = (i + 1) & mask;
      }
    }

    final void putChild(Node<D> node) {
      wordBits |= 1L << node.wordId;
      if (childCount == 0) {
        firstKey = node.wordId;
        firstChild = node;
      } else {
        if (table == null) {
          table = newArray(4);
          insert(firstChild);
          firstChild = null;
          firstKey = -1;
        } else if ((childCount + 1) * 2 > table.length) {
          rehash(table.length * 2);
        }
        insert(node);
      }
      childCount++;
    }

    final void removeChild(int key) {
      if (table == null) {
        if (childCount == 1 && firstKey == key) {
          firstChild = null;
          firstKey = -1;
          childCount = 0;
          wordBits = 0;
        }
        return;
      }
      // Rebuild without the key: removals are rare (unbind) and tables are small.
      Node<D>[] old = table;
      table = null;
      firstKey = -1;
      firstChild = null;
      childCount = 0;
      wordBits = 0;
      for (Node<D> n : old) {
        if (n != null && n.wordId != key) {
          putChild(n);
        }
      }
    }

    private void rehash(int capacity) {
      Node<D>[] old = table;
      table = newArray(capacity);
      for (Node<D> n : old) {
        if (n != null) {
          insert(n);
        }
      }
    }

    private void insert(Node<D> node) {
      int mask = table.length - 1;
      int i = mix(node.wordId) & mask;
      while (table[i] != null) {
        i = (i + 1) & mask;
      }
      table[i] = node;
    }

    private static int mix(int k) {
      int h = k * 0x9E3779B9;
      return h ^ (h >>> 16);
    }
  }

  private static final class Node<D> extends ChildMap<D> {
    final int id;
    final boolean hash;
    final Node<D> parent;
    final String word;
    final int wordId;
    /** True when a '#' node lies on the path from the root; only then does a lookup need a memo here. */
    final boolean belowHash;
    Node<D> star;
    Node<D> hashChild;
    /**
     * Destination → number of bindings with this exact key to it; null while there are none,
     * which is most nodes: a map per node only spread the trie over more cache lines.
     */
    LinkedHashMap<D, int[]> counts;
    Object[] destinations = EMPTY;
    /**
     * The dense ids of {@link #destinations}, in the same order, when the matcher has them; null
     * when there is exactly one, which is then {@link #soleId}. Most keys are bound to one
     * destination, and a separate array cost a cache miss per reported node.
     */
    int[] ids = NO_IDS;
    int soleId;

    Node(int id, boolean hash, Node<D> parent, String word, int wordId) {
      this.id = id;
      this.hash = hash;
      this.parent = parent;
      this.word = word;
      this.wordId = wordId;
      this.firstKey = -1;
      this.belowHash = parent != null && (parent.hash || parent.belowHash);
    }

    boolean isLeafless() {
      return counts == null && star == null && hashChild == null && childCount == 0;
    }
  }

  private static final Object[] EMPTY = new Object[0];
  private static final int[] NO_IDS = new int[0];

  /** Per-thread scratch space so a lookup allocates almost nothing. */
  private static final class Scratch {
    int[] words = new int[16];
    /**
     * Where the running lookup reports destinations: as ids, or else as objects. Emitting during
     * the walk stores only ints in the id case; collecting matched nodes in a scratch array
     * instead cost a GC write barrier with a fence per node, the top entry of the profile.
     */
    IntList idsOut;
    Collection<Object> objectsOut;
    int[] stamp = new int[64];
    int[] lowestVisited = new int[64];
    int generation;
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private int newId() {
    Integer free = freeIds.poll();
    return free != null ? free : nextId++;
  }

  /** Adds one binding of {@code bindingKey} to {@code destination}; bindings are counted. */
  public void add(String bindingKey, D destination) {
    Node<D> node = root;
    // "#.#" matches what "#" matches, but is kept as written so remove stays exact; the
    // per-lookup memo already bounds the cost of repeated hashes.
    for (String w : split(bindingKey)) {
      node = child(node, w);
    }
    if (node.counts == null) {
      node.counts = new LinkedHashMap<>();
    }
    int[] c = node.counts.get(destination);
    if (c == null) {
      node.counts.put(destination, new int[] {1});
      refreshDestinations(node);
    } else {
      c[0]++;
    }
    size++;
  }

  /** Removes one binding of {@code bindingKey} to {@code destination}; returns false if absent. */
  public boolean remove(String bindingKey, D destination) {
    Node<D> node = root;
    for (String w : split(bindingKey)) {
      node = existingChild(node, w);
      if (node == null) {
        return false;
      }
    }
    int[] c = node.counts == null ? null : node.counts.get(destination);
    if (c == null) {
      return false;
    }
    if (--c[0] == 0) {
      node.counts.remove(destination);
      if (node.counts.isEmpty()) {
        node.counts = null;
      }
      refreshDestinations(node);
    }
    size--;
    prune(node);
    return true;
  }

  /** Rebuilds what a lookup reads of a node's destinations after they changed. */
  private void refreshDestinations(Node<D> node) {
    if (node.counts == null) {
      node.destinations = EMPTY;
      node.ids = NO_IDS;
      return;
    }
    node.destinations = node.counts.keySet().toArray();
    if (denseIds != null) {
      int[] ids = new int[node.counts.size()];
      int i = 0;
      for (D d : node.counts.keySet()) {
        ids[i++] = denseIds.applyAsInt(d);
      }
      node.ids = ids.length == 1 ? null : ids;
      node.soleId = ids[0];
    }
  }

  /** The number of bindings held (counting duplicates). */
  public int size() {
    return size;
  }

  /** The destinations of every binding whose key matches {@code routingKey}, each once, in a stable order. */
  public Set<D> match(String routingKey) {
    Set<D> out = new LinkedHashSet<>();
    matchInto(routingKey, out);
    return out;
  }

  /**
   * Adds to {@code out} the destinations of every binding whose key matches {@code routingKey};
   * a destination bound with several matching keys is added more than once.
   */
  @SuppressWarnings("unchecked")
  public void matchInto(String routingKey, Collection<? super D> out) {
    Scratch s = SCRATCH.get();
    s.objectsOut = (Collection<Object>) out;
    try {
      lookup(routingKey, s);
    } finally {
      s.objectsOut = null;
    }
  }

  /**
   * Appends to {@code out} the dense ids of the destinations {@link #matchInto} would add, in the
   * same order; needs the matcher built with {@link #TopicMatcher(ToIntFunction)}.
   */
  void matchIdsInto(String routingKey, IntList out) {
    if (denseIds == null) {
      throw new IllegalStateException("this matcher was built without dense ids");
    }
    Scratch s = SCRATCH.get();
    s.idsOut = out;
    try {
      lookup(routingKey, s);
    } finally {
      s.idsOut = null;
    }
  }

  /** Walks the trie for a routing key, reporting matching nodes' destinations to the scratch's sink. */
  private void lookup(String routingKey, Scratch s) {
    int n = splitInto(routingKey, s);
    if (s.stamp.length < nextId) {
      int len = Math.max(nextId, s.stamp.length * 2);
      s.stamp = new int[len];
      s.lowestVisited = new int[len];
      s.generation = 0;
    }
    if (++s.generation == 0) {
      java.util.Arrays.fill(s.stamp, 0);
      s.generation = 1;
    }
    visit(root, 0, s.words, n, s);
  }

  /** Reports {@code node}'s destinations to the running lookup's sink. */
  private static void hit(Node<?> node, Scratch s) {
    IntList ids = s.idsOut;
    if (ids != null) {
      int[] many = node.ids;
      if (many == null) {
        ids.add(node.soleId);
      } else {
        for (int id : many) {
          ids.add(id);
        }
      }
    } else {
      for (Object o : node.destinations) {
        s.objectsOut.add(o);
      }
    }
  }

  private static void visit(Node<?> node, int i, int[] words, int n, Scratch s) {
    if (!node.hash) {
      step(node, i, words, n, s);
      return;
    }
    int stopAt = n + 1;
    if (node.belowHash) {
      // Only below another '#' can (node, i) be entered twice in one lookup. Entering (node, i)
      // also enters (node, i+1..n), so one "lowest index entered" per node is the whole memo.
      int id = node.id;
      if (s.stamp[id] == s.generation) {
        if (i >= s.lowestVisited[id]) {
          return;
        }
        stopAt = s.lowestVisited[id];
      } else {
        s.stamp[id] = s.generation;
      }
      s.lowestVisited[id] = i;
    }
    if (node.childCount == 0 && node.star == null && node.hashChild == null) {
      // A trailing '#' matches whatever is left: no need to try each position.
      hit(node, s);
      return;
    }
    for (int j = i; j < stopAt; j++) {
      step(node, j, words, n, s);
    }
  }

  /** Matches from {@code node} with words {@code i..n} left, not letting a {@code #} node absorb more. */
  private static void step(Node<?> node, int i, int[] words, int n, Scratch s) {
    if (i == n) {
      hit(node, s);
    } else {
      int word = words[i];
      if ((node.wordBits & (1L << word)) != 0 && word >= 0) {
        Node<?> lit = node.child(word);
        if (lit != null) {
          visit(lit, i + 1, words, n, s);
        }
      }
      if (node.star != null) {
        visit(node.star, i + 1, words, n, s);
      }
    }
    if (node.hashChild != null) {
      visit(node.hashChild, i, words, n, s);
    }
  }

  private Node<D> child(Node<D> node, String w) {
    if (STAR.equals(w)) {
      if (node.star == null) {
        node.star = new Node<>(newId(), false, node, STAR, -1);
      }
      return node.star;
    }
    if (HASH.equals(w)) {
      if (node.hashChild == null) {
        node.hashChild = new Node<>(newId(), true, node, HASH, -1);
      }
      return node.hashChild;
    }
    int[] word = wordIds.get(w);
    if (word == null) {
      Integer free = freeWordIds.poll();
      word = new int[] {free != null ? free : nextWordId++, 0};
      wordIds.put(w, word);
      wordTable.put(w, word[0]);
    }
    Node<D> child = node.child(word[0]);
    if (child == null) {
      child = new Node<>(newId(), false, node, w, word[0]);
      node.putChild(child);
      word[1]++;
    }
    return child;
  }

  private Node<D> existingChild(Node<D> node, String w) {
    if (STAR.equals(w)) {
      return node.star;
    }
    if (HASH.equals(w)) {
      return node.hashChild;
    }
    int[] word = wordIds.get(w);
    return word == null ? null : node.child(word[0]);
  }

  private void prune(Node<D> node) {
    while (node.parent != null && node.isLeafless()) {
      Node<D> parent = node.parent;
      if (node == parent.star) {
        parent.star = null;
      } else if (node == parent.hashChild) {
        parent.hashChild = null;
      } else {
        parent.removeChild(node.wordId);
        int[] word = wordIds.get(node.word);
        if (--word[1] == 0) {
          wordIds.remove(node.word);
          wordTable.rebuild(wordIds);
          freeWordIds.push(word[0]);
        }
      }
      freeIds.push(node.id);
      node = parent;
    }
  }

  /** Splits a key into words as RabbitMQ does: "" has no words, every dot separates two words. */
  static String[] split(String key) {
    if (key.isEmpty()) {
      return new String[0];
    }
    int count = 1;
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) == '.') {
        count++;
      }
    }
    String[] out = new String[count];
    int start = 0;
    int w = 0;
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) == '.') {
        out[w++] = key.substring(start, i);
        start = i + 1;
      }
    }
    out[w] = key.substring(start);
    return out;
  }

  /** Splits a routing key into word ids in the scratch space; -1 for a word no binding uses. */
  private int splitInto(String key, Scratch s) {
    if (key.isEmpty()) {
      return 0;
    }
    int w = 0;
    int start = 0;
    int len = key.length();
    for (int i = 0; i <= len; i++) {
      if (i == len || key.charAt(i) == '.') {
        if (w == s.words.length) {
          s.words = java.util.Arrays.copyOf(s.words, w * 2);
        }
        s.words[w++] = wordTable.find(key, start, i);
        start = i + 1;
      }
    }
    return w;
  }
}
