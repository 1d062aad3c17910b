package io.weirmq.cli;

import io.weirmq.client.WeirAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code weir purge QUEUE}. */
@Command(name = "purge", description = "Remove every ready message from a queue.")
final class PurgeCommand extends AdminCommand {
  @Parameters(paramLabel = "QUEUE") String queue;

  @Override
  int run(WeirAdmin admin) {
    admin.queuePurge(vhost(), queue);
    out().printf("queue '%s' purged%n", queue);
    return WeirCli.OK;
  }
}
