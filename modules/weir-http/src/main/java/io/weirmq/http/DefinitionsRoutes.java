package io.weirmq.http;

import static akka.http.javadsl.server.PathMatchers.segment;

import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.JsonNode;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.DestinationKind;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.ExchangeType;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.Topology;
import io.weirmq.node.Broker;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@code GET /api/definitions[/{vhost}]} exports the topology and {@code POST} imports one, in the
 * part of RabbitMQ's definitions format that maps to WeirMQ: users, vhosts, permissions, policies,
 * exchanges, queues and bindings. A RabbitMQ export loads as it is: its other sections (topic
 * permissions, parameters) are reported as not imported, never silently dropped.
 *
 * <p>Users carry their password hash: the broker's PBKDF2 ones under {@code weir_pbkdf2_sha256}
 * (read back exactly), RabbitMQ's {@code rabbit_password_hashing_sha256} / {@code _sha512} (the
 * user's first login replaces it with PBKDF2), or a clear {@code password}, hashed here.
 *
 * <p>An import checks everything before it changes anything: every item must be valid and every
 * existing exchange or queue it names must have the same properties (else 400 or 409 naming the
 * item and the field). It then declares, in order, vhosts, users, permissions, policies, exchanges,
 * queues and bindings; each declaration is idempotent, so an import interrupted by a failure can be
 * repeated.
 */
final class DefinitionsRoutes extends ApiDirectives {

  /** Sections of RabbitMQ's format that WeirMQ does not import (yet), with why. */
  private static final Map<String, String> NOT_IMPORTED = Map.of(
      "topic_permissions", "WeirMQ has no topic permissions",
      "parameters", "WeirMQ has no runtime parameters (federation, shovels)",
      "global_parameters", "WeirMQ has no global parameters");

  /** A big import takes longer than weir.http.request-timeout: weir.http.definitions-import-timeout. */
  private final scala.concurrent.duration.FiniteDuration importTimeout;

  DefinitionsRoutes(Broker broker, Json json, HttpSettings settings, Caller caller) {
    super(broker, json, settings, caller);
    this.importTimeout = scala.jdk.javaapi.DurationConverters.toScala(
        broker.system().settings().config().getDuration("weir.http.definitions-import-timeout"));
  }

