package io.livesync.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The hand-written name and timestamp checks of {@link Validation} and {@link Hlc} accept exactly
 * the languages of the regular expressions they replaced (kept here as the reference).
 */
class NameMatcherTest {
  private static final Pattern COLLECTION = Pattern.compile("^[A-Za-z0-9_.:-]{1,128}$");
  private static final Pattern ID = Pattern.compile("^[A-Za-z0-9_.:@-]{1,128}$");
  private static final Pattern TS = Pattern.compile("^[0-9]{13}-[0-9a-f]{4}-[A-Za-z0-9_-]{1,64}$");
  private static final Pattern NODE = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");

  /** Allowed characters, their neighbours in ASCII, and characters a regex could confuse. */
  private static final String ALPHABET = "aAzZ09_.:-@fFgG/` [{\n\r\t\u0000\u007féü😀\u2028$^";

  @Property(tries = 3000)
  void namesMatchTheRegex(@ForAll("names") String s) {
    assertThat(accepted(() -> Validation.collection(s))).as(s)
        .isEqualTo(COLLECTION.matcher(s).matches());
    assertThat(accepted(() -> Validation.id(s))).as(s).isEqualTo(ID.matcher(s).matches());
    assertThat(accepted(() -> Validation.opId(s))).as(s).isEqualTo(ID.matcher(s).matches());
  }

  @Property(tries = 3000)
  void timestampsMatchTheRegex(@ForAll("timestamps") String ts) {
    boolean expected = TS.matcher(ts).matches();
    assertThat(Hlc.isValid(ts)).as(ts).isEqualTo(expected);
    assertThat(Hlc.nodeOf(ts)).as(ts).isEqualTo(expected ? ts.substring(19) : null);
  }

  @Property(tries = 2000)
  void nodeIdsMatchTheRegex(@ForAll("nodes") String node) {
    assertThat(accepted(() -> new Hlc(node))).as(node).isEqualTo(NODE.matcher(node).matches());
  }

  @Example
  void edgeCases() {
    List<String> names = List.of("", "a", "a".repeat(128), "a".repeat(129), "@", "a@b", "a\n",
        "\na", "a b", "Z9_.:-", "é", "😀");
    for (String s : names) {
      namesMatchTheRegex(s);
      nodeIdsMatchTheRegex(s);
    }
    List<String> stamps = List.of("1732470000000-0000-a", "1732470000000-0000-" + "n".repeat(64),
        "1732470000000-0000-" + "n".repeat(65), "1732470000000-0000-", "1732470000000-00a0-x",
        "1732470000000-00A0-x", "1732470000000-00g0-x", "173247000000-0000-x",
        "17324700000001-0000-x", "1732470000000-0000-x\n", "1732470000000_0000-x",
        "1732470000000-0000_x", "1732470000000-0000-a.b", "1732470000000-0000-a:b", "", "-");
    for (String ts : stamps) {
      timestampsMatchTheRegex(ts);
    }
    assertThat(Hlc.isValid(null)).isFalse();
    assertThat(Hlc.nodeOf(null)).isNull();
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars(ALPHABET).ofMinLength(0).ofMaxLength(6),
        Arbitraries.strings().withChars("aZ9_.:-@").ofMinLength(120).ofMaxLength(135),
        Arbitraries.strings().withChars("aZ9_.:-@").ofMinLength(1).ofMaxLength(8)
            .flatMap(s -> Arbitraries.strings().withChars(ALPHABET).ofLength(1)
                .map(c -> s + c)));
  }

  @Provide
  Arbitrary<String> nodes() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars(ALPHABET).ofMinLength(0).ofMaxLength(6),
        Arbitraries.strings().withChars("aZ9_-").ofMinLength(60).ofMaxLength(68));
  }

  /** Valid timestamps with one character replaced, inserted or removed, or none. */
  @Provide
  Arbitrary<String> timestamps() {
    Arbitrary<String> valid = Arbitraries.strings().numeric().ofLength(13)
        .flatMap(m -> Arbitraries.strings().withChars("0123456789abcdef").ofLength(4)
            .flatMap(c -> nodes().map(n -> m + "-" + c + "-" + n)));
    Arbitrary<Character> any = Arbitraries.of(ALPHABET.chars().mapToObj(c -> (char) c).toList());
    return valid.flatMap(ts -> Arbitraries.integers().between(0, ts.length()).flatMap(pos ->
        Arbitraries.integers().between(0, 3).flatMap(kind -> any.map(c -> switch (kind) {
          case 0 -> ts;
          case 1 -> ts.substring(0, pos) + c + ts.substring(Math.min(ts.length(), pos + 1));
          case 2 -> ts.substring(0, pos) + c + ts.substring(pos);
          default -> ts.substring(0, pos) + ts.substring(Math.min(ts.length(), pos + 1));
        }))));
  }

  private static boolean accepted(Runnable check) {
    try {
      check.run();
      return true;
    } catch (SyncException e) {
      return false;
    }
  }
}
