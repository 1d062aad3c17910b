package io.weirmq.k8s;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a cluster would reject, or accept and then silently misbehave on, in the objects one overlay
 * renders: selectors that select nothing, ports named but not declared, references to ConfigMaps,
 * Secrets and service accounts that do not exist, RBAC bound to another account, and a node
 * configuration (cluster-config/, read through the ConfigMap the pods mount) that disagrees with
 * the container: ports, addresses, environment variables, probe paths, discovery labels.
 *
 * <p>{@link #check} returns every problem found, each naming the object, so one run shows them all.
 */
final class ManifestChecks {

  /** The pod IP a container gets from the downward API, as a recognisable stand-in. */
  static final String POD_IP = "10.11.12.13";

  private static final Pattern CONFIG_FILE = Pattern.compile("-Dconfig\\.file=(\\S+)");
  private static final Pattern DEPENDENT_VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  private static final String SCHEMA_TOOL = "io.weirmq.server.CassandraSchemaTool";
  /** What CassandraSchemaTool reads of the profile: the Cassandra connection and keyspaces. */
  private static final List<String> SCHEMA_TOOL_READS = List.of("datastax-java-driver", "akka.persistence.cassandra");

  /** A pod template and what owns it. */
  record Workload(HasMetadata owner, PodTemplateSpec template, int replicas) {
    String describe() {
      return owner.getKind() + " " + owner.getMetadata().getName();
    }

    Map<String, String> labels() {
      Map<String, String> labels = template.getMetadata() == null ? null : template.getMetadata().getLabels();
      return labels == null ? Map.of() : labels;
    }

    List<Container> containers() {
      return template.getSpec().getContainers();
    }
  }

  private final List<HasMetadata> objects;
  private final Path repository;
  private final Set<String> externalSecrets;
  private final List<String> problems = new ArrayList<>();
  private final List<Workload> workloads = new ArrayList<>();

  private ManifestChecks(List<HasMetadata> objects, Path repository, Set<String> externalSecrets) {
    this.objects = objects;
    this.repository = repository;
    this.externalSecrets = externalSecrets;
  }

  /**
   * Every problem in one overlay's objects. {@code externalSecrets} are the Secrets the operator
   * creates outside the overlay (docs/operations.md); any other Secret must be rendered.
   */
  static List<String> check(List<HasMetadata> objects, Path repository, Set<String> externalSecrets) {
    ManifestChecks checks = new ManifestChecks(objects, repository, externalSecrets);
    checks.run();
    return checks.problems;
  }

  private void run() {
    uniqueNamesAndOneNamespace();
    for (StatefulSet sts : all(StatefulSet.class)) {
      workloads.add(new Workload(sts, sts.getSpec().getTemplate(), Objects.requireNonNullElse(sts.getSpec().getReplicas(), 1)));
    }
    for (Job job : all(Job.class)) {
      workloads.add(new Workload(job, job.getSpec().getTemplate(), 1));
    }
    for (StatefulSet sts : all(StatefulSet.class)) {
      statefulSet(sts);
    }
    for (Job job : all(Job.class)) {
      String policy = job.getSpec().getTemplate().getSpec().getRestartPolicy();
      if (!"OnFailure".equals(policy) && !"Never".equals(policy)) {
        problem(job, "a Job's pods need restartPolicy OnFailure or Never, not " + policy);
      }
    }
    for (Workload w : workloads) {
      podTemplate(w);
    }
    all(Service.class).forEach(this::service);
    all(RoleBinding.class).forEach(this::roleBinding);
    all(PodDisruptionBudget.class).forEach(this::disruptionBudget);
    all(NetworkPolicy.class).forEach(this::networkPolicy);
  }

  // ------------------------------------------------------------------ objects and namespaces

  private void uniqueNamesAndOneNamespace() {
    Set<String> seen = new HashSet<>();
    Set<String> namespaces = new TreeSet<>();
    for (HasMetadata o : objects) {
      if (!seen.add(o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName())) {
        problem(o, "rendered twice");
      }
      if (!(o instanceof Namespace)) {
        if (o.getMetadata().getNamespace() == null) {
          problem(o, "has no namespace: the overlay must set one, or it lands wherever kubectl points");
        } else {
          namespaces.add(o.getMetadata().getNamespace());
        }
      }
    }
    if (namespaces.size() > 1) {
      problems.add("objects are spread over namespaces " + namespaces + "; references between them would not resolve");
    }
    for (Namespace ns : all(Namespace.class)) {
      if (!namespaces.isEmpty() && !namespaces.contains(ns.getMetadata().getName())) {
        problem(ns, "is rendered, but the objects are in " + namespaces);
      }
    }
  }

  // ------------------------------------------------------------------ workloads

  private void statefulSet(StatefulSet sts) {
    Workload w = workload(sts);
    LabelSelector selector = sts.getSpec().getSelector();
    if (selector == null || !selects(selector, w.labels())) {
      problem(sts, "spec.selector " + describe(selector) + " does not match its pod template's labels " + w.labels()
          + " (the API rejects it)");
    }
    String serviceName = sts.getSpec().getServiceName();
    Optional<Service> governing = named(Service.class, serviceName);
    if (governing.isEmpty()) {
      problem(sts, "serviceName " + serviceName + " names no rendered Service: its pods get no DNS names");
    } else {
      Service s = governing.get();
      if (!"None".equals(s.getSpec().getClusterIP())) {
        problem(sts, "serviceName " + serviceName + " is not headless (clusterIP: None): no per-pod DNS names");
      }
      if (!selects(s.getSpec().getSelector(), w.labels())) {
        problem(sts, "its governing Service " + serviceName + " selects " + s.getSpec().getSelector()
            + ", not its pods " + w.labels());
      }
      if ("Parallel".equals(sts.getSpec().getPodManagementPolicy())
          && !Boolean.TRUE.equals(s.getSpec().getPublishNotReadyAddresses())) {
        problem(sts, "starts pods in parallel, but Service " + serviceName
            + " lists only ready pods: pods that must find each other before they are ready would not");
      }
    }
    if (sts.getSpec().getVolumeClaimTemplates() != null) {
      for (var claim : sts.getSpec().getVolumeClaimTemplates()) {
        if (claim.getSpec().getResources() == null || claim.getSpec().getResources().getRequests() == null
            || !claim.getSpec().getResources().getRequests().containsKey("storage")) {
          problem(sts, "volumeClaimTemplate " + claim.getMetadata().getName() + " requests no storage size");
        }
      }
    }
  }

  private Workload workload(HasMetadata owner) {
    return workloads.stream().filter(w -> w.owner() == owner).findFirst().orElseThrow();
  }

  private void podTemplate(Workload w) {
    var spec = w.template().getSpec();
    String account = spec.getServiceAccountName();
    if (account != null && named(ServiceAccount.class, account).isEmpty()) {
      problem(w.owner(), "serviceAccountName " + account + " names no rendered ServiceAccount: the pods would not start");
    }
    Set<String> volumes = new HashSet<>();
    if (spec.getVolumes() != null) {
      for (Volume v : spec.getVolumes()) {
        volumes.add(v.getName());
        if (v.getConfigMap() != null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())
            && named(ConfigMap.class, v.getConfigMap().getName()).isEmpty()) {
          problem(w.owner(), "volume " + v.getName() + " mounts ConfigMap " + v.getConfigMap().getName()
              + ", which is not rendered");
        }
        if (v.getSecret() != null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
          secretExists(w.owner(), v.getSecret().getSecretName(), null, "volume " + v.getName());
        }
      }
    }
    if (w.owner() instanceof StatefulSet sts && sts.getSpec().getVolumeClaimTemplates() != null) {
      sts.getSpec().getVolumeClaimTemplates().forEach(c -> volumes.add(c.getMetadata().getName()));
    }
    antiAffinity(w);
    Set<String> containerNames = new HashSet<>();
    for (Container c : w.containers()) {
      if (!containerNames.add(c.getName())) {
        problem(w.owner(), "two containers named " + c.getName());
      }
      container(w, c, volumes);
    }
  }

  private void antiAffinity(Workload w) {
    var affinity = w.template().getSpec().getAffinity();
    if (affinity == null || affinity.getPodAntiAffinity() == null) {
      return;
    }
    List<PodAffinityTerm> terms = new ArrayList<>();
    var anti = affinity.getPodAntiAffinity();
    if (anti.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
      terms.addAll(anti.getRequiredDuringSchedulingIgnoredDuringExecution());
    }
    if (anti.getPreferredDuringSchedulingIgnoredDuringExecution() != null) {
      anti.getPreferredDuringSchedulingIgnoredDuringExecution().stream().map(WeightedPodAffinityTerm::getPodAffinityTerm)
          .forEach(terms::add);
    }
    for (PodAffinityTerm term : terms) {
      if (term.getTopologyKey() == null || term.getTopologyKey().isBlank()) {
        problem(w.owner(), "a pod anti-affinity term has no topologyKey (the API rejects it)");
      }
      if (term.getLabelSelector() == null || !selects(term.getLabelSelector(), w.labels())) {
        problem(w.owner(), "pod anti-affinity selects " + describe(term.getLabelSelector())
            + ", not its own pods " + w.labels() + ": its pods would not be spread");
      }
    }
  }

  private void container(Workload w, Container c, Set<String> volumes) {
    String where = "container " + c.getName();
    Map<String, ContainerPort> ports = new LinkedHashMap<>();
    if (c.getPorts() != null) {
      for (ContainerPort p : c.getPorts()) {
        if (p.getName() != null) {
          if (p.getName().length() > 15 || !PORT_NAME.matcher(p.getName()).matches() || !p.getName().matches(".*[a-z].*")) {
            problem(w.owner(), where + ": port name " + p.getName() + " is no IANA service name (the API rejects it)");
          }
          if (ports.put(p.getName(), p) != null) {
            problem(w.owner(), where + ": two ports named " + p.getName());
          }
        }
      }
    }
    probe(w, where + " startupProbe", c.getStartupProbe(), c);
    probe(w, where + " livenessProbe", c.getLivenessProbe(), c);
    probe(w, where + " readinessProbe", c.getReadinessProbe(), c);
    if (c.getVolumeMounts() != null) {
      for (VolumeMount m : c.getVolumeMounts()) {
        if (!volumes.contains(m.getName())) {
          problem(w.owner(), where + " mounts volume " + m.getName() + ", which the pod does not have");
        }
      }
    }
    Map<String, String> environment = environment(w, c);
    List<String> commandLine = new ArrayList<>();
    if (c.getCommand() != null) {
      commandLine.addAll(c.getCommand());
    }
    if (c.getArgs() != null) {
      commandLine.addAll(c.getArgs());
    }
    Set<String> dependentVars = new TreeSet<>();
    for (String arg : commandLine) {
      Matcher m = DEPENDENT_VAR.matcher(arg);
      while (m.find()) {
        dependentVars.add(m.group(1));
        if (!environment.containsKey(m.group(1))) {
          problem(w.owner(), where + ": the command uses $(" + m.group(1) + "), which its env does not define: it would"
              + " be passed on literally");
        }
      }
    }
    configFile(w, c, environment, commandLine).ifPresent(file -> nodeConfig(w, c, file, environment, commandLine,
        dependentVars));
  }

  private void probe(Workload w, String where, Probe probe, Container c) {
    if (probe == null) {
      return;
    }
    IntOrString port = probe.getHttpGet() != null ? probe.getHttpGet().getPort()
        : probe.getTcpSocket() != null ? probe.getTcpSocket().getPort() : null;
    if (port != null && port.getStrVal() != null && findPort(c, port.getStrVal()).isEmpty()) {
      problem(w.owner(), where + " uses port " + port.getStrVal() + ", which the container does not declare");
    }
  }

  private static Optional<ContainerPort> findPort(Container c, String name) {
    return c.getPorts() == null ? Optional.empty()
        : c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst();
  }

  /**
   * The container's environment as the kubelet would set it; references to ConfigMaps and Secrets
   * are checked on the way (a missing key stops the pod from starting).
   */
  private Map<String, String> environment(Workload w, Container c) {
    String where = "container " + c.getName();
    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnvFrom() != null) {
      for (EnvFromSource from : c.getEnvFrom()) {
        if (from.getConfigMapRef() != null) {
          named(ConfigMap.class, from.getConfigMapRef().getName()).ifPresentOrElse(
              cm -> data(cm).forEach((k, v) -> env.put(Objects.requireNonNullElse(from.getPrefix(), "") + k, v)),
              () -> problem(w.owner(), where + ": envFrom ConfigMap " + from.getConfigMapRef().getName() + " is not rendered"));
        }
        if (from.getSecretRef() != null) {
          secretExists(w.owner(), from.getSecretRef().getName(), null, where + " envFrom");
        }
      }
    }
    if (c.getEnv() == null) {
      return env;
    }
    Set<String> names = new HashSet<>();
    for (EnvVar e : c.getEnv()) {
      if (!names.add(e.getName())) {
        problem(w.owner(), where + ": env " + e.getName() + " is set twice; the last one wins");
      }
      if (e.getValueFrom() == null) {
        env.put(e.getName(), Objects.requireNonNullElse(e.getValue(), ""));
        continue;
      }
      var from = e.getValueFrom();
      if (from.getFieldRef() != null) {
        String field = from.getFieldRef().getFieldPath();
        env.put(e.getName(), field.equals("status.podIP") ? POD_IP : "<" + field + ">");
      } else if (from.getConfigMapKeyRef() != null) {
        var ref = from.getConfigMapKeyRef();
        Optional<ConfigMap> cm = named(ConfigMap.class, ref.getName());
        if (cm.isEmpty()) {
          problem(w.owner(), where + ": env " + e.getName() + " reads ConfigMap " + ref.getName() + ", which is not rendered");
        } else if (!data(cm.get()).containsKey(ref.getKey())) {
          problem(w.owner(), where + ": env " + e.getName() + " reads key " + ref.getKey() + " of ConfigMap "
              + ref.getName() + ", which has only " + data(cm.get()).keySet());
        } else {
          env.put(e.getName(), data(cm.get()).get(ref.getKey()));
          continue;
        }
        env.put(e.getName(), "<missing>");
      } else if (from.getSecretKeyRef() != null) {
        secretExists(w.owner(), from.getSecretKeyRef().getName(), from.getSecretKeyRef().getKey(),
            where + ": env " + e.getName());
        env.put(e.getName(), "<secret " + from.getSecretKeyRef().getName() + ">");
      } else {
        env.put(e.getName(), "<" + e.getName() + ">");
      }
    }
    return env;
  }

  private static Map<String, String> data(ConfigMap cm) {
    return cm.getData() == null ? Map.of() : cm.getData();
  }

  private void secretExists(HasMetadata owner, String name, String key, String where) {
    Optional<Secret> secret = named(Secret.class, name);
    if (secret.isEmpty()) {
      if (!externalSecrets.contains(name)) {
        problem(owner, where + " reads Secret " + name + ", which is neither rendered nor one the operator creates "
            + externalSecrets);
      }
      return;
    }
    Set<String> keys = new HashSet<>();
    if (secret.get().getData() != null) {
      keys.addAll(secret.get().getData().keySet());
    }
    if (secret.get().getStringData() != null) {
      keys.addAll(secret.get().getStringData().keySet());
    }
    if (key != null && !keys.contains(key)) {
      problem(owner, where + " reads key " + key + " of Secret " + name + ", which has only " + keys);
    }
  }

  // ------------------------------------------------------------------ the node configuration

  /** The HOCON file the container runs with (-Dconfig.file in JAVA_OPTS or on the command line). */
  private Optional<String> configFile(Workload w, Container c, Map<String, String> env, List<String> commandLine) {
    List<String> sources = new ArrayList<>(commandLine);
    sources.add(env.getOrDefault("JAVA_OPTS", ""));
    for (String s : sources) {
      Matcher m = CONFIG_FILE.matcher(s);
      if (m.find()) {
        return Optional.of(m.group(1));
      }
    }
    return Optional.empty();
  }

  private void nodeConfig(Workload w, Container c, String file, Map<String, String> env, List<String> commandLine,
                          Set<String> dependentVars) {
    String where = "container " + c.getName();
    Path path = Path.of(file);
    String dir = path.getParent() == null ? "" : path.getParent().toString();
    Optional<ConfigMap> configMap = Optional.empty();
    if (c.getVolumeMounts() != null) {
      for (VolumeMount m : c.getVolumeMounts()) {
        if (Path.of(m.getMountPath()).toString().equals(dir) && w.template().getSpec().getVolumes() != null) {
          configMap = w.template().getSpec().getVolumes().stream()
              .filter(v -> v.getName().equals(m.getName()) && v.getConfigMap() != null)
              .findFirst().flatMap(v -> named(ConfigMap.class, v.getConfigMap().getName()));
        }
      }
    }
    if (configMap.isEmpty()) {
      problem(w.owner(), where + " runs with -Dconfig.file=" + file + ", but no rendered ConfigMap is mounted at " + dir);
      return;
    }
    String name = path.getFileName().toString();
    if (!data(configMap.get()).containsKey(name)) {
      problem(w.owner(), where + " runs with -Dconfig.file=" + file + ", but ConfigMap " + configMap.get().getMetadata()
          .getName() + " has no " + name + " (it has " + data(configMap.get()).keySet() + ")");
      return;
    }
    PodConfig pod = PodConfig.load(data(configMap.get()), name, repository);
    for (String missing : pod.missingIncludes()) {
      problem(w.owner(), where + ": " + name + " includes " + missing + ", which ConfigMap "
          + configMap.get().getMetadata().getName() + " does not hold; HOCON skips it without a word"
          + " (add it to cluster-config/kustomization.yaml)");
    }
    boolean schemaTool = commandLine.contains(SCHEMA_TOOL);
    Set<String> read = pod.environmentVariablesRead(schemaTool ? SCHEMA_TOOL_READS : List.of());
    for (String var : read) {
      if (!env.containsKey(var)) {
        problem(w.owner(), where + ": the configuration reads " + var + ", which the container does not set");
      }
    }
    Set<String> effective = pod.environmentVariablesRead(List.of());
    Set<String> named = pod.namedEnvironmentVariables();
    for (String var : env.keySet()) {
      if (!var.startsWith("WEIR_") || dependentVars.contains(var)) {
        continue;
      }
      if (!named.contains(var)) {
        problem(w.owner(), where + ": env " + var + " is set, but no configuration file names it (misspelt?)");
      } else if (!effective.contains(var)) {
        problem(w.owner(), where + ": env " + var + " is set, but a later setting in " + name + " overrides it:"
            + " it has no effect");
      }
    }
    Config config;
    try {
      config = pod.resolve(env);
    } catch (ConfigException e) {
      problem(w.owner(), where + ": the configuration does not resolve with the container's environment: "
          + e.getMessage());
      return;
    }
    if (schemaTool) {
      cassandra(w, config);
      return;
    }
    brokerNode(w, c, config);
    cassandra(w, config);
  }

  /** A broker node started by WeirServer with the k8s profile. */
  private void brokerNode(Workload w, Container c, Config config) {
    String where = "container " + c.getName();
    portMatches(w, c, "http", config, "weir.http.port");
    portMatches(w, c, "remoting", config, "akka.remote.artery.canonical.port");
    String iface = config.getString("weir.http.interface");
    if (!iface.equals("0.0.0.0") && !iface.equals(POD_IP)) {
      problem(w.owner(), where + ": weir.http.interface is " + iface + ": the client Service could not reach the API");
    }
    if (!POD_IP.equals(config.getString("akka.remote.artery.canonical.hostname"))) {
      problem(w.owner(), where + ": akka.remote.artery.canonical.hostname is "
          + config.getString("akka.remote.artery.canonical.hostname") + ", not the pod's IP: other nodes could not reach it");
    }
    if (!config.getBoolean("weir.management.enabled")) {
      problem(w.owner(), where + ": weir.management.enabled is off: no /alive, /ready or bootstrap");
      return;
    }
    portMatches(w, c, "management", config, "akka.management.http.port");
    if (!POD_IP.equals(config.getString("akka.management.http.hostname"))) {
      problem(w.owner(), where + ": akka.management.http.hostname is " + config.getString("akka.management.http.hostname")
          + ", not the pod's IP: the probes and the other nodes' bootstrap could not reach it");
    }
    String basePath = config.hasPath("akka.management.http.base-path") ? config.getString("akka.management.http.base-path") : "";
    String prefix = basePath.isEmpty() ? "/" : "/" + basePath + "/";
    probePath(w, c.getLivenessProbe(), "livenessProbe", prefix + config.getString("akka.management.health-checks.liveness-path"),
        config.getInt("akka.management.http.port"), c);
    probePath(w, c.getStartupProbe(), "startupProbe", prefix + config.getString("akka.management.health-checks.liveness-path"),
        config.getInt("akka.management.http.port"), c);
    probePath(w, c.getReadinessProbe(), "readinessProbe",
        prefix + config.getString("akka.management.health-checks.readiness-path"), config.getInt("akka.management.http.port"), c);
    if (c.getReadinessProbe() == null || c.getLivenessProbe() == null) {
      problem(w.owner(), where + ": a broker node needs both a liveness and a readiness probe");
    }
    if (!config.getBoolean("weir.management.cluster-bootstrap")) {
      return;
    }
    if (config.getBoolean("weir.cluster.self-join") || !config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
      problem(w.owner(), where + ": cluster bootstrap is on together with a self-join or seed nodes: WeirServer refuses to start");
    }
    String discovery = "akka.management.cluster.bootstrap.contact-point-discovery.";
    if (!"kubernetes-api".equals(config.getString(discovery + "discovery-method"))) {
      return;
    }
    String selector = String.format(config.getString("akka.discovery.kubernetes-api.pod-label-selector"),
        config.getString(discovery + "service-name"));
    Map<String, String> wanted = equalitySelector(selector);
    if (wanted == null) {
      problem(w.owner(), where + ": cannot read the discovery label selector " + selector);
      return;
    }
    if (!w.labels().entrySet().containsAll(wanted.entrySet())) {
      problem(w.owner(), where + ": bootstrap looks for pods labelled " + selector + ", but its pods are labelled "
          + w.labels() + ": the cluster would never form");
    }
    for (Workload other : workloads) {
      if (other != w && other.labels().entrySet().containsAll(wanted.entrySet())) {
        problem(w.owner(), where + ": bootstrap's label selector " + selector + " also finds the pods of "
            + other.describe() + ", which are no broker nodes");
      }
    }
    String portName = config.getString(discovery + "port-name");
    if (!portName.isEmpty() && findPort(c, portName).isEmpty()) {
      problem(w.owner(), where + ": bootstrap contacts the port named " + portName + ", which the container does not declare");
    }
    int required = config.getInt(discovery + "required-contact-point-nr");
    if (required > w.replicas()) {
      problem(w.owner(), where + ": bootstrap waits for " + required + " nodes before forming a cluster, but there are "
          + w.replicas() + " replicas: it would never form");
    }
    podReader(w, where);
  }

  private void portMatches(Workload w, Container c, String portName, Config config, String path) {
    Optional<ContainerPort> port = findPort(c, portName);
    int configured = config.getInt(path);
    if (port.isEmpty()) {
      problem(w.owner(), "container " + c.getName() + " declares no port named " + portName + " (" + path + " = "
          + configured + ")");
    } else if (port.get().getContainerPort() != configured) {
      problem(w.owner(), "container " + c.getName() + ": port " + portName + " is " + port.get().getContainerPort()
          + ", but the node listens on " + path + " = " + configured);
    }
  }

  private void probePath(Workload w, Probe probe, String kind, String path, int managementPort, Container c) {
    if (probe == null) {
      return;
    }
    if (probe.getHttpGet() == null) {
      problem(w.owner(), "container " + c.getName() + ": " + kind + " is not an HTTP GET of " + path);
      return;
    }
    if (!path.equals(probe.getHttpGet().getPath())) {
      problem(w.owner(), "container " + c.getName() + ": " + kind + " asks " + probe.getHttpGet().getPath()
          + ", but Akka Management answers it on " + path);
    }
    IntOrString port = probe.getHttpGet().getPort();
    int number = port.getIntVal() != null ? port.getIntVal()
        : findPort(c, port.getStrVal()).map(ContainerPort::getContainerPort).orElse(-1);
    if (number != managementPort) {
      problem(w.owner(), "container " + c.getName() + ": " + kind + " asks port " + port + ", not the management port "
          + managementPort);
    }
  }

  /** Discovery through the Kubernetes API needs the pods' account to read pods: get, watch, list. */
  private void podReader(Workload w, String where) {
    String account = Objects.requireNonNullElse(w.template().getSpec().getServiceAccountName(), "default");
    String namespace = w.owner().getMetadata().getNamespace();
    boolean granted = false;
    for (RoleBinding binding : all(RoleBinding.class)) {
      boolean boundToAccount = binding.getSubjects() != null && binding.getSubjects().stream().anyMatch(s ->
          "ServiceAccount".equals(s.getKind()) && account.equals(s.getName())
              && (s.getNamespace() == null || s.getNamespace().equals(namespace)));
      if (!boundToAccount || !"Role".equals(binding.getRoleRef().getKind())) {
        continue;
      }
      Optional<Role> role = named(Role.class, binding.getRoleRef().getName());
      if (role.isPresent() && role.get().getRules() != null
          && role.get().getRules().stream().anyMatch(ManifestChecks::readsPods)) {
        granted = true;
      }
    }
    if (!granted) {
      problem(w.owner(), where + ": its service account " + account + " is bound to no Role that may get, watch and"
          + " list pods: bootstrap's discovery would be refused");
    }
  }

  private static boolean readsPods(PolicyRule rule) {
    return rule.getApiGroups() != null && rule.getApiGroups().contains("")
        && rule.getResources() != null && (rule.getResources().contains("pods") || rule.getResources().contains("*"))
        && rule.getVerbs() != null
        && (rule.getVerbs().contains("*") || rule.getVerbs().containsAll(List.of("get", "watch", "list")));
  }

  /**
   * Where the configuration points the Cassandra driver: if the contact point is a Service rendered
   * here, it must have that port, and its Cassandra must be in the datacenter the driver expects.
   */
  private void cassandra(Workload w, Config config) {
    if (!config.hasPath("datastax-java-driver.basic.contact-points")) {
      return;
    }
    String datacenter = config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter");
    for (String contact : config.getStringList("datastax-java-driver.basic.contact-points")) {
      int colon = contact.lastIndexOf(':');
      if (colon < 0) {
        problem(w.owner(), "Cassandra contact point " + contact + " has no port");
        continue;
      }
      String host = contact.substring(0, colon).split("\\.")[0];
      int port = Integer.parseInt(contact.substring(colon + 1));
      Optional<Service> service = named(Service.class, host);
      if (service.isEmpty()) {
        continue; // a Cassandra outside this overlay
      }
      if (service.get().getSpec().getPorts().stream().noneMatch(p -> p.getPort() == port)) {
        problem(w.owner(), "Cassandra contact point " + contact + ": Service " + host + " has no port " + port);
      }
      for (Workload cassandra : workloads) {
        if (!selects(service.get().getSpec().getSelector(), cassandra.labels())) {
          continue;
        }
        for (Container c : cassandra.containers()) {
          if (c.getEnv() == null) {
            continue;
          }
          c.getEnv().stream().filter(e -> "CASSANDRA_DC".equals(e.getName())).findFirst().ifPresent(dc -> {
            if (!datacenter.equals(dc.getValue())) {
              problem(w.owner(), "the driver's local datacenter is " + datacenter + ", but " + cassandra.describe()
                  + " runs in " + dc.getValue() + ": the driver would find no local node");
            }
          });
        }
      }
    }
  }

  // ------------------------------------------------------------------ Services, RBAC, PDB, NetworkPolicy

  private void service(Service s) {
    Map<String, String> selector = s.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      problem(s, "has no selector: no endpoints");
      return;
    }
    List<Workload> selected = workloads.stream().filter(w -> selects(selector, w.labels())).toList();
    if (selected.isEmpty()) {
      problem(s, "selects " + selector + ", which no rendered pod template carries: it would have no endpoints");
    }
    for (ServicePort port : s.getSpec().getPorts()) {
      IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
      for (Workload w : selected) {
        boolean found = w.containers().stream().anyMatch(c -> c.getPorts() != null && c.getPorts().stream().anyMatch(p ->
            target.getStrVal() != null ? target.getStrVal().equals(p.getName())
                : target.getIntVal().equals(p.getContainerPort())));
        if (!found) {
          problem(s, "port " + port.getName() + " targets " + (target.getStrVal() != null ? target.getStrVal()
              : target.getIntVal()) + ", which the pods of " + w.describe() + " do not declare");
        }
      }
    }
  }

  private void roleBinding(RoleBinding binding) {
    var ref = binding.getRoleRef();
    if (!"rbac.authorization.k8s.io".equals(ref.getApiGroup())) {
      problem(binding, "roleRef.apiGroup must be rbac.authorization.k8s.io");
    }
    if ("Role".equals(ref.getKind()) && named(Role.class, ref.getName()).isEmpty()) {
      problem(binding, "binds Role " + ref.getName() + ", which is not rendered");
    }
    if (binding.getSubjects() == null || binding.getSubjects().isEmpty()) {
      problem(binding, "has no subjects");
      return;
    }
    for (Subject subject : binding.getSubjects()) {
      if ("ServiceAccount".equals(subject.getKind())) {
        Optional<ServiceAccount> account = named(ServiceAccount.class, subject.getName());
        if (account.isEmpty()) {
          problem(binding, "binds ServiceAccount " + subject.getName() + ", which is not rendered");
        } else if (subject.getNamespace() != null
            && !subject.getNamespace().equals(account.get().getMetadata().getNamespace())) {
          problem(binding, "binds ServiceAccount " + subject.getName() + " in namespace " + subject.getNamespace()
              + ", but the account is in " + account.get().getMetadata().getNamespace());
        }
      }
    }
  }

  private void disruptionBudget(PodDisruptionBudget pdb) {
    List<Workload> selected = workloads.stream().filter(w -> w.owner() instanceof StatefulSet)
        .filter(w -> selects(pdb.getSpec().getSelector(), w.labels())).toList();
    if (selected.isEmpty()) {
      problem(pdb, "selects " + describe(pdb.getSpec().getSelector()) + ", which no StatefulSet's pods carry: it protects nothing");
    }
    for (Workload w : selected) {
      IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
      IntOrString minAvailable = pdb.getSpec().getMinAvailable();
      if (maxUnavailable != null && maxUnavailable.getIntVal() != null && maxUnavailable.getIntVal() >= w.replicas()) {
        problem(pdb, "lets all " + w.replicas() + " pods of " + w.describe() + " go at once");
      }
      if (minAvailable != null && minAvailable.getIntVal() != null && minAvailable.getIntVal() >= w.replicas()) {
        problem(pdb, "keeps all " + w.replicas() + " pods of " + w.describe() + ": no node could ever be drained");
      }
    }
  }

  private void networkPolicy(NetworkPolicy policy) {
    List<Workload> selected = workloads.stream().filter(w -> selects(policy.getSpec().getPodSelector(), w.labels())).toList();
    if (selected.isEmpty()) {
      problem(policy, "selects " + describe(policy.getSpec().getPodSelector()) + ", which no rendered pod carries");
    }
    if (policy.getSpec().getIngress() == null) {
      return;
    }
    for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
      if (rule.getPorts() != null) {
        for (NetworkPolicyPort port : rule.getPorts()) {
          if (port.getPort() != null && port.getPort().getStrVal() != null) {
            for (Workload w : selected) {
              if (w.containers().stream().noneMatch(c -> findPort(c, port.getPort().getStrVal()).isPresent())) {
                problem(policy, "admits port " + port.getPort().getStrVal() + ", which the pods of " + w.describe()
                    + " do not declare");
              }
            }
          }
        }
      }
      if (rule.getFrom() != null) {
        for (NetworkPolicyPeer peer : rule.getFrom()) {
          // Peers in this namespace only (no namespaceSelector) are pods of this overlay: they must exist.
          if (peer.getPodSelector() != null && peer.getNamespaceSelector() == null
              && workloads.stream().noneMatch(w -> selects(peer.getPodSelector(), w.labels()))) {
            problem(policy, "admits pods " + describe(peer.getPodSelector()) + ", which no rendered pod template carries");
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ selectors and lookups

  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> match = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    if (!labels.entrySet().containsAll(match.entrySet())) {
      return false;
    }
    List<LabelSelectorRequirement> expressions = selector.getMatchExpressions() == null ? List.of()
        : selector.getMatchExpressions();
    if (match.isEmpty() && expressions.isEmpty()) {
      return true; // {} selects every pod
    }
    for (LabelSelectorRequirement r : expressions) {
      String value = labels.get(r.getKey());
      boolean ok = switch (r.getOperator()) {
        case "In" -> value != null && r.getValues().contains(value);
        case "NotIn" -> value == null || !r.getValues().contains(value);
        case "Exists" -> value != null;
        case "DoesNotExist" -> value == null;
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** key=value[,key=value...]; null for anything else (set-based selectors are not used here). */
  private static Map<String, String> equalitySelector(String selector) {
    Map<String, String> labels = new HashMap<>();
    for (String part : selector.split(",")) {
      String[] kv = part.trim().split("==?", 2);
      if (kv.length != 2 || kv[0].isBlank() || kv[0].contains("!")) {
        return null;
      }
      labels.put(kv[0].trim(), kv[1].trim());
    }
    return labels;
  }

  private static String describe(LabelSelector selector) {
    if (selector == null) {
      return "(none)";
    }
    return (selector.getMatchLabels() == null ? "{}" : selector.getMatchLabels().toString())
        + (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty() ? ""
        : " " + selector.getMatchExpressions());
  }

  private <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  private void problem(HasMetadata o, String message) {
    problems.add(o.getKind() + " " + o.getMetadata().getName() + ": " + message);
  }
}
