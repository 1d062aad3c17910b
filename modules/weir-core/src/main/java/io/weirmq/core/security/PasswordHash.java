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

  /** The broker's own algorithm (the name it has always been stored under). */
  public static final String PBKDF2_SHA256 = "rabbit_password_hashing_pbkdf2_hmac_sha256";
  /**
   * RabbitMQ 3.x's default: base64 of a 4-byte salt followed by SHA-256(salt + UTF-8 password).
   * Accepted from imported definitions only, and replaced by a PBKDF2 hash at the first login.
   */
  public static final String RABBIT_SHA256 = "rabbit_password_hashing_sha256";
  /** RabbitMQ's SHA-512 variant of the same scheme. */
  public static final String RABBIT_SHA512 = "rabbit_password_hashing_sha512";
  /** How definitions exports name the broker's PBKDF2 hashes, whose password_hash is iterations$salt$hash. */
  public static final String EXPORTED_PBKDF2 = "weir_pbkdf2_sha256";
  private static final int RABBIT_SALT_BYTES = 4;
  private static final String JDK_ALGORITHM = "PBKDF2WithHmacSHA256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  public PasswordHash {
    if (PBKDF2_SHA256.equals(algorithm)) {
      if (iterations < 1) {
        throw BrokerException.invalid("iterations", "must be positive, got " + iterations);
      }
    } else if (!RABBIT_SHA256.equals(algorithm) && !RABBIT_SHA512.equals(algorithm)) {
      throw BrokerException.invalid("hashing_algorithm", "must be " + PBKDF2_SHA256 + ", " + RABBIT_SHA256 + " or "
          + RABBIT_SHA512 + ", got \"" + algorithm + "\"");
    }
    if (salt == null || hash == null) {
      throw BrokerException.invalid("password_hash", "salt and hash are required");
    }
  }

  /** A fast, unsalted-strength hash from RabbitMQ that must be replaced by a PBKDF2 one at the next login. */
  public boolean isFast() {
    return !PBKDF2_SHA256.equals(algorithm);
  }

  /** The {@code hashing_algorithm} a definitions export shows for this hash. */
  public String exportedAlgorithm() {
    return isFast() ? algorithm : EXPORTED_PBKDF2;
  }

  /** The {@code password_hash} a definitions export shows; {@link #fromExport} reads it back exactly. */
  public String exported() {
    if (isFast()) {
      Base64.Decoder d = Base64.getDecoder();
      byte[] s = d.decode(salt);
      byte[] h = d.decode(hash);
      byte[] both = java.util.Arrays.copyOf(s, s.length + h.length);
      System.arraycopy(h, 0, both, s.length, h.length);
      return Base64.getEncoder().encodeToString(both);
    }
    return iterations + "$" + salt + "$" + hash;
  }

  /**
   * A hash from a definitions file: the broker's own export ({@value #EXPORTED_PBKDF2}) or RabbitMQ's
   * ({@value #RABBIT_SHA256}, {@value #RABBIT_SHA512}). Errors name {@code hashing_algorithm} or
   * {@code password_hash} and never show the hash.
   */
  public static PasswordHash fromExport(String algorithm, String passwordHash) {
    if (passwordHash == null || passwordHash.isEmpty()) {
      throw BrokerException.invalid("password_hash", "is empty: a user needs a password hash or a password");
    }
    if (EXPORTED_PBKDF2.equals(algorithm)) {
      String[] parts = passwordHash.split("\\$", -1);
      int iterations;
      try {
        iterations = parts.length == 3 ? Integer.parseInt(parts[0]) : -1;
      } catch (NumberFormatException e) {
        iterations = -1;
      }
      if (iterations < 1 || !isBase64(parts[1]) || !isBase64(parts[2])) {
        throw BrokerException.invalid("password_hash", "a " + EXPORTED_PBKDF2 + " hash is iterations$salt$hash"
            + " with base64 salt and hash");
      }
      return new PasswordHash(PBKDF2_SHA256, iterations, parts[1], parts[2]);
    }
    int digestBytes;
    if (RABBIT_SHA256.equals(algorithm)) {
      digestBytes = 32;
    } else if (RABBIT_SHA512.equals(algorithm)) {
      digestBytes = 64;
    } else {
      throw BrokerException.invalid("hashing_algorithm", "unknown algorithm \"" + algorithm + "\"; known ones are "
          + EXPORTED_PBKDF2 + ", " + RABBIT_SHA256 + " and " + RABBIT_SHA512);
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(passwordHash);
    } catch (IllegalArgumentException e) {
      throw BrokerException.invalid("password_hash", "is not base64");
    }
    if (bytes.length != RABBIT_SALT_BYTES + digestBytes) {
      throw BrokerException.invalid("password_hash", "a " + algorithm + " hash is " + (RABBIT_SALT_BYTES + digestBytes)
          + " bytes (a 4-byte salt and the digest), got " + bytes.length);
    }
    Base64.Encoder b64 = Base64.getEncoder();
    return new PasswordHash(algorithm, 0, b64.encodeToString(java.util.Arrays.copyOf(bytes, RABBIT_SALT_BYTES)),
        b64.encodeToString(java.util.Arrays.copyOfRange(bytes, RABBIT_SALT_BYTES, bytes.length)));
  }

  private static boolean isBase64(String s) {
    try {
      Base64.getDecoder().decode(s);
      return !s.isEmpty();
    } catch (IllegalArgumentException e) {
      return false;
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
    byte[] actual = isFast() ? rabbitDigest(algorithm, Base64.getDecoder().decode(salt), password)
        : derive(password, Base64.getDecoder().decode(salt), iterations);
    return MessageDigest.isEqual(expected, actual);
  }

  /** RabbitMQ's scheme: the digest of the salt followed by the UTF-8 password. */
  static byte[] rabbitDigest(String algorithm, byte[] salt, String password) {
    try {
      MessageDigest md = MessageDigest.getInstance(RABBIT_SHA512.equals(algorithm) ? "SHA-512" : "SHA-256");
      md.update(salt);
      return md.digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-2 is missing from this JDK", e);
    }
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
