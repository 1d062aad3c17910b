package io.weirmq.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.client.WeirAdmin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir import FILE}: loads a definitions file, a RabbitMQ export for instance. */
@Command(name = "import", description = {"Load a definitions file (RabbitMQ's format, e.g. from rabbitmqadmin export",
    "or weir export): users, vhosts, permissions, policies, exchanges, queues and bindings. Sections WeirMQ",
    "cannot import are listed."})
final class ImportCommand extends AdminCommand {

  @Parameters(paramLabel = "FILE", description = "the definitions to load; - for standard input")
  String file;

  @Option(names = "--vhost-only", description = "import into the vhost of --vhost (the file then names no vhosts)")
  boolean vhostOnly;

  @Override
  int run(WeirAdmin admin) throws Exception {
    JsonNode definitions;
    try {
      byte[] bytes = file.equals("-") ? root().stdin.readAllBytes() : Files.readAllBytes(Path.of(file));
      definitions = ExportCommand.JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw usage("FILE: no such file: " + file);
    } catch (JsonProcessingException e) {
      throw usage("FILE: not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw usage("FILE: cannot read " + file + ": " + e.getMessage());
    }
    JsonNode report = admin.importDefinitions(definitions, vhostOnly ? vhost() : null);
    JsonNode imported = report.path("imported");
    out().printf("imported %d users, %d vhosts, %d permissions, %d policies, %d exchanges, %d queues, %d bindings%n",
        imported.path("users").asInt(), imported.path("vhosts").asInt(), imported.path("permissions").asInt(),
        imported.path("policies").asInt(), imported.path("exchanges").asInt(), imported.path("queues").asInt(),
        imported.path("bindings").asInt());
    Iterator<Map.Entry<String, JsonNode>> skipped = report.path("not_imported").fields();
    while (skipped.hasNext()) {
      Map.Entry<String, JsonNode> s = skipped.next();
      out().printf("not imported: %d %s (%s)%n", s.getValue().path("count").asInt(), s.getKey(),
          s.getValue().path("reason").asText());
    }
    return WeirCli.OK;
  }
}
