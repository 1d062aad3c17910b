package io.weirmq.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every overlay of k8s/ as `kubectl kustomize` renders it (Debian's kubectl 1.20 in CI, installed by
 * k8s/scripts/ensure-kubectl when missing), read strictly into the Kubernetes model and checked for
 * what a cluster would reject or silently break ({@link ManifestChecks}). The last tests break one
 * thing each in a rendered overlay and show the checks find it.
 */
class K8sManifestsTest {

  private static final Path REPOSITORY =
      Path.of(System.getProperty("weir.repository", "../..")).toAbsolutePath().normalize();

  /**
   * Secrets an overlay uses but the operator creates (docs/operations.md shows how); every other
   * Secret must be rendered. Production credentials are never in the repository.
   */
  private static final Map<String, Set<String>> EXTERNAL_SECRETS =
      // weirmq-admin (the broker's admin user; without it a loopback-only guest) and weirmq-tls (the
      // key store's password, with TLS on) are read as optional, so no overlay renders them.
      Map.of("dev", Set.of("weirmq-admin", "weirmq-tls"), "prod", Set.of("weirmq-cassandra", "weirmq-admin", "weirmq-tls"));

  private static final Map<String, String> RENDERED = new TreeMap<>();

  @BeforeAll
  static void renderEveryOverlay() throws Exception {
    String kubectl = ensureKubectl();
    Path overlays = REPOSITORY.resolve("k8s/overlays");
    try (Stream<Path> dirs = Files.list(overlays)) {
      for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList()) {
        RENDERED.put(dir.getFileName().toString(), kustomize(kubectl, dir));
      }
    }
    assertThat(RENDERED).as("overlays under %s", overlays).containsKeys("dev", "prod");
    assertThat(EXTERNAL_SECRETS).as("every overlay says which Secrets the operator creates")
        .containsOnlyKeys(RENDERED.keySet().toArray(String[]::new));
  }

  /** Runs the project's script, which finds a working kubectl or installs Debian's; its last output line is the path. */
  private static String ensureKubectl() throws Exception {
    Path script = REPOSITORY.resolve("k8s/scripts/ensure-kubectl");
    Path err = Files.createTempFile("ensure-kubectl", ".err");
    try {
      Process p = new ProcessBuilder("bash", script.toString()).redirectError(err.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("k8s/scripts/ensure-kubectl did not finish within 10 minutes:%n%s", Files.readString(err));
      }
      if (p.exitValue() != 0 || out.isEmpty()) {
        fail("no kubectl to render k8s/ with: k8s/scripts/ensure-kubectl exited with %d:%n%s", p.exitValue(),
            Files.readString(err));
      }
      // Which kubectl rendered the overlays, for the build log.
      System.out.print(Files.readString(err));
      return out.lines().reduce((a, b) -> b).orElseThrow();
    } finally {
      Files.deleteIfExists(err);
    }
  }

  private static String kustomize(String kubectl, Path dir) throws IOException, InterruptedException {
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString()).redirectError(err.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("kubectl kustomize %s did not finish within 2 minutes", dir);
      }
      if (p.exitValue() != 0) {
        fail("kubectl kustomize %s failed (exit %d):%n%s", REPOSITORY.relativize(dir), p.exitValue(), Files.readString(err));
      }
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }

  private static List<HasMetadata> objects(String overlay) {
    return StrictModel.parse(RENDERED.get(overlay));
  }

  private static List<String> problems(String overlay, List<HasMetadata> objects) {
    return ManifestChecks.check(objects, REPOSITORY, EXTERNAL_SECRETS.get(overlay));
  }

  private static <T extends HasMetadata> T the(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " rendered"));
  }

  private static Container broker(List<HasMetadata> objects) {
    return the(objects, StatefulSet.class, "weirmq").getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  // ------------------------------------------------------------------ the overlays as committed

  @TestFactory
  Stream<DynamicTest> everyOverlayPassesEveryCheck() {
    return RENDERED.keySet().stream().map(overlay -> DynamicTest.dynamicTest(overlay, () -> {
      List<HasMetadata> objects = objects(overlay);
      assertThat(problems(overlay, objects)).as("problems in k8s/overlays/%s", overlay).isEmpty();
    }));
  }

  @TestFactory
  Stream<DynamicTest> everyOverlayRunsTheBrokerAsTheIssueAsksFor() {
    return RENDERED.keySet().stream().map(overlay -> DynamicTest.dynamicTest(overlay, () -> {
      List<HasMetadata> objects = objects(overlay);
      StatefulSet sts = the(objects, StatefulSet.class, "weirmq");
      assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
      Service headless = the(objects, Service.class, sts.getSpec().getServiceName());
      assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
      assertThat(the(objects, Service.class, "weirmq").getSpec().getPorts()).extracting(p -> p.getTargetPort().getStrVal())
          .containsExactly("http");
      Container c = broker(objects);
      assertThat(c.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
          .containsExactlyInAnyOrder("http=15672", "management=8558", "remoting=25520");
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/alive");
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(sts.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
      // The schema Job comes with every overlay, so a fresh Cassandra gets its keyspaces.
      assertThat(the(objects, Job.class, "weirmq-schema").getSpec().getTemplate().getSpec().getContainers().get(0)
          .getCommand()).contains("io.weirmq.server.CassandraSchemaTool", "$(WEIR_CASSANDRA_REPLICATION_FACTOR)");
    }));
  }

  @Test
  void devRunsThreeSmallNodesOnItsOwnCassandraWithAGeneratedDevelopmentSecret() {
    List<HasMetadata> objects = objects("dev");
    assertThat(the(objects, StatefulSet.class, "weirmq").getSpec().getReplicas()).isEqualTo(3);
    assertThat(broker(objects).getResources().getLimits().get("memory")).isEqualTo(new Quantity("768Mi"));
    assertThat(the(objects, StatefulSet.class, "cassandra").getSpec().getReplicas()).isEqualTo(1);
    assertThat(objects).filteredOn(o -> o.getKind().equals("Secret")).singleElement()
        .satisfies(s -> assertThat(s.getMetadata().getName()).startsWith("weirmq-cassandra-"));
    assertThat(settings(objects)).containsEntry("WEIR_CASSANDRA_REPLICATION_FACTOR", "1");
  }

  @Test
  void prodSpreadsThreeNodesOverMachinesAndZonesLetsOneGoAtATimeAndCommitsNoSecret() {
    List<HasMetadata> objects = objects("prod");
    StatefulSet sts = the(objects, StatefulSet.class, "weirmq");
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    var anti = sts.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity();
    assertThat(anti.getRequiredDuringSchedulingIgnoredDuringExecution()).extracting(t -> t.getTopologyKey())
        .containsExactly("kubernetes.io/hostname");
    assertThat(anti.getPreferredDuringSchedulingIgnoredDuringExecution())
        .extracting(t -> t.getPodAffinityTerm().getTopologyKey()).containsExactly("topology.kubernetes.io/zone");
    var resources = broker(objects).getResources();
    assertThat(resources.getRequests()).containsKeys("cpu", "memory");
    assertThat(resources.getLimits().get("memory")).isEqualTo(resources.getRequests().get("memory"));
    assertThat(resources.getLimits()).as("no CPU limit: throttling would stall heartbeats").doesNotContainKey("cpu");
    assertThat(the(objects, PodDisruptionBudget.class, "weirmq").getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(objects).noneMatch(o -> o.getKind().equals("Secret"));
    assertThat(settings(objects)).containsEntry("WEIR_CASSANDRA_REPLICATION_FACTOR", "3");
  }

  @Test
  void theSecretsTheOperatorCreatesAreExplainedInTheOperationsGuide() throws IOException {
    String guide = Files.readString(REPOSITORY.resolve("docs/operations.md"));
    for (var entry : EXTERNAL_SECRETS.entrySet()) {
      for (String secret : entry.getValue()) {
        assertThat(guide).as("docs/operations.md tells how to create Secret %s for %s", secret, entry.getKey())
            .contains("create secret generic " + secret, "--from-literal=username=", "--from-literal=password=");
      }
    }
  }

  private static Map<String, String> settings(List<HasMetadata> objects) {
    return objects.stream().filter(o -> o instanceof ConfigMap && o.getMetadata().getName().startsWith("weirmq-settings-"))
        .map(o -> ((ConfigMap) o).getData()).findFirst().orElseThrow();
  }

  // ------------------------------------------------------------------ each check can fail

  /** The dev overlay with one thing changed must show exactly that problem (among possibly its consequences). */
  private static List<String> devWith(Consumer<List<HasMetadata>> change) {
    List<HasMetadata> objects = new ArrayList<>(objects("dev"));
    assertThat(problems("dev", objects)).as("the unchanged dev overlay").isEmpty();
    change.accept(objects);
    return problems("dev", objects);
  }

  private static EnvVar env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aServiceWhoseSelectorMatchesNoPodIsFound() {
    assertThat(devWith(o -> the(o, Service.class, "weirmq").getSpec().setSelector(Map.of("app.kubernetes.io/name", "weir"))))
        .anySatisfy(p -> assertThat(p).startsWith("Service weirmq: selects {app.kubernetes.io/name=weir}"));
  }

  @Test
  void aStatefulSetWhosePodsLostTheirLabelIsFoundByEverySelectorThatMissesThem() {
    List<String> problems = devWith(o -> the(o, StatefulSet.class, "weirmq").getSpec().getTemplate().getMetadata()
        .getLabels().put("app.kubernetes.io/name", "broker"));
    assertThat(problems).anySatisfy(p -> assertThat(p).contains("spec.selector"))
        .anySatisfy(p -> assertThat(p).contains("bootstrap looks for pods labelled app.kubernetes.io/name=weirmq"))
        .anySatisfy(p -> assertThat(p).startsWith("NetworkPolicy weirmq: selects {app.kubernetes.io/name=weirmq}"))
        .anySatisfy(p -> assertThat(p).startsWith("Service weirmq-internal: selects"));
  }

  @Test
  void aProbeOnAPortTheContainerDoesNotDeclareIsFound() {
    assertThat(devWith(o -> broker(o).getReadinessProbe().getHttpGet().setPort(new IntOrString("admin"))))
        .anySatisfy(p -> assertThat(p).contains("readinessProbe uses port admin"));
  }

  @Test
  void aContainerPortThatDisagreesWithTheNodeConfigurationIsFound() {
    assertThat(devWith(o -> broker(o).getPorts().stream().filter(p -> p.getName().equals("remoting")).findFirst()
        .orElseThrow().setContainerPort(2552)))
        .anySatisfy(p -> assertThat(p).contains("port remoting is 2552, but the node listens on"
            + " akka.remote.artery.canonical.port = 25520"));
  }

  @Test
  void anEnvironmentVariableTheConfigurationReadsButTheContainerLacksIsFound() {
    assertThat(devWith(o -> broker(o).getEnv().removeIf(e -> e.getName().equals("WEIR_CASSANDRA_KEYSPACE"))))
        .anySatisfy(p -> assertThat(p).contains("the configuration reads WEIR_CASSANDRA_KEYSPACE, which the container does not set"));
  }

  @Test
  void aMisspeltEnvironmentVariableIsFound() {
    assertThat(devWith(o -> env(broker(o), "WEIR_HTTP_PORT").setName("WEIR_HTTP_PROT")))
        .anySatisfy(p -> assertThat(p).contains("env WEIR_HTTP_PROT is set, but no configuration file names it"))
        .anySatisfy(p -> assertThat(p).contains("reads WEIR_HTTP_PORT, which the container does not set"));
  }

  @Test
  void anEnvironmentVariableALaterSettingOverridesIsFound() {
    // cluster.conf reads WEIR_SELF_JOIN, but k8s.conf turns self-join off after including it.
    assertThat(devWith(o -> broker(o).getEnv().add(new EnvVar("WEIR_SELF_JOIN", "on", null))))
        .anySatisfy(p -> assertThat(p).contains("env WEIR_SELF_JOIN is set, but a later setting in k8s.conf overrides it"));
  }

  @Test
  void theRemotingAddressMustBeThePodsIp() {
    assertThat(devWith(o -> env(broker(o), "WEIR_REMOTING_HOST").getValueFrom().getFieldRef().setFieldPath("status.hostIP")))
        .anySatisfy(p -> assertThat(p).contains("akka.remote.artery.canonical.hostname is <status.hostIP>"));
  }

  @Test
  void aRoleBindingToAnotherServiceAccountIsFound() {
    assertThat(devWith(o -> the(o, RoleBinding.class, "weirmq-pod-reader").getSubjects().get(0).setName("default")))
        .anySatisfy(p -> assertThat(p).contains("binds ServiceAccount default, which is not rendered"))
        .anySatisfy(p -> assertThat(p).contains("its service account weirmq is bound to no Role that may get, watch and list pods"));
  }

  @Test
  void bootstrapFindingPodsThatAreNoBrokersIsFound() {
    assertThat(devWith(o -> the(o, Job.class, "weirmq-schema").getSpec().getTemplate().getMetadata().getLabels()
        .put("app.kubernetes.io/name", "weirmq")))
        .anySatisfy(p -> assertThat(p).contains("also finds the pods of Job weirmq-schema"));
  }

  @Test
  void aFileTheProfileIncludesButTheConfigMapLacksIsFound() {
    assertThat(devWith(o -> o.stream().filter(x -> x instanceof ConfigMap && x.getMetadata().getName().startsWith("weirmq-config-"))
        .map(ConfigMap.class::cast).findFirst().orElseThrow().getData().remove("http.conf")))
        .anySatisfy(p -> assertThat(p).contains("k8s.conf includes http.conf, which ConfigMap"));
  }

  @Test
  void aSecretNeitherRenderedNorCreatedByTheOperatorIsFound() {
    assertThat(devWith(o -> o.removeIf(x -> x.getKind().equals("Secret"))))
        .anySatisfy(p -> assertThat(p).contains("reads Secret weirmq-cassandra-"));
  }

  @Test
  void theModelRejectsUnknownFieldsWrongTypesAndRetiredApiVersions() {
    String dev = RENDERED.get("dev");
    assertThatThrownBy(() -> StrictModel.parse(dev.replace("readinessProbe:", "readynessProbe:")))
        .hasMessageContaining("StatefulSet weirmq.spec.template.spec.containers[0]: unknown field(s) [readynessProbe]");
    assertThatThrownBy(() -> StrictModel.parse(dev.replace("value: \"8558\"", "value: 8558")))
        .hasMessageContaining("StatefulSet");
    assertThatThrownBy(() -> StrictModel.parse("""
        apiVersion: policy/v1beta1
        kind: PodDisruptionBudget
        metadata: {name: old}
        spec: {maxUnavailable: 1}
        """)).hasMessageContaining("the API serves PodDisruptionBudget as 'policy/v1'");
    assertThatThrownBy(() -> StrictModel.parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"))
        .hasMessageContaining("kind 'Pod' is not one this check knows");
  }
}
