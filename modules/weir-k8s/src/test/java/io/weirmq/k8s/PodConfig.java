package io.weirmq.k8s;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node's HOCON configuration as a pod sees it: the file named by {@code -Dconfig.file} in a
 * ConfigMap mounted as a directory (includes relative to it), over the reference.conf files of
 * WeirMQ's modules, resolved against the container's environment only (never the build machine's).
 */
final class PodConfig {

  private static final Pattern INCLUDE =
      Pattern.compile("(?m)^\\s*include\\s+(?:required\\(\\s*)?(?:file\\(\\s*)?\"([^\"]+)\"");
  /** {@code ${VAR}} and {@code ${?VAR}} where VAR looks like an environment variable (no dots, upper case). */
  private static final Pattern ENV_SUBSTITUTION = Pattern.compile("\\$\\{\\??\\s*([A-Z_][A-Z0-9_]*)\\s*}");

  private final Config unresolved;
  private final Map<String, String> texts;
  private final List<String> missingIncludes;

  private PodConfig(Config unresolved, Map<String, String> texts, List<String> missingIncludes) {
    this.unresolved = unresolved;
    this.texts = texts;
    this.missingIncludes = missingIncludes;
  }

  /**
   * Writes the ConfigMap's files to a directory as the kubelet mounts them and parses {@code file}
   * there, over the reference.conf files of the repository's modules.
   */
  static PodConfig load(Map<String, String> configMapData, String file, Path repository) {
    Path dir;
    try {
      dir = Files.createTempDirectory("weir-k8s-config");
      try {
        for (var entry : configMapData.entrySet()) {
          Files.writeString(dir.resolve(entry.getKey()), entry.getValue());
        }
        Config application = ConfigFactory.parseFile(dir.resolve(file).toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false));
        Map<String, String> texts = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        collectIncludes(file, configMapData, texts, missing);
        Config reference = ConfigFactory.empty();
        for (Path conf : referenceConfs(repository)) {
          reference = reference.withFallback(ConfigFactory.parseFile(conf.toFile()));
          texts.put(repository.relativize(conf).toString(), Files.readString(conf));
        }
        return new PodConfig(application.withFallback(reference), texts, missing);
      } finally {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The reference.conf of every module: on the node's class path, and they read environment variables too. */
  private static List<Path> referenceConfs(Path repository) throws IOException {
    try (Stream<Path> modules = Files.list(repository.resolve("modules"))) {
      return modules.map(m -> m.resolve("src/main/resources/reference.conf")).filter(Files::isRegularFile).sorted()
          .toList();
    }
  }

  /** Follows include statements through the ConfigMap's files; HOCON skips a missing one without a word. */
  private static void collectIncludes(String file, Map<String, String> data, Map<String, String> texts,
                                      List<String> missing) {
    if (texts.containsKey(file)) {
      return;
    }
    String text = data.get(file);
    if (text == null) {
      missing.add(file);
      return;
    }
    texts.put(file, text);
    Matcher m = INCLUDE.matcher(text);
    while (m.find()) {
      collectIncludes(m.group(1), data, texts, missing);
    }
  }

  /** Files included (directly or not) that the ConfigMap does not hold. */
  List<String> missingIncludes() {
    return missingIncludes;
  }

  /** Every environment variable any of the files names in a substitution. */
  Set<String> namedEnvironmentVariables() {
    Set<String> names = new TreeSet<>();
    for (String text : texts.values()) {
      Matcher m = ENV_SUBSTITUTION.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * The environment variables that change the resolved configuration under {@code paths} (all of it
   * when empty): each variable gets a unique marker value, and a variable counts if its marker shows
   * up. A variable overridden later in the files (cluster.conf's WEIR_SELF_JOIN under the k8s
   * profile) does not count.
   */
  Set<String> environmentVariablesRead(List<String> paths) {
    Map<String, String> markers = new LinkedHashMap<>();
    for (String name : namedEnvironmentVariables()) {
      markers.put(name, "@@" + name + "@@");
    }
    Config resolved = resolve(markers);
    for (String name : markers.keySet()) {
      resolved = resolved.withoutPath(name); // the markers themselves, not what they fed
    }
    String rendered;
    if (paths.isEmpty()) {
      rendered = resolved.root().render(ConfigRenderOptions.concise());
    } else {
      StringBuilder sb = new StringBuilder();
      for (String path : paths) {
        if (resolved.hasPath(path)) {
          sb.append(resolved.getValue(path).render(ConfigRenderOptions.concise())).append('\n');
        }
      }
      rendered = sb.toString();
    }
    Set<String> read = new TreeSet<>();
    markers.forEach((name, marker) -> {
      if (rendered.contains(marker)) {
        read.add(name);
      }
    });
    return read;
  }

  /** The configuration resolved with exactly these environment variables set. */
  Config resolve(Map<String, String> environment) {
    return unresolved.withFallback(ConfigFactory.parseMap(environment, "container environment"))
        .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
  }
}
