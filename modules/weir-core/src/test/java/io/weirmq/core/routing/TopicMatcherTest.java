package io.weirmq.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TopicMatcherTest {

  private static boolean matches(String pattern, String key) {
    TopicMatcher<String> m = new TopicMatcher<>();
    m.add(pattern, "q");
    return m.match(key).contains("q");
  }

  @Test
  void hashAloneMatchesEverythingIncludingTheEmptyRoutingKey() {
    for (String key : List.of("", "a", "a.b", ".", "a..b", ".a", "a.", "x.y.z.w.v")) {
      assertThat(matches("#", key)).as(key).isTrue();
    }
  }

  @Test
  void emptyBindingKeyMatchesOnlyTheEmptyRoutingKey() {
    assertThat(matches("", "")).isTrue();
    assertThat(matches("", ".")).isFalse();
    assertThat(matches("", "a")).isFalse();
  }

  @Test
  void starMatchesExactlyOneWordPossiblyEmpty() {
    assertThat(matches("*", "a")).isTrue();
    assertThat(matches("*", "")).isFalse();
    assertThat(matches("*", "a.b")).isFalse();
    assertThat(matches("*.*", ".")).isTrue();
    assertThat(matches("a.*.b", "a..b")).isTrue();
    assertThat(matches("a.*", "a.")).isTrue();
    assertThat(matches("*.a", ".a")).isTrue();
    assertThat(matches("a.*", "a")).isFalse();
  }

  @Test
  void hashAtStartMiddleAndEndMatchesZeroOrMoreWords() {
    assertThat(matches("#.b", "b")).isTrue();
    assertThat(matches("#.b", "a.b")).isTrue();
    assertThat(matches("#.b", "a.x.b")).isTrue();
    assertThat(matches("#.b", "a.b.c")).isFalse();
    assertThat(matches("a.#.b", "a.b")).isTrue();
    assertThat(matches("a.#.b", "a.x.y.b")).isTrue();
    assertThat(matches("a.#.b", "a.x.y")).isFalse();
    assertThat(matches("a.#", "a")).isTrue();
    assertThat(matches("a.#", "a.b.c")).isTrue();
    assertThat(matches("a.#", "b.a")).isFalse();
  }

  @Test
  void consecutiveHashesMatchLikeOne() {
    assertThat(matches("a.#.#.b", "a.b")).isTrue();
    assertThat(matches("a.#.#.b", "a.x.b")).isTrue();
    assertThat(matches("a.#.#.b", "a.x.y.z.b")).isTrue();
    assertThat(matches("a.#.#.b", "a.x")).isFalse();
    assertThat(matches("#.#", "")).isTrue();
  }

  @Test
  void emptyWordsAreWordsLikeAnyOther() {
    assertThat(matches("a..b", "a..b")).isTrue();
    assertThat(matches("a..b", "a.b")).isFalse();
    assertThat(matches(".a", ".a")).isTrue();
    assertThat(matches("a.", "a.")).isTrue();
    assertThat(matches("a.", "a")).isFalse();
    assertThat(matches("#.", "a.")).isTrue();
    assertThat(matches("#.", "a")).isFalse();
  }

  @Test
  void keysWithManyWordsMatchWithoutBlowingUp() {
    String key = String.join(".", java.util.Collections.nCopies(120, "w"));
    TopicMatcher<String> m = new TopicMatcher<>();
    m.add("#.#.#.#.#.#.#.#.x", "never");
    m.add("#.w.#.w.#.w.#.w.#.w.#.w.#.w.#", "yes");
    m.add("#.w.#.w.#.w.#.w.#.w.#.w.#.x", "no");
    long start = System.nanoTime();
    assertThat(m.match(key)).containsExactly("yes");
    assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
  }

  @Test
  void aDestinationReachedBySeveralPatternsIsReportedOnce() {
    TopicMatcher<String> m = new TopicMatcher<>();
    m.add("a.*", "q");
    m.add("a.#", "q");
    m.add("#", "q");
    m.add("#.b", "r");
    assertThat(m.match("a.b")).containsExactlyInAnyOrder("q", "r");
  }

  @Test
  void removeTakesAwayOneBindingAndKeepsDuplicatesCounted() {
    TopicMatcher<String> m = new TopicMatcher<>();
    m.add("a.#", "q");
    m.add("a.#", "q");
    assertThat(m.remove("a.#", "q")).isTrue();
    assertThat(m.match("a.b")).containsExactly("q");
    assertThat(m.remove("a.#", "q")).isTrue();
    assertThat(m.match("a.b")).isEmpty();
    assertThat(m.remove("a.#", "q")).isFalse();
    assertThat(m.size()).isZero();
  }

  /**
   * Hundreds of distinct words, so nodes get many children (child tables that grow, word bits
   * that collide mod 64, word and node ids freed and reused), then half the bindings removed:
   * every lookup must agree with the reference and with a matcher built from the survivors.
   */
  @Test
  void manyWordsAndChildrenSurviveGrowthCollisionsAndRemoval() {
    java.util.Random random = new java.util.Random(7);
    String[] vocabulary = new String[300];
    for (int i = 0; i < vocabulary.length; i++) {
      vocabulary[i] = "w" + i;
    }
    List<String[]> live = new ArrayList<>();
    TopicMatcher<Integer> m = new TopicMatcher<>();
    for (int i = 0; i < 3000; i++) {
      String[] binding = {randomPattern(random, vocabulary), String.valueOf(random.nextInt(50))};
      m.add(binding[0], Integer.valueOf(binding[1]));
      live.add(binding);
    }
    for (int round = 0; round < 2; round++) {
      java.util.Collections.shuffle(live, random);
      for (String[] b : new ArrayList<>(live.subList(0, live.size() / 2))) {
        assertThat(m.remove(b[0], Integer.valueOf(b[1]))).isTrue();
        live.remove(b);
      }
      for (int i = 0; i < 500; i++) {
        String[] binding = {randomPattern(random, vocabulary), String.valueOf(random.nextInt(50))};
        m.add(binding[0], Integer.valueOf(binding[1]));
        live.add(binding);
      }
    }
    TopicMatcher<Integer> rebuilt = new TopicMatcher<>();
    live.forEach(b -> rebuilt.add(b[0], Integer.valueOf(b[1])));
    assertThat(m.size()).isEqualTo(live.size());
    for (int i = 0; i < 3000; i++) {
      int n = random.nextInt(5);
      List<String> key = new ArrayList<>();
      for (int w = 0; w < n; w++) {
        key.add(random.nextInt(20) == 0 ? "unbound" : vocabulary[random.nextInt(w == 0 ? 5 : vocabulary.length)]);
      }
      String k = String.join(".", key);
      Set<Integer> expected = new LinkedHashSet<>();
      for (String[] b : live) {
        if (reference(words(b[0]), key)) {
          expected.add(Integer.valueOf(b[1]));
        }
      }
      assertThat(m.match(k)).as("key '%s'", k).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(m.match(k)).as("key '%s'", k).containsExactlyInAnyOrderElementsOf(rebuilt.match(k));
    }
  }

  private static String randomPattern(java.util.Random random, String[] vocabulary) {
    int n = random.nextInt(4);
    List<String> words = new ArrayList<>();
    for (int w = 0; w < n; w++) {
      int r = random.nextInt(10);
      // Only a few first words, so the root and its children get many children each.
      String literal = vocabulary[random.nextInt(w == 0 ? 5 : vocabulary.length)];
      words.add(r == 0 ? "*" : r == 1 ? "#" : literal);
    }
    return String.join(".", words);
  }

  // ---------------------------------------------------------------- properties

  /** The reference: RabbitMQ's semantics as plain recursion over word lists. */
  static boolean reference(List<String> pattern, List<String> key) {
    if (pattern.isEmpty()) {
      return key.isEmpty();
    }
    String p = pattern.get(0);
    if (p.equals("#")) {
      for (int skip = 0; skip <= key.size(); skip++) {
        if (reference(pattern.subList(1, pattern.size()), key.subList(skip, key.size()))) {
          return true;
        }
      }
      return false;
    }
    if (key.isEmpty()) {
      return false;
    }
    return (p.equals("*") || p.equals(key.get(0))) && reference(pattern.subList(1, pattern.size()), key.subList(1, key.size()));
  }

  static List<String> words(String s) {
    return s.isEmpty() ? List.of() : Arrays.asList(s.split("\\.", -1));
  }

  @Provide
  Arbitrary<String> patterns() {
    return Arbitraries.of("a", "b", "", "*", "#").list().ofMaxSize(6).map(l -> String.join(".", l));
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.of("a", "b", "", "c").list().ofMaxSize(7).map(l -> String.join(".", l));
  }

  @Property(tries = 500)
  void matcherAgreesWithTheReference(@ForAll("patternSets") List<String> patterns, @ForAll("keys") String key) {
    TopicMatcher<Integer> m = new TopicMatcher<>();
    for (int i = 0; i < patterns.size(); i++) {
      m.add(patterns.get(i), i % 3);
    }
    Set<Integer> expected = new LinkedHashSet<>();
    for (int i = 0; i < patterns.size(); i++) {
      if (reference(words(patterns.get(i)), words(key))) {
        expected.add(i % 3);
      }
    }
    assertThat(m.match(key)).as("patterns %s key '%s'", patterns, key).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Provide
  Arbitrary<List<String>> patternSets() {
    return patterns().list().ofMaxSize(8);
  }

  record Op(boolean add, String pattern, int destination) {}

  @Property(tries = 300)
  void addsAndRemovesLeaveTheSameMatchesAsBuildingFromScratch(
      @ForAll("operations") List<Op> ops, @ForAll("keys") String key) {
    TopicMatcher<Integer> incremental = new TopicMatcher<>();
    List<Op> live = new ArrayList<>();
    for (Op op : ops) {
      Op binding = new Op(true, op.pattern(), op.destination());
      if (op.add()) {
        incremental.add(op.pattern(), op.destination());
        live.add(binding);
      } else {
        boolean removed = incremental.remove(op.pattern(), op.destination());
        assertThat(removed).isEqualTo(live.remove(binding));
      }
    }
    TopicMatcher<Integer> scratch = new TopicMatcher<>();
    live.forEach(b -> scratch.add(b.pattern(), b.destination()));
    assertThat(incremental.match(key)).containsExactlyInAnyOrderElementsOf(scratch.match(key));
    assertThat(incremental.size()).isEqualTo(live.size());
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    return net.jqwik.api.Combinators.combine(
            Arbitraries.of(true, true, false), patterns(), Arbitraries.integers().between(0, 2))
        .as(Op::new).list().ofMaxSize(25);
  }
}
