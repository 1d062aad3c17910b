package io.weirmq.node.registry;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.weirmq.core.model.ExchangeId;
import io.weirmq.core.model.QueueId;
import io.weirmq.core.routing.Binding;
import io.weirmq.core.routing.ExchangeDefinition;
import io.weirmq.core.routing.QueueDefinition;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.routing.TopologyEvent;
import io.weirmq.core.policy.Policy;
import io.weirmq.core.security.PasswordHash;
import io.weirmq.core.security.Permission;
import io.weirmq.core.security.User;
import io.weirmq.node.serialization.CborSerializable;
import java.util.List;

/**
 * A change a client asks of the registry; {@link #decide} validates it against the topology.
 *
 * <p>It travels inside {@link MetadataRegistry.Change}, typed by this interface, so it carries its
 * subtype's name (registered in {@code WeirJacksonModule}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
public sealed interface TopologyChange extends CborSerializable {

  List<TopologyEvent> decide(Topology topology);

  record AddVhost(String vhost) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.addVhost(vhost); }
  }

  record DeleteVhost(String vhost) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.deleteVhost(vhost); }
  }

  record DeclareExchange(ExchangeDefinition exchange) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.declareExchange(exchange); }
  }

  record DeleteExchange(ExchangeId exchange, boolean ifUnused) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.deleteExchange(exchange, ifUnused); }
  }

  record DeclareQueue(QueueDefinition queue) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.declareQueue(queue); }
  }

  record DeleteQueue(QueueId queue) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.deleteQueue(queue); }
  }

  record Bind(Binding binding) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.bind(binding); }
  }

  record Unbind(Binding binding) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.unbind(binding); }
  }

  /** Adds a user or replaces it; the password arrives hashed (hashing is slow and runs at the edge). */
  record PutUser(User user) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.putUser(user); }
  }

  record DeleteUser(String name) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.deleteUser(name); }
  }

  record SetPermission(Permission permission) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.setPermission(permission); }
  }

  record ClearPermission(String user, String vhost) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.clearPermission(user, vhost); }
  }

  record SetPolicy(Policy policy) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.setPolicy(policy); }
  }

  record ClearPolicy(String vhost, String name) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.clearPolicy(vhost, name); }
  }

  /** Replaces a fast imported hash by a PBKDF2 one, if the user still has {@code expected}. */
  record UpgradePassword(String name, PasswordHash expected, PasswordHash replacement) implements TopologyChange {
    public List<TopologyEvent> decide(Topology t) { return t.upgradePassword(name, expected, replacement); }
  }
}
