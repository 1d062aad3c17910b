package io.weirmq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.weirmq.client.BindingInfo;
import io.weirmq.client.ExchangeInfo;
import io.weirmq.client.QueueInfo;
import io.weirmq.client.WeirAdmin;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weir list queues|exchanges|bindings}: aligned tables, or {@code --json} with the REST API's fields. */
@Command(name = "list", description = "List queues, exchanges or bindings of the vhost.",
    subcommands = {ListCommand.Queues.class, ListCommand.Exchanges.class, ListCommand.Bindings.class})
final class ListCommand extends GroupCommand {

  abstract static class Listing<T> extends AdminCommand {
    @Option(names = "--json", description = "Print JSON (the REST API's fields) instead of a table.")
    boolean json;

    abstract List<T> fetch(WeirAdmin admin);

    abstract Table table(List<T> items);

    @Override
    int run(WeirAdmin admin) throws Exception {
      List<T> items = fetch(admin);
      if (json) {
        out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(items));
        out().flush();
      } else {
        table(items).print(out());
      }
      return WeirCli.OK;
    }
  }

  @Command(name = "queues", description = "Queues with their counts.")
  static final class Queues extends Listing<QueueInfo> {
    @Override
    List<QueueInfo> fetch(WeirAdmin admin) {
      return admin.listQueues(vhost());
    }

    @Override
    Table table(List<QueueInfo> items) {
      Table t = new Table("name", "messages", "ready", "unacked", "consumers", "bytes_ready", "durable", "auto_delete", "arguments");
      for (QueueInfo q : items) {
        t.row(q.name(), q.messages(), q.messagesReady(), q.messagesUnacknowledged(), q.consumers(), q.messageBytesReady(),
            q.durable(), q.autoDelete(), args(q.arguments()));
      }
      return t;
    }
  }

  @Command(name = "exchanges", description = "Exchanges, the predeclared ones included.")
  static final class Exchanges extends Listing<ExchangeInfo> {
    @Override
    List<ExchangeInfo> fetch(WeirAdmin admin) {
      return admin.listExchanges(vhost());
    }

    @Override
    Table table(List<ExchangeInfo> items) {
      Table t = new Table("name", "type", "durable", "auto_delete", "internal", "arguments");
      for (ExchangeInfo e : items) {
        t.row(Values.exchange(e.name()), e.type(), e.durable(), e.autoDelete(), e.internal(), args(e.arguments()));
      }
      return t;
    }
  }

  @Command(name = "bindings", description = "Bindings (the default exchange's implicit ones are not listed).")
  static final class Bindings extends Listing<BindingInfo> {
    @Override
    List<BindingInfo> fetch(WeirAdmin admin) {
      return admin.listBindings(vhost());
    }

    @Override
    Table table(List<BindingInfo> items) {
      Table t = new Table("source", "destination", "destination_type", "routing_key", "properties_key", "arguments");
      for (BindingInfo b : items) {
        t.row(Values.exchange(b.source()), b.destination(), b.destinationType(), b.routingKey(), b.propertiesKey(),
            args(b.arguments()));
      }
      return t;
    }
  }

  private static String args(Map<String, Object> arguments) {
    return arguments == null || arguments.isEmpty() ? "" : arguments.toString();
  }
}
