package io.weirmq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands ({@code declare queue}): alone, it is a usage error (exit 2). */
abstract class GroupCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing a subcommand: one of " + String.join(", ", spec.subcommands().keySet()));
  }
}
