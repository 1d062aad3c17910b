package io.weirmq.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.routing.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Password hashes in definitions files: the broker's PBKDF2 export read back exactly, and RabbitMQ's SHA-2 hashes. */
class PasswordHashExportTest {

  // Made with Python's hashlib, not with this code: base64(salt 908dc60a + SHA-256(salt + "test12")).
  private static final String RABBIT_SHA256_TEST12 = "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR";
  // The same with SHA-512 and a non-ASCII password, "pässwörd" (UTF-8).
  private static final String RABBIT_SHA512 =
      "kI3GCkjMdPQ+TeYtojnOU8fRlZ8IuVoFh3IkznWilYZiau3DFPHZxlMktj3KgO4DHKMLC64bOSD4MXCJRH2BYJ4y77Y=";

  @Test
  void rabbitMqSha256AndSha512HashesCheckTheirPasswordsAndAreFast() {
    PasswordHash sha256 = PasswordHash.fromExport(PasswordHash.RABBIT_SHA256, RABBIT_SHA256_TEST12);
    assertThat(sha256.matches("test12")).isTrue();
    assertThat(sha256.matches("test13")).isFalse();
    assertThat(sha256.isFast()).isTrue();
    assertThat(sha256.exported()).isEqualTo(RABBIT_SHA256_TEST12);
    PasswordHash sha512 = PasswordHash.fromExport(PasswordHash.RABBIT_SHA512, RABBIT_SHA512);
    assertThat(sha512.matches("pässwörd")).isTrue();
    assertThat(sha512.matches("passwörd")).isFalse();
  }

  @Test
  void thePbkdf2ExportReadsBackExactly() {
    PasswordHash h = PasswordHash.create("s3cret", 1000);
    assertThat(h.exportedAlgorithm()).isEqualTo("weir_pbkdf2_sha256");
    PasswordHash back = PasswordHash.fromExport(h.exportedAlgorithm(), h.exported());
    assertThat(back).isEqualTo(h);
    assertThat(back.matches("s3cret")).isTrue();
    assertThat(back.isFast()).isFalse();
  }

  @Test
  void badHashesAndUnknownAlgorithmsAreRefusedNamingTheFieldButNotTheHash() {
    assertThatThrownBy(() -> PasswordHash.fromExport("rabbit_password_hashing_md5", "c2VjcmV0aGFzaA=="))
        .isInstanceOfSatisfying(BrokerException.class, e -> {
          assertThat(e.field()).isEqualTo("hashing_algorithm");
          assertThat(e.getMessage()).doesNotContain("c2VjcmV0aGFzaA==");
        });
    assertThatThrownBy(() -> PasswordHash.fromExport(PasswordHash.RABBIT_SHA256, "%%%"))
        .hasMessageStartingWith("password_hash: is not base64");
    assertThatThrownBy(() -> PasswordHash.fromExport(PasswordHash.RABBIT_SHA256, "c2VjcmV0"))
        .hasMessageContaining("36 bytes");
    assertThatThrownBy(() -> PasswordHash.fromExport("weir_pbkdf2_sha256", "many$a$b$c"))
        .hasMessageStartingWith("password_hash");
    assertThatThrownBy(() -> PasswordHash.fromExport(PasswordHash.RABBIT_SHA256, ""))
        .hasMessageStartingWith("password_hash: is empty");
  }

  @Test
  void anUpgradeReplacesOnlyTheHashItWasProvenAgainst() {
    Topology t = new Topology();
    PasswordHash fast = PasswordHash.fromExport(PasswordHash.RABBIT_SHA256, RABBIT_SHA256_TEST12);
    t.applyAll(t.putUser(new User("ann", fast, List.of("management"))));
    PasswordHash slow = PasswordHash.create("test12", 1000);

    t.applyAll(t.upgradePassword("ann", fast, slow));

    assertThat(t.users().user("ann").orElseThrow().password()).isEqualTo(slow);
    assertThat(t.users().user("ann").orElseThrow().tags()).containsExactly("management");
    // A second upgrade racing the first, or one for a user whose password changed, changes nothing.
    assertThat(t.upgradePassword("ann", fast, PasswordHash.create("test12", 1000))).isEmpty();
    assertThat(t.upgradePassword("nobody", fast, slow)).isEmpty();
  }
}
