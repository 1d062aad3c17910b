package io.weirmq.cli;

import io.weirmq.client.WeirAdmin;
import java.io.InputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code weir} command: admin and messaging calls on a WeirMQ broker over its REST API. */
@Command(name = "weir", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = WeirCli.Version.class,
    description = "Declare, bind, publish, get, consume and list on a WeirMQ broker (REST and WebSocket API).",
    subcommands = {DeclareCommand.class, DeleteCommand.class, PurgeCommand.class, BindCommand.class,
        PublishCommand.class, GetCommand.class, ConsumeCommand.class, ListCommand.class, ExportCommand.class,
        ImportCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:the broker refused (its error and reason are printed)", "2:usage error",
        "3:cannot reach the broker"})
public final class WeirCli implements Runnable {

  public static final int OK = 0;
  public static final int REFUSED = 1;
  public static final int USAGE = 2;
  public static final int UNREACHABLE = 3;

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
      defaultValue = "${env:WEIR_URL:-" + WeirAdmin.DEFAULT_URI + "}",
      description = "The broker's HTTP API (env WEIR_URL; default: ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--vhost", scope = ScopeType.INHERIT, paramLabel = "VHOST", defaultValue = WeirAdmin.DEFAULT_VHOST,
      description = "The virtual host (default: ${DEFAULT-VALUE}).")
  String vhost;

  @Option(names = {"-u", "--user"}, scope = ScopeType.INHERIT, paramLabel = "USER",
      defaultValue = "${env:WEIR_USER}",
      description = "The user to log in as (env WEIR_USER; default: the URL's user, else guest).")
  String user;

  @Option(names = "--password", scope = ScopeType.INHERIT, paramLabel = "PASSWORD",
      defaultValue = "${env:WEIR_PASSWORD}",
      description = "The password (env WEIR_PASSWORD, which keeps it out of the process list; default: the URL's "
          + "password, else guest).")
  String password;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  final InputStream stdin;

  public WeirCli() {
    this(System.in);
  }

  /** With another standard input, for tests and embedding. */
  public WeirCli(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new WeirCli()).execute(args));
  }

  /** The jar's version, from its manifest when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = WeirCli.class.getPackage().getImplementationVersion();
      return new String[] {"weir " + (v == null ? "(development build)" : v)};
    }
  }
}
