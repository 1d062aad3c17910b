package io.weirmq.core.security;

import io.weirmq.core.model.BrokerException;
import java.util.regex.Pattern;

/**
 * A user's compiled permissions on one vhost; immutable, made once per permission change, and
 * shared by every check, so nothing on a message's path compiles an expression.
 */
public final class Access {

  /** What an operation needs on a resource, as RabbitMQ names it. */
  public enum Kind {
    CONFIGURE, WRITE, READ;

    String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Which kind of resource a name is, for messages. */
  public enum Resource { EXCHANGE, QUEUE }

  private final String user;
  private final String vhost;
  private final Permission permission;
  private final Pattern configure;
  private final Pattern write;
  private final Pattern read;

  Access(Permission p) {
    this.user = p.user();
    this.vhost = p.vhost();
    this.permission = p;
    this.configure = Permission.compile("configure", p.configure());
    this.write = Permission.compile("write", p.write());
    this.read = Permission.compile("read", p.read());
  }

  public Permission permission() {
    return permission;
  }

  public boolean allows(Kind kind, String name) {
    Pattern p = switch (kind) {
      case CONFIGURE -> configure;
      case WRITE -> write;
      case READ -> read;
    };
    return p.matcher(name).find();
  }

  /** Refuses with RabbitMQ's words when {@link #allows} is false. */
  public void check(Kind kind, Resource resource, String name) {
    if (!allows(kind, name)) {
      throw refused(kind, resource, name, vhost, user);
    }
  }

  public static BrokerException refused(Kind kind, Resource resource, String name, String vhost, String user) {
    return BrokerException.refused(null, kind.word() + " access to " + resource.name().toLowerCase(java.util.Locale.ROOT)
        + " '" + name + "' in vhost '" + vhost + "' refused for user '" + user + "'");
  }

  public static BrokerException vhostRefused(String vhost, String user) {
    return BrokerException.refused(null, "access to vhost '" + vhost + "' refused for user '" + user + "'");
  }
}
