package io.weirmq.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns; numeric columns are right-aligned, as counts read best. */
final class Table {

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(Object... cells) {
    List<String> r = new ArrayList<>(cells.length);
    for (Object c : cells) {
      r.add(c == null ? "" : c.toString());
    }
    rows.add(r);
    return this;
  }

  void print(PrintWriter out) {
    int n = header.size();
    int[] width = new int[n];
    boolean[] numeric = new boolean[n];
    for (int i = 0; i < n; i++) {
      width[i] = header.get(i).length();
      numeric[i] = !rows.isEmpty();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
        numeric[i] &= r.get(i).matches("-?\\d+");
      }
    }
    line(out, header, width, numeric);
    for (List<String> r : rows) {
      line(out, r, width, numeric);
    }
    out.flush();
  }

  private static void line(PrintWriter out, List<String> cells, int[] width, boolean[] numeric) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      String pad = " ".repeat(width[i] - c.length());
      if (i > 0) {
        sb.append("  ");
      }
      sb.append(numeric[i] ? pad + c : (i == cells.size() - 1 ? c : c + pad));
    }
    out.println(sb);
  }
}
