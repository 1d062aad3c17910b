package io.weirmq.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code GET /metrics} answer, parsed from Prometheus' text format as a scraper reads it: each
 * sample by name and labels. Labels are put in name order, so {@code key} is the same whatever
 * order the server wrote them in.
 */
final class Scrape {

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  final String text;
  private final Map<String, Double> samples = new LinkedHashMap<>();

  private Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      double value = Double.parseDouble(line.substring(space + 1));
      int brace = series.indexOf('{');
      if (brace < 0) {
        samples.put(series, value);
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      Matcher m = LABEL.matcher(series.substring(brace + 1, series.length() - 1));
      while (m.find()) {
        labels.put(m.group(1), m.group(2));
      }
      samples.put(key(series.substring(0, brace), labels), value);
    }
  }

  static Scrape of(HttpTestServer api) {
    HttpTestServer.Reply r = api.get("/metrics");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/plain").contains("version=0.0.4");
    return new Scrape(r.body());
  }

  static String key(String name, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(name).append('{');
    new TreeMap<>(labels).forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
    return b.append('}').toString();
  }

  /** A queue's sample: {@code name{queue="...",vhost="/"}}. */
  static String queue(String name, String queue) {
    return key(name, Map.of("vhost", "/", "queue", queue));
  }

  boolean has(String key) {
    return samples.containsKey(key);
  }

  /** The sample's value; fails naming the sample when the scrape does not have it. */
  double value(String key) {
    assertThat(samples).as("scrape:\n%s", text).containsKey(key);
    return samples.get(key);
  }

  /** A sample without labels, or 0 when absent. */
  double plain(String name) {
    return samples.getOrDefault(name, 0.0);
  }

  /** Whether any sample names this queue. */
  boolean mentionsQueue(String queue) {
    return samples.keySet().stream().anyMatch(k -> k.contains("queue=\"" + queue + "\""));
  }
}
