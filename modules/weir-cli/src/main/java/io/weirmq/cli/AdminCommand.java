package io.weirmq.cli;

import io.weirmq.client.WeirAdmin;
import io.weirmq.client.WeirClientException;
import io.weirmq.client.WeirConnectionException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the broker: turns the client's exceptions into the documented exit codes,
 * so that an in-process {@code new CommandLine(new WeirCli()).execute(...)} behaves as {@code java -jar} does.
 */
abstract class AdminCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** Does the work; returns the exit code. */
  abstract int run(WeirAdmin admin) throws Exception;

  @Override
  public final Integer call() throws Exception {
    WeirCli root = root();
    WeirAdmin admin;
    try {
      WeirAdmin.Builder builder = WeirAdmin.builder().uri(root.url);
      if (root.user != null) {
        builder.username(root.user);
      }
      if (root.password != null) {
        builder.password(root.password);
      }
      admin = builder.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--url: " + e.getMessage());
    }
    try {
      return run(admin);
    } catch (WeirConnectionException e) {
      err().println("weir: " + e.getMessage());
      return WeirCli.UNREACHABLE;
    } catch (WeirClientException e) {
      err().println("weir: " + e.error() + " (" + e.status() + "): " + e.reason());
      return WeirCli.REFUSED;
    }
  }

  WeirCli root() {
    return (WeirCli) spec.root().userObject();
  }

  String vhost() {
    return root().vhost;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
