package io.weirmq.core.security;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Consecutive failed logins per (client address, user name), and the delay before answering the
 * next failure: {@code base} after the first, doubling with each further one, at most {@code max}.
 * A success forgets the pair. Only the {@code maxTracked} most recent pairs are remembered, so a
 * flood of made-up names cannot exhaust memory. Thread-safe.
 */
public final class LoginThrottle {

  private final Duration base;
  private final Duration max;
  private final Map<Key, Integer> failures;

  private record Key(String address, String user) {}

  public LoginThrottle(Duration base, Duration max, int maxTracked) {
    if (base.isNegative() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("login-throttle: need 0 <= base-delay <= max-delay, got " + base + " and " + max);
    }
    if (maxTracked < 1) {
      throw new IllegalArgumentException("login-throttle.max-tracked: must be positive, got " + maxTracked);
    }
    this.base = base;
    this.max = max;
    this.failures = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Integer> eldest) {
        return size() > maxTracked;
      }
    };
  }

  /** Counts a failure and returns how long to wait before saying so. */
  public synchronized Duration failed(String address, String user) {
    int n = failures.merge(new Key(address, Objects.toString(user)), 1, Integer::sum);
    return delay(n);
  }

  public synchronized void succeeded(String address, String user) {
    failures.remove(new Key(address, Objects.toString(user)));
  }

  public synchronized int failures(String address, String user) {
    return failures.getOrDefault(new Key(address, Objects.toString(user)), 0);
  }

  /** The delay after the n-th consecutive failure. */
  public Duration delay(int n) {
    if (n <= 0) {
      return Duration.ZERO;
    }
    Duration d = base;
    for (int i = 1; i < n && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