  /** Administrators only, as in RabbitMQ: an import declares anything anywhere. */
  Route route() {
    caller.requireAdministrator();
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> ok(export(null))),
            post(() -> withRequestTimeout(importTimeout, () -> body(JsonNode.class, d -> importAll(d, null)))))),
        path(segment(), vhost -> concat(
            get(() -> ok(export(existingVhost(vhost)))),
            post(() -> withRequestTimeout(importTimeout,
                () -> body(JsonNode.class, d -> importAll(d, existingVhost(vhost))))))));
  }

  // ------------------------------------------------------------------ export

  /** The whole topology, or one vhost's (then, as RabbitMQ, without vhost fields). */
  private Map<String, Object> export(String onlyVhost) {
    Topology t = topology();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("weirmq_version", OverviewRoutes.VERSION);
    List<String> vhosts = onlyVhost == null ? t.vhosts() : List.of(onlyVhost);
    if (onlyVhost == null) {
      // As RabbitMQ: users and permissions belong to the whole broker, not to one vhost's export.
      d.put("users", t.users().users().stream().map(DefinitionsRoutes::exportUser).toList());
      d.put("vhosts", vhosts.stream().map(v -> Map.of("name", v)).toList());
      d.put("permissions", t.users().permissions().stream().map(Views::permission).toList());
    }
    List<Map<String, Object>> policies = new ArrayList<>();
    List<Map<String, Object>> exchanges = new ArrayList<>();
    List<Map<String, Object>> queues = new ArrayList<>();
    List<Map<String, Object>> bindings = new ArrayList<>();
    for (String vhost : vhosts) {
      t.policies().of(vhost).forEach(p -> policies.add(withoutVhost(Views.policy(p), onlyVhost)));
      for (ExchangeDefinition x : t.exchanges(vhost)) {
        if (!builtIn(x.id().name())) {
          exchanges.add(withoutVhost(Views.exchange(x), onlyVhost));
        }
      }
      for (QueueDefinition q : t.queues(vhost)) {
        if (!q.exclusive()) { // owned by a connection: it would not outlive the import's source
          Map<String, Object> v = Views.queue(q);
          v.remove("exclusive"); // always false here, and not a field of RabbitMQ's definitions
          queues.add(withoutVhost(v, onlyVhost));
        }
      }
      for (Binding b : t.bindings(vhost)) {
        if (!b.source().isEmpty()) {
          Map<String, Object> v = Views.binding(b);
          v.remove("properties_key");
          bindings.add(withoutVhost(v, onlyVhost));
        }
      }
    }
    d.put("policies", policies);
    d.put("exchanges", exchanges);
    d.put("queues", queues);
    d.put("bindings", bindings);
    return d;
  }

  /** RabbitMQ's user item; the hash in a form {@link PasswordHash#fromExport} reads back exactly. */
  private static Map<String, Object> exportUser(User u) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", u.name());
    v.put("password_hash", u.password().exported());
    v.put("hashing_algorithm", u.password().exportedAlgorithm());
    v.put("tags", u.tags());
    v.put("limits", Map.of());
    return v;
  }

  private static Map<String, Object> withoutVhost(Map<String, Object> item, String onlyVhost) {
    Map<String, Object> copy = new LinkedHashMap<>(item);
    if (onlyVhost != null) {
      copy.remove("vhost");
    }
    return copy;
  }

  /** The default exchange and the amq.* ones: every vhost has them, an export leaves them out. */
  private static boolean builtIn(String exchange) {
    return exchange.isEmpty() || exchange.startsWith("amq.");
  }

  // ------------------------------------------------------------------ import

  /** A user to import: with its hash, or (hashed when applied, slowly) with a clear password. */
  private record ImportedUser(String name, PasswordHash hash, String password, List<String> tags) {}

  private record Plan(List<String> vhosts, List<ImportedUser> users, List<Permission> permissions,
      List<Policy> policies, List<ExchangeDefinition> exchanges, List<QueueDefinition> queues,
      List<Binding> bindings, Map<String, Object> notImported) {}

  private Route importAll(JsonNode d, String onlyVhost) {
    if (d == null || !d.isObject()) {
      throw BrokerException.invalid("body", "must be a JSON object (a definitions export)");
    }
    Plan plan = plan(d, onlyVhost);
    return onSuccess(apply(plan), done -> {
      Map<String, Object> imported = new LinkedHashMap<>();
      imported.put("vhosts", plan.vhosts().size());
      imported.put("users", plan.users().size());
      imported.put("permissions", plan.permissions().size());
      imported.put("policies", plan.policies().size());
      imported.put("exchanges", plan.exchanges().size());
      imported.put("queues", plan.queues().size());
      imported.put("bindings", plan.bindings().size());
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("imported", imported);
      answer.put("not_imported", plan.notImported());
      return ok(answer);
    });
  }

  /** Reads and checks every item, against the request and the current topology, before any change. */
  private Plan plan(JsonNode d, String onlyVhost) {
    Topology t = topology();
    List<String> vhosts = new ArrayList<>();
    if (onlyVhost == null) {
      forEach(d, "vhosts", (item, at) -> vhosts.add(text(item, at, "name", null)));
    } else if (d.has("vhosts")) {
      throw BrokerException.invalid("vhosts", "an import into one vhost (/api/definitions/{vhost}) cannot declare"
          + " vhosts; use POST /api/definitions");
    }
    List<ImportedUser> users = new ArrayList<>();
    if (onlyVhost == null) {
      forEach(d, "users", (item, at) -> users.add(user(item, at)));
    } else {
      for (String section : List.of("users", "permissions")) {
        if (d.has(section)) {
          throw BrokerException.invalid(section, "an import into one vhost (/api/definitions/{vhost}) cannot hold "
              + section + "; use POST /api/definitions");
        }
      }
    }
    List<Permission> permissions = new ArrayList<>();
    forEach(d, "permissions", (item, at) -> permissions.add(within(at, () -> new Permission(
        text(item, at, "user", null), text(item, at, "vhost", null), text(item, at, "configure", null),
        text(item, at, "write", null), text(item, at, "read", null)))));
    List<Policy> policies = new ArrayList<>();
    forEach(d, "policies", (item, at) -> policies.add(within(at, () -> new Policy(vhost(item, at, onlyVhost),
        text(item, at, "name", null), text(item, at, "pattern", null),
        Policy.ApplyTo.parse("apply-to", text(item, at, "apply-to", "all")), integer(item, at, "priority", 0),
        table(item, at, "definition")))));
    List<ExchangeDefinition> exchanges = new ArrayList<>();
    int[] builtIns = {0};
    forEach(d, "exchanges", (item, at) -> {
      ExchangeDefinition x = within(at, () -> new ExchangeDefinition(
          new ExchangeId(vhost(item, at, onlyVhost), text(item, at, "name", null)),
          ExchangeType.parse(at + ".type", text(item, at, "type", null)), bool(item, at, "durable", true),
          bool(item, at, "auto_delete", false), bool(item, at, "internal", false), table(item, at)));
      if (builtIn(x.id().name())) {
        builtIns[0]++; // every vhost has them; RabbitMQ's exports leave them out, a hand-written file may not
        return;
      }
      t.exchange(x.id()).ifPresent(existing -> checked(at, () -> existing.requireEquivalent(x)));
      exchanges.add(x);
    });
    List<QueueDefinition> queues = new ArrayList<>();
    forEach(d, "queues", (item, at) -> {
      if (bool(item, at, "exclusive", false)) {
        throw BrokerException.invalid(at + ".exclusive", "an exclusive queue belongs to a connection; it cannot be"
            + " imported");
      }
      QueueDefinition q = within(at, () -> new QueueDefinition(
          new QueueId(vhost(item, at, onlyVhost), text(item, at, "name", null)), bool(item, at, "durable", true),
          false, bool(item, at, "auto_delete", false), table(item, at), null));
      t.queue(q.id()).ifPresent(existing -> checked(at, () -> existing.requireEquivalent(q)));
      queues.add(q);
    });
    List<Binding> bindings = new ArrayList<>();
    forEach(d, "bindings", (item, at) -> {
      String kind = text(item, at, "destination_type", "queue");
      DestinationKind destinationKind = switch (kind) {
        case "queue" -> DestinationKind.QUEUE;
        case "exchange" -> DestinationKind.EXCHANGE;
        default -> throw BrokerException.invalid(at + ".destination_type", "must be queue or exchange, got \""
            + kind + "\"");
      };
      bindings.add(within(at, () -> new Binding(vhost(item, at, onlyVhost), text(item, at, "source", null),
          destinationKind, text(item, at, "destination", null), text(item, at, "routing_key", ""), table(item, at))));
    });
    checkReferences(t, vhosts, exchanges, queues, bindings);
    checkSecurityReferences(t, vhosts, users, permissions, policies);
    Map<String, Object> notImported = new LinkedHashMap<>();
    if (builtIns[0] > 0) {
      notImported.put("exchanges", Map.of("count", builtIns[0],
          "reason", "the default and amq.* exchanges exist in every vhost"));
    }
    NOT_IMPORTED.forEach((section, why) -> {
      JsonNode n = d.get(section);
      int count = n == null ? 0 : n.isArray() ? n.size() : n.isObject() ? n.size() : 1;
      if (count > 0) {
        notImported.put(section, Map.of("count", count, "reason", why));
      }
    });
    return new Plan(vhosts, users, permissions, policies, exchanges, queues, bindings, notImported);
  }

  /** A user item: name, tags, and password_hash with hashing_algorithm, or a clear password. */
  private static ImportedUser user(JsonNode item, String at) {
    String name = within(at, () -> User.name(text(item, at, "name", null)));
    String who = at + " (user '" + name + "')";
    List<String> tags = within(at, () -> User.tags(tagList(item, at)));
    JsonNode password = item.get("password");
    if (password != null && !password.isNull()) {
      if (!password.isTextual() || password.textValue().isEmpty()) {
        throw BrokerException.invalid(at + ".password", "must be a non-empty string (user '" + name + "')");
      }
      if (item.hasNonNull("password_hash") && !item.get("password_hash").asText().isEmpty()) {
        throw BrokerException.invalid(at + ".password", "give password or password_hash, not both (user '" + name + "')");
      }
      return new ImportedUser(name, null, password.textValue(), tags);
    }
    String algorithm = text(item, at, "hashing_algorithm", PasswordHash.RABBIT_SHA256);
    String hash = text(item, at, "password_hash", "");
    try {
      return new ImportedUser(name, PasswordHash.fromExport(algorithm, hash), null, tags);
    } catch (BrokerException e) {
      throw BrokerException.invalid(at + "." + e.field(), e.reason() + " (user '" + name + "')");
    }
  }

  /** RabbitMQ 3.x writes tags as one comma-separated string, 4.x as a list. */
  private static List<String> tagList(JsonNode item, String at) {
    JsonNode n = item.get("tags");
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (n.isTextual()) {
      return java.util.Arrays.asList(n.textValue().split(","));
    }
    if (n.isArray()) {
      List<String> out = new ArrayList<>();
      n.forEach(t -> {
        if (!t.isTextual()) {
          throw BrokerException.invalid(at + ".tags", "must be strings");
        }
        out.add(t.textValue());
      });
      return out;
    }
    throw BrokerException.invalid(at + ".tags", "must be a comma-separated string or a list of strings");
  }

  /** Permissions name users and vhosts, policies vhosts, that must exist or come with the import. */
  private static void checkSecurityReferences(Topology t, List<String> vhosts, List<ImportedUser> users,
      List<Permission> permissions, List<Policy> policies) {
    java.util.Set<String> newUsers = new java.util.HashSet<>();
    users.forEach(u -> newUsers.add(u.name()));
    for (int i = 0; i < permissions.size(); i++) {
      Permission p = permissions.get(i);
      if (t.users().user(p.user()).isEmpty() && !newUsers.contains(p.user())) {
        throw BrokerException.notFound("permissions[" + i + "].user", "no user '" + p.user() + "' here or in the import");
      }
      if (!t.hasVhost(p.vhost()) && !vhosts.contains(p.vhost())) {
        throw BrokerException.notFound("permissions[" + i + "].vhost", "no vhost '" + p.vhost() + "' here or in the import");
      }
    }
    for (int i = 0; i < policies.size(); i++) {
      String vhost = policies.get(i).vhost();
      if (!t.hasVhost(vhost) && !vhosts.contains(vhost)) {
        throw BrokerException.notFound("policies[" + i + "].vhost", "no vhost '" + vhost + "' here or in the import");
      }
    }
  }

  /**
   * Every vhost, exchange and queue an item names must exist already or come with the import: a
   * 404 now rather than after half of it was declared.
   */
  private static void checkReferences(Topology t, List<String> vhosts, List<ExchangeDefinition> exchanges,
      List<QueueDefinition> queues, List<Binding> bindings) {
    java.util.Set<String> newVhosts = new java.util.HashSet<>(vhosts);
    java.util.Set<ExchangeId> newExchanges = new java.util.HashSet<>();
    exchanges.forEach(x -> newExchanges.add(x.id()));
    java.util.Set<QueueId> newQueues = new java.util.HashSet<>();
    queues.forEach(q -> newQueues.add(q.id()));
    java.util.function.BiConsumer<String, String> vhostExists = (vhost, at) -> {
      if (!t.hasVhost(vhost) && !newVhosts.contains(vhost)) {
        throw BrokerException.notFound(at + ".vhost", "no vhost '" + vhost + "' here or in the import");
      }
    };
    for (int i = 0; i < exchanges.size(); i++) {
      vhostExists.accept(exchanges.get(i).id().vhost(), "exchanges");
    }
    for (int i = 0; i < queues.size(); i++) {
      vhostExists.accept(queues.get(i).id().vhost(), "queues");
    }
    for (int i = 0; i < bindings.size(); i++) {
      Binding b = bindings.get(i);
      String at = "bindings[" + i + "]";
      vhostExists.accept(b.vhost(), at);
      ExchangeId source = new ExchangeId(b.vhost(), b.source());
      if (!builtIn(b.source()) && t.exchange(source).isEmpty() && !newExchanges.contains(source)) {
        throw BrokerException.notFound(at + ".source", "no exchange '" + b.source() + "' here or in the import");
      }
      boolean destinationExists = b.destinationKind() == DestinationKind.QUEUE
          ? t.queue(new QueueId(b.vhost(), b.destination())).isPresent()
              || newQueues.contains(new QueueId(b.vhost(), b.destination()))
          : builtIn(b.destination()) || t.exchange(new ExchangeId(b.vhost(), b.destination())).isPresent()
              || newExchanges.contains(new ExchangeId(b.vhost(), b.destination()));
      if (!destinationExists) {
        throw BrokerException.notFound(at + ".destination", "no " + (b.destinationKind() == DestinationKind.QUEUE
            ? "queue" : "exchange") + " '" + b.destination() + "' here or in the import");
      }
    }
  }

  /**
   * Declares the plan: vhosts, then exchanges, then queues, then bindings, each kind only once the
   * one before is done, {@link #WINDOW} declarations at a time within a kind (10,000 queues one by
   * one took minutes: each waits for the registry's journal write and its queue's start). Stops at
   * the first refusal.
   */
  private CompletionStage<Void> apply(Plan plan) {
    CompletionStage<Void> done = inWindows(plan.vhosts(), v -> topology().hasVhost(v)
        ? CompletableFuture.completedFuture(0L) : broker.addVhost(v), CompletableFuture.completedFuture(null));
    done = inWindows(plan.users(), u -> u.hash() != null ? broker.putUser(new User(u.name(), u.hash(), u.tags()))
        : broker.putUser(u.name(), u.password(), u.tags()), done);
    done = inWindows(plan.permissions(), broker::setPermission, done);
    done = inWindows(plan.policies(), broker::setPolicy, done);
    done = inWindows(plan.exchanges(), broker::declareExchange, done);
    done = inWindows(plan.queues(), broker::declareQueue, done);
    return inWindows(plan.bindings(), broker::bind, done);
  }

  static final int WINDOW = 64;

  private static <T> CompletionStage<Void> inWindows(List<T> items, Function<T, CompletionStage<?>> declare,
      CompletionStage<Void> after) {
    CompletionStage<Void> done = after;
    for (int from = 0; from < items.size(); from += WINDOW) {
      List<T> window = items.subList(from, Math.min(items.size(), from + WINDOW));
      done = done.thenCompose(v -> CompletableFuture.allOf(window.stream()
          .map(item -> declare.apply(item).toCompletableFuture()).toArray(CompletableFuture[]::new)));
    }
    return done;
  }

  // ------------------------------------------------------------------ reading items

  private interface ItemReader {
    void read(JsonNode item, String at);
  }

  private static void forEach(JsonNode d, String section, ItemReader reader) {
    JsonNode items = d.get(section);
    if (items == null || items.isNull()) {
      return;
    }
    if (!items.isArray()) {
      throw BrokerException.invalid(section, "must be a JSON array");
    }
    for (int i = 0; i < items.size(); i++) {
      String at = section + "[" + i + "]";
      JsonNode item = items.get(i);
      if (!item.isObject()) {
        throw BrokerException.invalid(at, "must be a JSON object");
      }
      reader.read(item, at);
    }
  }

  /** Runs a constructor that validates, prefixing the field it names with the item's place. */
  private static <T> T within(String at, java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (BrokerException e) {
      String field = e.field() == null ? at : e.field().startsWith(at) ? e.field() : at + "." + e.field();
      throw new BrokerException(e.kind(), field, e.reason());
    }
  }

  private static void checked(String at, Runnable check) {
    within(at, () -> {
      check.run();
      return null;
    });
  }

  private static String vhost(JsonNode item, String at, String onlyVhost) {
    if (onlyVhost != null) {
      if (item.has("vhost") && !onlyVhost.equals(item.get("vhost").asText())) {
        throw BrokerException.invalid(at + ".vhost", "names another vhost than the one imported into (" + onlyVhost
            + ")");
      }
      return onlyVhost;
    }
    return text(item, at, "vhost", null);
  }

  private static String text(JsonNode item, String at, String field, String fallback) {
    JsonNode n = item.get(field);
    if (n == null || n.isNull()) {
      if (fallback == null) {
        throw BrokerException.invalid(at + "." + field, "must be present");
      }
      return fallback;
    }
    if (!n.isTextual()) {
      throw BrokerException.invalid(at + "." + field, "must be a string");
    }
    return n.textValue();
  }

  private static boolean bool(JsonNode item, String at, String field, boolean fallback) {
    JsonNode n = item.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw BrokerException.invalid(at + "." + field, "must be true or false");
    }
    return n.booleanValue();
  }

  private static int integer(JsonNode item, String at, String field, int fallback) {
    JsonNode n = item.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber()) {
      throw BrokerException.invalid(at + "." + field, "must be an integer");
    }
    return n.intValue();
  }

  private Map<String, Object> table(JsonNode item, String at) {
    return table(item, at, "arguments");
  }

  private Map<String, Object> table(JsonNode item, String at, String field) {
    JsonNode n = item.get(field);
    if (n == null || n.isNull()) {
      return Map.of();
    }
    if (!n.isObject()) {
      throw BrokerException.invalid(at + "." + field, "must be a JSON object");
    }
    Map<String, Object> arguments = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      arguments.put(f.getKey(), json.mapper().convertValue(f.getValue(), Object.class));
    }
    return arguments;
  }
}
