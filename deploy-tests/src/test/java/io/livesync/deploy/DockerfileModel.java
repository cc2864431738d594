package io.livesync.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Dockerfile read into stages and instructions: enough to check what the image relies on (the
 * jar it copies, its user, ports, environment, volumes, entrypoint) without a Docker engine.
 * Handles comments, line continuations, exec-form JSON arrays and {@code KEY=VALUE} lists.
 */
final class DockerfileModel {

  record Instruction(String keyword, String args, int line) {
  }

  record Stage(String image, String name, List<Instruction> instructions) {

    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Instruction last(String keyword) {
      List<Instruction> list = all(keyword);
      if (list.isEmpty()) {
        throw new AssertionError("stage " + (name == null ? image : name) + " has no "
            + keyword);
      }
      return list.get(list.size() - 1);
    }

    String workdir() {
      List<Instruction> list = all("WORKDIR");
      return list.isEmpty() ? "/" : list.get(list.size() - 1).args();
    }

    /** ENV values of this stage, later ones winning. */
    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      for (Instruction i : all("ENV")) {
        List<String> words = words(i.args());
        if (!words.isEmpty() && !words.get(0).contains("=")) {
          env.put(words.get(0), String.join(" ", words.subList(1, words.size())));
          continue;
        }
        for (String w : words) {
          int eq = w.indexOf('=');
          if (eq <= 0) {
            throw new AssertionError("line " + i.line() + ": cannot read ENV " + i.args());
          }
          env.put(w.substring(0, eq), unquote(w.substring(eq + 1)));
        }
      }
      return env;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  final List<Stage> stages;

  DockerfileModel(String text) {
    this.stages = parse(text);
  }

  Stage runtime() {
    return stages.get(stages.size() - 1);
  }

  Stage stage(String name) {
    return stages.stream().filter(s -> name.equals(s.name())).findFirst()
        .orElseThrow(() -> new AssertionError("no stage named " + name));
  }

  private static List<Stage> parse(String text) {
    List<Stage> stages = new ArrayList<>();
    List<Instruction> current = null;
    StringBuilder pending = new StringBuilder();
    int startLine = 0;
    String[] lines = text.split("\\R", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n];
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.length() == 0)) {
        continue;
      }
      if (pending.length() == 0) {
        startLine = n + 1;
      }
      boolean continues = trimmed.endsWith("\\");
      pending.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed)
          .append(' ');
      if (continues) {
        continue;
      }
      String full = pending.toString().strip();
      pending.setLength(0);
      if (full.isEmpty()) {
        continue;
      }
      String[] kw = full.split("\\s+", 2);
      Instruction ins = new Instruction(kw[0].toUpperCase(Locale.ROOT),
          kw.length > 1 ? kw[1].strip() : "", startLine);
      if (ins.keyword().equals("FROM")) {
        List<String> w = words(ins.args()).stream().filter(s -> !s.startsWith("--")).toList();
        String name = w.size() >= 3 && w.get(1).equalsIgnoreCase("AS") ? w.get(2) : null;
        current = new ArrayList<>();
        stages.add(new Stage(w.get(0), name, current));
      } else if (current == null) {
        if (!ins.keyword().equals("ARG")) {
          throw new AssertionError("line " + ins.line() + ": " + ins.keyword()
              + " before the first FROM");
        }
      } else {
        current.add(ins);
      }
    }
    if (stages.isEmpty()) {
      throw new AssertionError("the Dockerfile has no FROM");
    }
    return List.copyOf(stages);
  }

  /** An exec-form argument list (a JSON array), or an error for the shell form. */
  static List<String> execForm(Instruction i) {
    try {
      return JSON.readValue(i.args(), new TypeReference<List<String>>() { });
    } catch (Exception e) {
      throw new AssertionError("line " + i.line() + ": " + i.keyword()
          + " must use the exec form (a JSON array) so java is PID 1 and gets SIGTERM, was: "
          + i.args());
    }
  }

  /** VOLUME's paths, JSON array or plain words. */
  static List<String> paths(Instruction i) {
    return i.args().startsWith("[") ? execForm(i) : words(i.args());
  }

  /** COPY's flags and operands: flags start with --, the last operand is the destination. */
  static Map<String, String> flags(Instruction i) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (String w : words(i.args())) {
      if (w.startsWith("--")) {
        int eq = w.indexOf('=');
        flags.put(eq < 0 ? w.substring(2) : w.substring(2, eq), eq < 0 ? "" : w.substring(eq + 1));
      }
    }
    return flags;
  }

  static List<String> operands(Instruction i) {
    return words(i.args()).stream().filter(w -> !w.startsWith("--")).toList();
  }

  static List<String> words(String s) {
    return Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"")
        || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }
}
