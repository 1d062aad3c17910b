package io.weirmq.cli;

import io.weirmq.client.WeirAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir delete queue|exchange}. */
@Command(name = "delete", description = "Delete a queue or an exchange.",
    subcommands = {DeleteCommand.Queue.class, DeleteCommand.Exchange.class})
final class DeleteCommand extends GroupCommand {

  @Command(name = "queue", description = "Delete a queue and its messages.")
  static final class Queue extends AdminCommand {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--if-unused", description = "Refuse if it has consumers.") boolean ifUnused;
    @Option(names = "--if-empty", description = "Refuse if it holds messages.") boolean ifEmpty;

    @Override
    int run(WeirAdmin admin) {
      admin.queueDelete(vhost(), name, ifUnused, ifEmpty);
      out().printf("queue '%s' deleted%n", name);
      return WeirCli.OK;
    }
  }

  @Command(name = "exchange", description = "Delete an exchange and its bindings.")
  static final class Exchange extends AdminCommand {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--if-unused", description = "Refuse if it is the source of a binding.") boolean ifUnused;

    @Override
    int run(WeirAdmin admin) {
      admin.exchangeDelete(vhost(), name, ifUnused);
      out().printf("exchange '%s' deleted%n", name);
      return WeirCli.OK;
    }
  }
}
