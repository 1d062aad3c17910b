package io.weirmq.core.security;

import java.util.Collection;

/**
 * RabbitMQ's user tags and what the management API lets each do. Every tag but {@code none}
 * includes the ones below it: administrator > monitoring, policymaker > management.
 *
 * <ul>
 *   <li>{@code management}: the HTTP API on the vhosts the user has permissions on.
 *   <li>{@code policymaker}: management, plus policies and parameters of those vhosts.
 *   <li>{@code monitoring}: management, plus every vhost's connections, channels, node statistics.
 *   <li>{@code administrator}: everything, including users, vhosts and permissions.
 *   <li>no tag ({@code none}): messaging protocols only (the WebSocket protocol), no HTTP API.
 * </ul>
 */
public final class Tags {

  public static final String ADMINISTRATOR = "administrator";
  public static final String MONITORING = "monitoring";
  public static final String POLICYMAKER = "policymaker";
  public static final String MANAGEMENT = "management";

  private Tags() {}

  public static boolean isAdministrator(Collection<String> tags) {
    return tags.contains(ADMINISTRATOR);
  }

  /** Sees every vhost's objects and the node's statistics. */
  public static boolean isMonitor(Collection<String> tags) {
    return isAdministrator(tags) || tags.contains(MONITORING);
  }

  public static boolean isPolicymaker(Collection<String> tags) {
    return isAdministrator(tags) || tags.contains(POLICYMAKER);
  }

  /** May use the HTTP API at all. */
  public static boolean isManagement(Collection<String> tags) {
    return isMonitor(tags) || isPolicymaker(tags) || tags.contains(MANAGEMENT);
  }
}
