package io.weirmq.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weirmq.client.WeirTestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The weir command run in-process against a real node and HTTP server. */
class WeirCliTest {

  @TempDir static Path dataDir;
  private static WeirTestServer server;
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    server = WeirTestServer.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  record Run(int exit, String out, String err) {}

  private static Run weir(String... args) {
    return weirWithInput(new ByteArrayInputStream(new byte[0]), args);
  }

  private static Run weirWithInput(InputStream stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new WeirCli(stdin));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    all[0] = "--url";
    all[1] = server.uri();
    System.arraycopy(args, 0, all, 2, args.length);
    return new Run(cli.execute(all), out.toString(), err.toString());
  }

  @Test
  void logsInAsTheUserGivenByOptionOrUrl() {
    io.weirmq.client.WeirAdmin guest = io.weirmq.client.WeirAdmin.builder().uri(server.uri()).build();
    guest.userPut("cli-user", "cli-pw", java.util.List.of("management"));
    guest.permissionsSet("/", "cli-user", "^cli-own", "^cli-own", "^cli-own");

    Run mine = weir("--user", "cli-user", "--password", "cli-pw", "declare", "queue", "cli-own-q");
    assertThat(mine.exit()).as(mine.toString()).isZero();
    Run notMine = weir("--user", "cli-user", "--password", "cli-pw", "declare", "queue", "cli-other-q");
    assertThat(notMine.exit()).isEqualTo(WeirCli.REFUSED);
    assertThat(notMine.err()).contains("access_refused (403)")
        .contains("configure access to queue 'cli-other-q' in vhost '/' refused for user 'cli-user'");
    Run wrong = weir("--user", "cli-user", "--password", "nope", "list", "queues");
    assertThat(wrong.exit()).isEqualTo(WeirCli.REFUSED);
    assertThat(wrong.err()).contains("(401)").doesNotContain("nope");

    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new WeirCli());
    cli.setOut(new PrintWriter(out, true));
    int exit = cli.execute("--url", server.uri().replace("http://", "http://cli-user:cli-pw@"), "list", "queues");
    assertThat(exit).isZero();
    assertThat(out.toString()).contains("cli-own-q");
  }

  @Test
  void declarePublishFromStdinAndCountThenGetAndListThem() throws Exception {
    String queue = WeirTestServer.name("cli-q");
    Run declared = weir("declare", "queue", queue, "--arg", "x-max-length=1000", "--arg", "x-overflow=reject-publish");
    assertThat(declared.exit()).as(declared.toString()).isZero();
    assertThat(declared.out()).contains("queue '" + queue + "' declared");
    assertThat(weir("declare", "queue", queue, "--arg", "x-max-length=1000", "--arg", "x-overflow=reject-publish").out())
        .contains("already exists, unchanged");

    Run one = weirWithInput(new ByteArrayInputStream("from stdin".getBytes(UTF_8)), "publish", "-k", queue, "--persistent");
    assertThat(one.exit()).as(one.toString()).isZero();
    assertThat(one.out()).contains("routed");
    Run many = weir("publish", "-k", queue, "--count", "25", "--batch-size", "10", "--progress", "hello");
    assertThat(many.exit()).as(many.toString()).isZero();
    assertThat(many.out()).contains("published 25 messages", "25 routed, 0 not routed, 0 rejected");
    assertThat(many.err()).contains("published 25/25");

    Run list = weir("list", "queues");
    assertThat(list.exit()).isZero();
    String row = list.out().lines().filter(l -> l.startsWith(queue + " ")).findFirst().orElseThrow(
        () -> new AssertionError(list.out()));
    assertThat(row.trim().split("\\s+")).startsWith(queue, "26", "26", "0", "0");
    assertThat(list.out().lines().findFirst().orElseThrow()).startsWith("name").contains("messages", "ready", "unacked", "consumers");

    Run json = weir("list", "queues", "--json");
    JsonNode queues = JSON.readTree(json.out());
    JsonNode q = null;
    for (JsonNode n : queues) {
      if (n.path("name").asText().equals(queue)) {
        q = n;
      }
    }
    assertThat(q).as(json.out()).isNotNull();
    assertThat(q.path("messages_ready").asLong()).isEqualTo(26);
    assertThat(q.path("arguments").path("x-max-length").isInt()).as("--arg typed the number").isTrue();

    Run got = weir("get", queue, "--count", "2", "--ackmode", "ack_requeue_false");
    assertThat(got.exit()).as(got.toString()).isZero();
    assertThat(got.out()).contains("from stdin", "hello", "routing_key");
    Run gotJson = weir("get", queue, "--json");
    JsonNode messages = JSON.readTree(gotJson.out());
    assertThat(messages).hasSize(1);
    assertThat(messages.get(0).path("payload").asText()).isEqualTo("hello");
    assertThat(messages.get(0).path("message_count").asLong()).isEqualTo(23);
  }

  @Test
  void bindAnExchangeAndListItsBindingsAndExchanges() throws Exception {
    String exchange = WeirTestServer.name("cli-x");
    String queue = WeirTestServer.name("cli-bound");
    assertThat(weir("declare", "exchange", exchange, "--type", "topic").exit()).isZero();
    assertThat(weir("declare", "queue", queue, "--durable=false").exit()).isZero();
    Run bound = weir("bind", "--source", exchange, "--destination", queue, "--routing-key", "a.*");
    assertThat(bound.exit()).as(bound.toString()).isZero();
    Run published = weir("publish", "-e", exchange, "-k", "a.b", "x");
    assertThat(published.out()).contains("published 1 message, routed");

    assertThat(weir("list", "bindings").out()).containsPattern(exchange + "\\s+" + queue + "\\s+queue\\s+a\\.\\*");
    assertThat(weir("list", "exchanges").out()).containsPattern(exchange + "\\s+topic\\s+true").contains("(AMQP default)");
    JsonNode bindings = JSON.readTree(weir("list", "bindings", "--json").out());
    assertThat(bindings.findValuesAsText("destination")).contains(queue);
  }

  @Test
  void aRefusalExitsOneAndPrintsTheErrorAndReason() {
    String queue = WeirTestServer.name("cli-conflict");
    assertThat(weir("declare", "queue", queue).exit()).isZero();
    Run conflict = weir("declare", "queue", queue, "--durable=false");
    assertThat(conflict.exit()).isEqualTo(1);
    assertThat(conflict.err()).contains("precondition_failed", "409", "durable:");

    Run bad = weir("declare", "queue", WeirTestServer.name("cli-bad"), "--arg", "x-max-length=lots");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("bad_request", "arguments.x-max-length");
    assertThat(weir("get", "no-such-queue").err()).contains("not_found");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(weir("declare", "exchange", "x").exit()).as("no --type").isEqualTo(2);
    assertThat(weir("frobnicate").exit()).isEqualTo(2);
    assertThat(weir("declare").exit()).isEqualTo(2);
    assertThat(weir().exit()).isEqualTo(2);
    Run ackmode = weir("get", "q", "--ackmode", "sometimes");
    assertThat(ackmode.exit()).isEqualTo(2);
    assertThat(ackmode.err()).contains("not an ack mode");
    assertThat(weir("publish", "-k", "q", "--count", "0", "x").exit()).isEqualTo(2);
    assertThat(weir("help", "publish").exit()).isZero();
  }

  @Test
  void anUnreachableBrokerExitsThree() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new WeirCli());
    cli.setErr(new PrintWriter(err, true));
    // --url after the subcommand: the global option is inherited.
    int exit = cli.execute("list", "queues", "--url", "http://127.0.0.1:" + port);
    assertThat(exit).isEqualTo(3);
    assertThat(err.toString()).contains("cannot connect to http://127.0.0.1:" + port);
  }

  @Test
  void exportWritesTheDefinitionsAndImportLoadsThemIntoAnotherVhost(@TempDir Path dir) throws Exception {
    String exchange = WeirTestServer.name("cli-defs-x");
    String queue = WeirTestServer.name("cli-defs-q");
    String other = WeirTestServer.name("cli-defs-vhost");
    assertThat(weir("declare", "exchange", exchange, "--type", "fanout").exit()).isZero();
    assertThat(weir("declare", "queue", queue).exit()).isZero();
    assertThat(weir("bind", "--source", exchange, "--destination", queue).exit()).isZero();
    Path file = dir.resolve("defs.json");
    Run exported = weir("export", "--vhost-only", file.toString());
    assertThat(exported.exit()).as(exported.toString()).isZero();
    JsonNode defs = JSON.readTree(file.toFile());
    assertThat(defs.get("queues").findValuesAsText("name")).contains(queue);

    // A new vhost comes from an import too; then the export goes into it.
    Path vhost = Files.writeString(dir.resolve("vhost.json"), "{\"vhosts\":[{\"name\":\"" + other + "\"}]}");
    assertThat(weir("import", vhost.toString()).out()).contains("imported 0 users, 1 vhosts");
    Run imported = weirWithInput(Files.newInputStream(file), "--vhost", other, "import", "--vhost-only", "-");
    assertThat(imported.exit()).as(imported.toString()).isZero();
    assertThat(imported.out()).contains("imported 0 users, 0 vhosts, 0 permissions, 0 policies, 1 exchanges")
        .contains("bindings");
    assertThat(weir("--vhost", other, "list", "queues").out()).contains(queue);

    Run rabbit = weirWithInput(new ByteArrayInputStream(
        "{\"topic_permissions\":[{\"user\":\"guest\"}],\"queues\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        "import", "-");
    assertThat(rabbit.out()).contains("not imported: 1 topic_permissions (WeirMQ has no topic permissions)");
    assertThat(weir("import", dir.resolve("absent.json").toString()).exit()).isEqualTo(2);
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"queues\":[{\"name\":7}]}");
    Run refused = weir("--vhost", other, "import", "--vhost-only", bad.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("queues[0].name");
  }

  @Test
  void publishReadsTheBodyFromAFile(@TempDir Path dir) throws Exception {
    String queue = WeirTestServer.name("cli-file");
    weir("declare", "queue", queue);
    Path file = Files.write(dir.resolve("body.bin"), new byte[] {0, 1, 2, 3});
    assertThat(weir("publish", "-k", queue, "--file", file.toString()).exit()).isZero();
    assertThat(weir("get", queue).out()).contains("base64:AAECAw==");
    assertThat(weir("publish", "-k", queue, "--file", dir.resolve("absent").toString()).exit()).isEqualTo(2);
  }

  @Test
  void consumeCountPrintsThatManyMessagesAcksThemAndExits() throws Exception {
    String queue = WeirTestServer.name("cli-consume");
    assertThat(weir("declare", "queue", queue).exit()).isZero();
    for (String body : new String[] {"one", "two", "three", "four"}) {
      assertThat(weir("publish", "-k", queue, body).exit()).isZero();
    }

    Run run = weir("consume", queue, "--count", "3", "--prefetch", "1");
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out().lines()).containsExactly("one", "two", "three");

    Run json = weir("consume", queue, "--count", "1", "--json", "--ack", "auto");
    assertThat(json.exit()).as(json.toString()).isZero();
    JsonNode m = JSON.readTree(json.out());
    assertThat(m.path("payload").asText()).isEqualTo("four");
    assertThat(m.path("routing_key").asText()).isEqualTo(queue);
    assertThat(weir("get", queue).out()).contains("is empty");
  }
}
