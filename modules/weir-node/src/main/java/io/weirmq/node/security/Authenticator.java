package io.weirmq.node.security;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.security.LoginThrottle;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.User;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a user name and password against the node's copy of the users, for every protocol.
 *
 * <p>The slow password hash runs on Akka's blocking dispatcher, never on the default one. A
 * success is remembered as an HMAC of the password under a random per-node key, next to the hash
 * it was checked against, so the next request with the same credentials costs one HMAC; changing
 * the password changes the hash and forgets it. A failure is answered after the
 * {@link LoginThrottle}'s delay, through the scheduler (no thread sleeps). Unknown users cost a
 * hash check too, so timing does not tell which names exist.
 */
public final class Authenticator {

  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

  private final ActorSystem<?> system;
  private final Supplier<Topology> topology;
  private final SecuritySettings settings;
  private final Executor blocking;
  private final LoginThrottle throttle;
  /** Checked for names that do not exist, so they cost what a wrong password costs; made on first use. */
  private volatile PasswordHash unknownUser;
  private final SecretKeySpec macKey;
  private final Map<String, Verified> verified;

  private record Verified(PasswordHash hash, byte[] mac) {}

  /** Replaces a user's fast (imported RabbitMQ) hash once a login has proved the password. */
  public interface PasswordUpgrade {
    void upgrade(User user, String password);
  }

  private final PasswordUpgrade upgrade;

  public Authenticator(ActorSystem<?> system, Supplier<Topology> topology, SecuritySettings settings,
      PasswordUpgrade upgrade) {
    this.upgrade = upgrade;
    this.system = system;
    this.topology = topology;
    this.settings = settings;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.throttle = new LoginThrottle(settings.throttleBaseDelay(), settings.throttleMaxDelay(),
        settings.throttleMaxTracked());
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    this.macKey = new SecretKeySpec(key, "HmacSHA256");
    int cacheSize = settings.verifiedLoginCacheSize();
    this.verified = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
        return size() > cacheSize;
      }
    };
  }

  public SecuritySettings settings() {
    return settings;
  }

  /**
   * The user, when the name and password are right and the user may log in from {@code client};
   * otherwise empty, after the throttle's delay.
   */
  public CompletionStage<Optional<User>> authenticate(String name, String password, InetAddress client) {
    String address = client == null ? "unknown" : client.getHostAddress();
    Optional<User> user = topology.get().users().user(name);
    if (user.isPresent() && settings.loopbackUsers().contains(name) && (client == null || !client.isLoopbackAddress())) {
      return refuse(name, address, "user '" + name + "' may only log in from a loopback address (weir.security.loopback-users)");
    }
    if (user.isPresent() && rememberedAs(name, user.get().password(), password)) {
      throttle.succeeded(address, name);
      return CompletableFuture.completedFuture(user);
    }
    return CompletableFuture.supplyAsync(() -> {
      if (user.isEmpty()) {
        unknownUser().matches(password);
        return false;
      }
      return user.get().password().matches(password);
    }, blocking).thenCompose(ok -> {
      if (!ok) {
        return refuse(name, address, user.isEmpty() ? "no such user" : "wrong password");
      }
      if (user.get().password().isFast()) {
        // A fast hash must not stay: the first login that proves the password replaces it.
        upgrade.upgrade(user.get(), password);
      }
      remember(name, user.get().password(), password);
      throttle.succeeded(address, name);
      return CompletableFuture.completedFuture(user);
    });
  }

  private PasswordHash unknownUser() {
    PasswordHash h = unknownUser;
    if (h == null) {
      byte[] noPassword = new byte[18];
      new SecureRandom().nextBytes(noPassword);
      h = PasswordHash.create(java.util.Base64.getEncoder().encodeToString(noPassword), settings.passwordHashIterations());
      unknownUser = h;
    }
    return h;
  }

  private CompletionStage<Optional<User>> refuse(String name, String address, String reason) {
    java.time.Duration delay = throttle.failed(address, name);
    log.info("Login refused for user '{}' from {}: {} (answered after {} ms)", name, address, reason, delay.toMillis());
    CompletableFuture<Optional<User>> result = new CompletableFuture<>();
    system.scheduler().scheduleOnce(delay, () -> result.complete(Optional.empty()), system.executionContext());
    return result;
  }

  /** Consecutive failures of this pair, for tests and diagnostics. */
  public int failures(InetAddress client, String user) {
    return throttle.failures(client.getHostAddress(), user);
  }

  private boolean rememberedAs(String name, PasswordHash hash, String password) {
    Verified v;
    synchronized (verified) {
      v = verified.get(name);
    }
    return v != null && v.hash().equals(hash) && MessageDigest.isEqual(v.mac(), mac(password));
  }

  private void remember(String name, PasswordHash hash, String password) {
    if (settings.verifiedLoginCacheSize() == 0) {
      return;
    }
    Verified v = new Verified(hash, mac(password));
    synchronized (verified) {
      verified.put(name, v);
    }
  }

  private byte[] mac(String password) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(macKey);
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
