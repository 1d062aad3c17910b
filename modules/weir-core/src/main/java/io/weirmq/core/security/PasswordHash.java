package io.weirmq.core.security;

import io.weirmq.core.model.BrokerException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A password as the broker keeps it: PBKDF2-HMAC-SHA256 over a per-user random salt, with the
 * iteration count it was made with (so raising {@code weir.security.password-hash-iterations} keeps
 * old hashes valid). Neither {@link #toString()} nor any API view shows the salt or the hash.
 */
public record PasswordHash(String algorithm, int iterations, String salt, String hash) {

  /** The only algorithm, named as RabbitMQ's {@code hashing_algorithm} field names its own. */
  public static final String PBKDF2_SHA256 = "rabbit_password_hashing_pbkdf2_hmac_sha256";
  private static final String JDK_ALGORITHM = "PBKDF2WithHmacSHA256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  public PasswordHash {
    if (!PBKDF2_SHA256.equals(algorithm)) {
      throw BrokerException.invalid("hashing_algorithm", "must be " + PBKDF2_SHA256 + ", got \"" + algorithm + "\"");
    }
    if (iterations < 1) {
      throw BrokerException.invalid("iterations", "must be positive, got " + iterations);
    }
    if (salt == null || hash == null) {
      throw BrokerException.invalid("password_hash", "salt and hash are required");
    }
  }

  /** Hashes {@code password} with a fresh random salt. Slow on purpose: call off Akka's dispatcher. */
  public static PasswordHash create(String password, int iterations) {
    if (password == null || password.isEmpty()) {
      throw BrokerException.invalid("password", "must not be empty");
    }
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    return new PasswordHash(PBKDF2_SHA256, iterations, b64.encodeToString(salt),
        b64.encodeToString(derive(password, salt, iterations)));
  }

  /** Whether {@code password} is the one hashed; compares in constant time. Slow on purpose. */
  public boolean matches(String password) {
    if (password == null) {
      return false;
    }
    byte[] expected = Base64.getDecoder().decode(hash);
    byte[] actual = derive(password, Base64.getDecoder().decode(salt), iterations);
    return MessageDigest.isEqual(expected, actual);
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
    try {
      return SecretKeyFactory.getInstance(JDK_ALGORITHM).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(JDK_ALGORITHM + " is missing from this JDK", e);
    } finally {
      spec.clearPassword();
    }
  }

  @Override
  public String toString() {
    return "PasswordHash[" + algorithm + ", " + iterations + " iterations]";
  }
}
