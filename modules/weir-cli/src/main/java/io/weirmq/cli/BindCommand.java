package io.weirmq.cli;

import io.weirmq.client.WeirAdmin;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weir bind}: a binding with the REST API's fields as options. */
@Command(name = "bind", description = "Bind a queue (or an exchange) to an exchange.")
final class BindCommand extends AdminCommand {

  @Option(names = {"-s", "--source"}, required = true, paramLabel = "EXCHANGE", description = "The exchange messages come from.")
  String source;

  @Option(names = {"-d", "--destination"}, required = true, paramLabel = "NAME", description = "The queue or exchange they go to.")
  String destination;

  @Option(names = "--destination-type", defaultValue = "queue", paramLabel = "TYPE",
      description = "queue or exchange (default: ${DEFAULT-VALUE}).")
  String destinationType;

  @Option(names = {"-k", "--routing-key"}, defaultValue = "", paramLabel = "KEY", description = "The binding key (default: empty).")
  String routingKey;

  @Option(names = "--arg", paramLabel = "KEY=VALUE", description = DeclareCommand.ARG_HELP)
  Map<String, String> arguments;

  @Override
  int run(WeirAdmin admin) {
    String key;
    switch (destinationType) {
      case "queue" -> key = admin.queueBind(vhost(), destination, source, routingKey, Values.typed(arguments));
      case "exchange" -> key = admin.exchangeBind(vhost(), destination, source, routingKey, Values.typed(arguments));
      default -> throw usage("--destination-type must be queue or exchange, not '" + destinationType + "'");
    }
    out().printf("bound %s '%s' to exchange '%s' (properties key %s)%n", destinationType, destination, source, key);
    return WeirCli.OK;
  }
}
