package io.weirmq.core.security;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.Names;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A user's permissions on one vhost: three regular expressions over resource names, as in
 * RabbitMQ. A name is allowed when the expression is found in it (unanchored, like Erlang's
 * {@code re:run}); an empty expression allows nothing.
 */
public record Permission(String user, String vhost, String configure, String write, String read) {

  public Permission {
    user = User.name(user);
    Names.vhost("vhost", vhost);
    compile("configure", configure);
    compile("write", write);
    compile("read", read);
  }

  /** The expression compiled; an empty one matches no name (RabbitMQ reads it as {@code ^$}, the empty name). */
  static Pattern compile(String field, String regex) {
    if (regex == null) {
      throw BrokerException.invalid(field, "is required (a regular expression; \"\" allows nothing)");
    }
    try {
      return Pattern.compile(regex.isEmpty() ? "^$" : regex);
    } catch (PatternSyntaxException e) {
      throw BrokerException.invalid(field, "not a regular expression: " + e.getDescription() + " in \"" + regex + "\"");
    }
  }
}
