package io.weirmq.node.security;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code weir.security}: password hashing, the default user, loopback-only users, login throttling. */
public record SecuritySettings(
    int passwordHashIterations,
    String defaultUser,
    String defaultPassword,
    List<String> defaultUserTags,
    Set<String> loopbackUsers,
    Duration throttleBaseDelay,
    Duration throttleMaxDelay,
    int throttleMaxTracked,
    int verifiedLoginCacheSize) {

  public SecuritySettings {
    if (passwordHashIterations < 1) {
      throw new IllegalArgumentException("weir.security.password-hash-iterations: must be positive, got "
          + passwordHashIterations);
    }
    if (defaultUser == null || defaultUser.isEmpty()) {
      throw new IllegalArgumentException("weir.security.default-user: must not be empty");
    }
    if (defaultPassword == null || defaultPassword.isEmpty()) {
      throw new IllegalArgumentException("weir.security.default-password: must not be empty");
    }
    if (verifiedLoginCacheSize < 0) {
      throw new IllegalArgumentException("weir.security.verified-login-cache-size: must not be negative");
    }
  }

  public static SecuritySettings from(Config root) {
    Config c = root.getConfig("weir.security");
    return new SecuritySettings(
        c.getInt("password-hash-iterations"),
        c.getString("default-user"),
        c.getString("default-password"),
        List.copyOf(c.getStringList("default-user-tags")),
        Set.copyOf(c.getStringList("loopback-users")),
        c.getDuration("login-throttle.base-delay"),
        c.getDuration("login-throttle.max-delay"),
        c.getInt("login-throttle.max-tracked"),
        c.getInt("verified-login-cache-size"));
  }

  /** For logs: never the password. */
  @Override
  public String toString() {
    return "SecuritySettings[default-user " + defaultUser + ", loopback-users " + loopbackUsers + "]";
  }
}
