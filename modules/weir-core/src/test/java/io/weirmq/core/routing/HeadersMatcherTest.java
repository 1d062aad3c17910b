package io.weirmq.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.weirmq.core.model.FieldValues;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersMatcherTest {

  static boolean matches(Map<String, Object> binding, Map<String, Object> headers) {
    return HeadersMatcher.compile(FieldValues.normalizeTable("arguments", binding))
        .matches(FieldValues.normalizeTable("headers", headers));
  }

  static Map<String, Object> voidValue(String key, Object... more) {
    Map<String, Object> m = new HashMap<>();
    m.put(key, null);
    for (int i = 0; i < more.length; i += 2) {
      m.put((String) more[i], more[i + 1]);
    }
    return m;
  }

  @Test
  void allNeedsEveryArgumentAndIsTheDefault() {
    assertThat(matches(Map.of("a", "1", "b", "2"), Map.of("a", "1", "b", "2", "c", "3"))).isTrue();
    assertThat(matches(Map.of("a", "1", "b", "2"), Map.of("a", "1"))).isFalse();
    assertThat(matches(Map.of("x-match", "all", "a", "1"), Map.of("a", "2"))).isFalse();
  }

  @Test
  void anyNeedsOneArgument() {
    assertThat(matches(Map.of("x-match", "any", "a", "1", "b", "2"), Map.of("b", "2"))).isTrue();
    assertThat(matches(Map.of("x-match", "any", "a", "1"), Map.of("a", "2"))).isFalse();
  }

  @Test
  void allWithNothingToCompareMatchesEverythingAndAnyNothing() {
    assertThat(matches(Map.of(), Map.of())).isTrue();
    assertThat(matches(Map.of("x-match", "all", "x-foo", "1"), Map.of("z", 1))).isTrue();
    assertThat(matches(Map.of("x-match", "any"), Map.of("z", 1))).isFalse();
  }

  @Test
  void plainVariantsIgnoreXArgumentsAndWithXVariantsCompareThem() {
    Map<String, Object> headers = Map.of("x-tenant", "t1", "a", "1");
    assertThat(matches(Map.of("x-match", "all", "x-tenant", "t2", "a", "1"), headers)).isTrue();
    assertThat(matches(Map.of("x-match", "all-with-x", "x-tenant", "t2", "a", "1"), headers)).isFalse();
    assertThat(matches(Map.of("x-match", "all-with-x", "x-tenant", "t1", "a", "1"), headers)).isTrue();
    assertThat(matches(Map.of("x-match", "any", "x-tenant", "t1", "a", "9"), headers)).isFalse();
    assertThat(matches(Map.of("x-match", "any-with-x", "x-tenant", "t1", "a", "9"), headers)).isTrue();
  }

  @Test
  void voidArgumentMatchesOnPresenceOfTheHeader() {
    assertThat(matches(voidValue("a"), Map.of("a", "anything"))).isTrue();
    assertThat(matches(voidValue("a"), voidValue("a"))).isTrue();
    assertThat(matches(voidValue("a"), Map.of("b", "1"))).isFalse();
    assertThat(matches(voidValue("a", "x-match", "any", "b", "2"), Map.of("b", "3"))).isFalse();
    assertThat(matches(Map.of("a", "1"), voidValue("a"))).isFalse();
  }

  @Test
  void numbersMatchByValueWhateverTheirJavaType() {
    assertThat(matches(Map.of("n", 1), Map.of("n", 1L))).isTrue();
    assertThat(matches(Map.of("n", 1L), Map.of("n", (short) 1))).isTrue();
    assertThat(matches(Map.of("n", 1), Map.of("n", 2L))).isFalse();
    assertThat(matches(Map.of("n", 1), Map.of("n", "1"))).isFalse();
  }

  @Test
  void byteArraysMatchByContent() {
    assertThat(matches(Map.of("b", new byte[] {1, 2}), Map.of("b", new byte[] {1, 2}))).isTrue();
  }
}
