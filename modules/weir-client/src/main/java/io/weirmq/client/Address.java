package io.weirmq.client;

import java.util.ArrayList;
import java.util.List;

/**
 * One broker node a {@link ConnectionFactory} may connect to, as RabbitMQ's {@code Address}: give a
 * connection several, and it connects to the first that answers and recovers onto the others.
 */
public record Address(String host, int port) {

  public Address {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host: must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: must be 1 to 65535, was " + port + " (host " + host + ")");
    }
  }

  /** {@code host:port}; without a port, {@link ConnectionFactory#DEFAULT_PORT}. IPv6 hosts in brackets. */
  public static Address parseAddress(String address) {
    String a = address.strip();
    int colon = a.lastIndexOf(':');
    boolean bracketed = a.startsWith("[");
    if (colon < 0 || (bracketed && colon < a.indexOf(']'))) {
      return new Address(unbracket(a), ConnectionFactory.DEFAULT_PORT);
    }
    String port = a.substring(colon + 1);
    try {
      return new Address(unbracket(a.substring(0, colon)), Integer.parseInt(port));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port: not a number in address \"" + address + "\"");
    }
  }

  /** A comma-separated list, such as {@code "node1:15672,node2:15672,node3:15672"}. */
  public static List<Address> parseAddresses(String addresses) {
    List<Address> list = new ArrayList<>();
    for (String a : addresses.split(",")) {
      if (!a.isBlank()) {
        list.add(parseAddress(a));
      }
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("addresses: no address in \"" + addresses + "\"");
    }
    return list;
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
