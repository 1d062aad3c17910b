package io.weirmq.core.security;

import io.weirmq.core.model.BrokerException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The broker's users and their per-vhost permissions, part of the registry's state (and of every
 * node's copy, so logins and permission checks never leave the node). Permissions are kept
 * compiled ({@link Access}); copies share those immutable objects.
 *
 * <p>Changes arrive as topology events ({@code UserPut}, {@code UserDeleted}, {@code PermissionSet},
 * {@code PermissionCleared}) through {@code Topology.apply}, which calls the {@code apply} methods here.
 */
public final class UserDirectory {

  private final LinkedHashMap<String, User> users = new LinkedHashMap<>();
  /** By user, then vhost. */
  private final LinkedHashMap<String, LinkedHashMap<String, Access>> access = new LinkedHashMap<>();

  public Optional<User> user(String name) {
    return Optional.ofNullable(users.get(name));
  }

  public List<User> users() {
    return List.copyOf(users.values());
  }

  public boolean isEmpty() {
    return users.isEmpty();
  }

  /** The user's compiled permissions on the vhost, or null when it has none there. */
  public Access access(String user, String vhost) {
    Map<String, Access> byVhost = access.get(user);
    return byVhost == null ? null : byVhost.get(vhost);
  }

  /** Every permission, by user then vhost. */
  public List<Permission> permissions() {
    List<Permission> out = new ArrayList<>();
    access.values().forEach(m -> m.values().forEach(a -> out.add(a.permission())));
    return out;
  }

  /** The vhosts the user has permissions on. */
  public List<String> vhostsOf(String user) {
    Map<String, Access> byVhost = access.get(user);
    return byVhost == null ? List.of() : List.copyOf(byVhost.keySet());
  }

  // ---------------------------------------------------------------- apply (from Topology)

  public void putUser(User user) {
    users.put(user.name(), user);
  }

  /** The user and its permissions are gone. */
  public void deleteUser(String name) {
    users.remove(name);
    access.remove(name);
  }

  /** Permissions may name a user or vhost that is gone by the time they apply; then they change nothing. */
  public void setPermission(Permission p) {
    if (users.containsKey(p.user())) {
      access.computeIfAbsent(p.user(), u -> new LinkedHashMap<>()).put(p.vhost(), new Access(p));
    }
  }

  public void clearPermission(String user, String vhost) {
    Map<String, Access> byVhost = access.get(user);
    if (byVhost != null) {
      byVhost.remove(vhost);
      if (byVhost.isEmpty()) {
        access.remove(user);
      }
    }
  }

  /** A deleted vhost takes every permission on it along. */
  public void vhostDeleted(String vhost) {
    List<String> emptied = new ArrayList<>();
    access.forEach((user, byVhost) -> {
      byVhost.remove(vhost);
      if (byVhost.isEmpty()) {
        emptied.add(user);
      }
    });
    emptied.forEach(access::remove);
  }

  public void requireUser(String name) {
    if (!users.containsKey(name)) {
      throw BrokerException.notFound("user", "no user '" + name + "'");
    }
  }

  /** An independent copy sharing the immutable users and compiled permissions. */
  public UserDirectory copy() {
    UserDirectory c = new UserDirectory();
    c.users.putAll(users);
    access.forEach((user, byVhost) -> c.access.put(user, new LinkedHashMap<>(byVhost)));
    return c;
  }

  /** Builds a directory from a snapshot's lists. */
  public static UserDirectory of(List<User> users, List<Permission> permissions) {
    UserDirectory d = new UserDirectory();
    users.forEach(d::putUser);
    permissions.forEach(d::setPermission);
    return d;
  }

  /** For tests and debugging: names only. */
  @Override
  public String toString() {
    Map<String, List<String>> view = new HashMap<>();
    access.forEach((u, m) -> view.put(u, List.copyOf(m.keySet())));
    return "UserDirectory[users " + users.keySet() + ", permissions " + view + "]";
  }
}
