package io.weirmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weirmq.client.WeirAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir export [FILE]}: the topology as a definitions file (RabbitMQ's format). */
@Command(name = "export", description = {"Write the broker's definitions (users with their password hashes, vhosts,",
    "permissions, policies, exchanges, queues, bindings) as JSON in RabbitMQ's definitions format, to FILE or",
    "standard output. With --vhost-only: that vhost's policies, exchanges, queues and bindings."})
final class ExportCommand extends AdminCommand {
  static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(paramLabel = "FILE", arity = "0..1", description = "where to write; standard output when absent or -")
  String file;

  @Option(names = "--vhost-only", description = "only the vhost of --vhost (its items then name no vhost)")
  boolean vhostOnly;

  @Override
  int run(WeirAdmin admin) throws Exception {
    JsonNode definitions = admin.exportDefinitions(vhostOnly ? vhost() : null);
    String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(definitions);
    if (file == null || file.equals("-")) {
      out().println(text);
    } else {
      Files.writeString(Path.of(file), text + System.lineSeparator());
      err().printf("exported %d users, %d policies, %d exchanges, %d queues, %d bindings to %s%n",
          definitions.path("users").size(), definitions.path("policies").size(), definitions.path("exchanges").size(),
          definitions.path("queues").size(), definitions.path("bindings").size(), file);
    }
    return WeirCli.OK;
  }
}
