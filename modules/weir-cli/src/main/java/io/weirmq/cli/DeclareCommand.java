package io.weirmq.cli;

import io.weirmq.client.QueueDeclareOk;
import io.weirmq.client.WeirAdmin;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir declare queue|exchange}: the REST declare with its fields as options. */
@Command(name = "declare", description = "Declare a queue or an exchange.",
    subcommands = {DeclareCommand.Queue.class, DeclareCommand.Exchange.class})
final class DeclareCommand extends GroupCommand {

  static final String ARG_HELP = "An argument (repeatable): numbers and true/false are typed, "
      + "\"quoted\" forces a string, e.g. --arg x-max-length=10000 --arg x-overflow=reject-publish.";

  @Command(name = "queue", description = "Declare a queue (201 created, or unchanged if an equivalent one exists).")
  static final class Queue extends AdminCommand {
    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--durable", arity = "0..1", defaultValue = "true", fallbackValue = "true",
        description = "Survive a broker restart (default: ${DEFAULT-VALUE}).")
    boolean durable;

    @Option(names = "--auto-delete", description = "Delete once its last consumer is gone.")
    boolean autoDelete;

    @Option(names = "--arg", paramLabel = "KEY=VALUE", description = ARG_HELP)
    Map<String, String> arguments;

    @Override
    int run(WeirAdmin admin) {
      QueueDeclareOk ok = admin.queueDeclare(vhost(), name, durable, autoDelete, Values.typed(arguments));
      out().printf("queue '%s' %s (messages: %d, consumers: %d)%n", name,
          ok.created() ? "declared" : "already exists, unchanged", ok.messageCount(), ok.consumerCount());
      return WeirCli.OK;
    }
  }

  @Command(name = "exchange", description = "Declare an exchange.")
  static final class Exchange extends AdminCommand {
    @Parameters(paramLabel = "NAME") String name;

    @Option(names = {"-t", "--type"}, required = true, paramLabel = "TYPE",
        description = "direct, fanout, topic or headers.")
    String type;

    @Option(names = "--durable", arity = "0..1", defaultValue = "true", fallbackValue = "true",
        description = "Survive a broker restart (default: ${DEFAULT-VALUE}).")
    boolean durable;

    @Option(names = "--auto-delete", description = "Delete once its last binding is gone.")
    boolean autoDelete;

    @Option(names = "--internal", description = "Only other exchanges may publish to it.")
    boolean internal;

    @Option(names = "--arg", paramLabel = "KEY=VALUE", description = ARG_HELP)
    Map<String, String> arguments;

    @Override
    int run(WeirAdmin admin) {
      boolean created = admin.exchangeDeclare(vhost(), name, type, durable, autoDelete, internal, Values.typed(arguments));
      out().printf("exchange '%s' %s%n", name, created ? "declared" : "already exists, unchanged");
      return WeirCli.OK;
    }
  }
}
