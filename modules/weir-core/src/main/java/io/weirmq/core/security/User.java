package io.weirmq.core.security;

import io.weirmq.core.model.BrokerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A broker user: a name, its password hash and its tags. Tags mean what they mean in RabbitMQ's
 * management plugin (see {@link Tags}); other tags are kept and mean nothing to the broker.
 */
public record User(String name, PasswordHash password, List<String> tags) {

  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public User {
    name = name(name);
    Objects.requireNonNull(password, "password");
    tags = tags(tags);
  }

  /** A user name: 1 to 255 characters, no control characters. */
  public static String name(String name) {
    if (name == null || name.isEmpty()) {
      throw BrokerException.invalid("name", "a user name must not be empty");
    }
    if (name.length() > 255) {
      throw BrokerException.invalid("name", "a user name is at most 255 characters, got " + name.length());
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw BrokerException.invalid("name", "a user name must not contain control characters");
    }
    return name;
  }

  /** Tags, deduplicated in order; each letters, digits, '_', '.', '-'. */
  public static List<String> tags(List<String> tags) {
    if (tags == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String t : tags) {
      String tag = t == null ? "" : t.trim();
      if (tag.isEmpty()) {
        continue;
      }
      if (!TAG.matcher(tag).matches()) {
        throw BrokerException.invalid("tags", "a tag is 1 to 64 letters, digits, '_', '.' or '-', got \"" + tag + "\"");
      }
      if (!out.contains(tag)) {
        out.add(tag);
      }
    }
    return List.copyOf(out);
  }

  public boolean hasTag(String tag) {
    return tags.contains(tag);
  }

  /** The user's tags as the management plugin ranks them. */
  public Set<String> tagSet() {
    return Set.copyOf(tags);
  }

  @Override
  public String toString() {
    return "User[" + name + ", tags " + tags + "]";
  }
}
