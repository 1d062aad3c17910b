package io.weirmq.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weirmq.core.model.BrokerException;
import io.weirmq.core.routing.Topology;
import io.weirmq.core.routing.TopologyEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecurityCoreTest {

  @Test
  void aPasswordHashIsSaltedAndChecksOnlyItsPassword() {
    PasswordHash a = PasswordHash.create("s3cret", 1000);
    PasswordHash b = PasswordHash.create("s3cret", 1000);
    assertThat(a.salt()).isNotEqualTo(b.salt());
    assertThat(a.hash()).isNotEqualTo(b.hash());
    assertThat(a.matches("s3cret")).isTrue();
    assertThat(a.matches("s3cret ")).isFalse();
    assertThat(a.matches("")).isFalse();
    assertThat(a.matches(null)).isFalse();
    assertThat(a.iterations()).isEqualTo(1000);
    assertThat(a.toString()).doesNotContain(a.hash()).doesNotContain(a.salt());
    User u = new User("ann", a, List.of("management"));
    assertThat(u.toString()).doesNotContain(a.hash()).doesNotContain(a.salt());
  }

  @Test
  void anEmptyPasswordIsRefusedNamingTheField() {
    assertThatThrownBy(() -> PasswordHash.create("", 1000)).isInstanceOf(BrokerException.class)
        .hasMessageContaining("password");
  }

  @Test
  void permissionsMatchAsRabbitMqDoes() {
    Access a = new Access(new Permission("ann", "/", "^ann\\.", "", ".*"));
    // Unanchored like Erlang's re:run: the expression may match anywhere in the name.
    assertThat(a.allows(Access.Kind.CONFIGURE, "ann.q")).isTrue();
    assertThat(a.allows(Access.Kind.CONFIGURE, "bob.ann.q")).isFalse();
    assertThat(new Access(new Permission("ann", "/", "ann", "", "")).allows(Access.Kind.CONFIGURE, "bob.ann.q")).isTrue();
    // An empty expression allows nothing but the empty name (the default exchange), as RabbitMQ's ^$.
    assertThat(a.allows(Access.Kind.WRITE, "amq.topic")).isFalse();
    assertThat(a.allows(Access.Kind.WRITE, "")).isTrue();
    assertThat(a.allows(Access.Kind.READ, "anything")).isTrue();
    assertThatThrownBy(() -> a.check(Access.Kind.WRITE, Access.Resource.EXCHANGE, "amq.topic"))
        .isInstanceOf(BrokerException.class)
        .hasMessage("write access to exchange 'amq.topic' in vhost '/' refused for user 'ann'")
        .extracting(e -> ((BrokerException) e).kind()).isEqualTo(BrokerException.Kind.ACCESS_REFUSED);
  }

  @Test
  void aBadExpressionIsRefusedNamingItsField() {
    assertThatThrownBy(() -> new Permission("ann", "/", ".*", "(", ".*"))
        .isInstanceOf(BrokerException.class).hasMessageStartingWith("write: not a regular expression");
  }

  @Test
  void tagsRankAsInTheManagementPlugin() {
    assertThat(Tags.isManagement(List.of("administrator"))).isTrue();
    assertThat(Tags.isManagement(List.of("policymaker"))).isTrue();
    assertThat(Tags.isManagement(List.of("monitoring"))).isTrue();
    assertThat(Tags.isManagement(List.of("management"))).isTrue();
    assertThat(Tags.isManagement(List.of())).isFalse();
    assertThat(Tags.isManagement(List.of("impersonator"))).isFalse();
    assertThat(Tags.isMonitor(List.of("policymaker"))).isFalse();
    assertThat(Tags.isMonitor(List.of("administrator"))).isTrue();
    assertThat(Tags.isAdministrator(List.of("monitoring"))).isFalse();
  }

  @Test
  void usersAndPermissionsFollowTheTopology() {
    Topology t = new Topology();
    t.applyAll(t.addVhost("/"));
    t.applyAll(t.addVhost("dev"));
    User ann = new User("ann", PasswordHash.create("pw", 1000), List.of("management"));
    t.applyAll(t.putUser(ann));
    assertThatThrownBy(() -> t.setPermission(new Permission("bob", "/", ".*", ".*", ".*")))
        .hasMessageContaining("no user 'bob'");
    assertThatThrownBy(() -> t.setPermission(new Permission("ann", "prod", ".*", ".*", ".*")))
        .hasMessageContaining("prod");
    t.applyAll(t.setPermission(new Permission("ann", "/", ".*", ".*", ".*")));
    t.applyAll(t.setPermission(new Permission("ann", "dev", "", "", ".*")));
    assertThat(t.setPermission(new Permission("ann", "dev", "", "", ".*"))).isEmpty();

    Topology copy = t.copy();
    Topology restored = Topology.fromSnapshot(t.snapshot());
    assertThat(copy.users().access("ann", "dev")).isSameAs(t.users().access("ann", "dev"));
    assertThat(restored.users().permissions()).isEqualTo(t.users().permissions());
    assertThat(restored.users().user("ann")).contains(ann);

    t.applyAll(t.deleteVhost("dev"));
    assertThat(t.users().vhostsOf("ann")).containsExactly("/");
    t.applyAll(t.deleteUser("ann"));
    assertThat(t.users().isEmpty()).isTrue();
    assertThat(t.users().permissions()).isEmpty();
    assertThat(copy.users().vhostsOf("ann")).containsExactly("/", "dev");
    assertThat(List.<TopologyEvent>of(new TopologyEvent.UserDeleted("x"))).hasSize(1);
  }

  @Test
  void failedLoginsWaitLongerEachTimeUpToTheLimit() {
    LoginThrottle throttle = new LoginThrottle(Duration.ofMillis(100), Duration.ofSeconds(1), 2);
    assertThat(throttle.failed("10.0.0.1", "ann")).isEqualTo(Duration.ofMillis(100));
    assertThat(throttle.failed("10.0.0.1", "ann")).isEqualTo(Duration.ofMillis(200));
    assertThat(throttle.failed("10.0.0.1", "ann")).isEqualTo(Duration.ofMillis(400));
    assertThat(throttle.failed("10.0.0.1", "ann")).isEqualTo(Duration.ofMillis(800));
    assertThat(throttle.failed("10.0.0.1", "ann")).isEqualTo(Duration.ofSeconds(1));
    assertThat(throttle.delay(1000)).isEqualTo(Duration.ofSeconds(1));
    // Per address and user.
    assertThat(throttle.failed("10.0.0.2", "ann")).isEqualTo(Duration.ofMillis(100));
    throttle.succeeded("10.0.0.1", "ann");
    assertThat(throttle.failures("10.0.0.1", "ann")).isZero();
    // Bounded: a third pair pushes out the least recently failed one.
    throttle.failed("10.0.0.3", "x");
    throttle.failed("10.0.0.4", "y");
    assertThat(throttle.failures("10.0.0.2", "ann")).isZero();
  }
}
