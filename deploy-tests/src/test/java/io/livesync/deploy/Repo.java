package io.livesync.deploy;

import io.livesync.core.config.ConfigLoader;
import io.livesync.core.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The repository around this module, and what the server and its build really do. */
final class Repo {

  /** The repository root: the parent of this module (Maven runs tests in the module). */
  static final Path ROOT = Path.of(System.getProperty("basedir", "."))
      .toAbsolutePath().normalize().getParent();

  private Repo() {
  }

  static Path path(String relative) {
    return ROOT.resolve(relative);
  }

  static String read(String relative) {
    try {
      return Files.readString(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The server's defaults, exactly as it computes them with no file and no environment. */
  static ServerConfig serverDefaults() {
    return ConfigLoader.load(null, Map.of()).server();
  }

  /** The names of every environment variable the server reads. */
  static java.util.Set<String> serverEnvNames() {
    return ConfigLoader.ENV.keySet();
  }

  /**
   * The file name of the runnable jar that {@code mvn package} writes for the sync-server
   * module: the shade plugin's {@code <outputFile>} when set, else {@code <build><finalName>},
   * else Maven's default {@code artifactId-version}.
   */
  static String serverJarFileName() {
    Element project = pom("sync-server/pom.xml");
    NodeList outputs = project.getElementsByTagName("outputFile");
    if (outputs.getLength() > 0) {
      String path = outputs.item(0).getTextContent().trim();
      return path.substring(path.lastIndexOf('/') + 1);
    }
    String artifactId = child(project, "artifactId");
    String version = child(project, "version");
    if (version == null) {
      version = child(firstElement(project, "parent"), "version");
    }
    Element build = firstElement(project, "build");
    String finalName = build == null ? null : child(build, "finalName");
    String name = finalName == null ? artifactId + "-" + version : finalName
        .replace("${project.artifactId}", artifactId)
        .replace("${project.version}", version);
    return name + ".jar";
  }

  /** The modules of the root reactor. */
  static List<String> reactorModules() {
    Element modules = firstElement(pom("pom.xml"), "modules");
    List<String> out = new ArrayList<>();
    if (modules != null) {
      NodeList list = modules.getElementsByTagName("module");
      for (int i = 0; i < list.getLength(); i++) {
        out.add(list.item(i).getTextContent().trim());
      }
    }
    return out;
  }

  /**
   * The classifiers of a module's direct dependency on {@code groupId:artifactId}, one per
   * declaration ({@code ""} for none), in pom order.
   */
  static List<String> dependencyClassifiers(String pomPath, String groupId, String artifactId) {
    List<String> out = new ArrayList<>();
    Element dependencies = firstElement(pom(pomPath), "dependencies");
    if (dependencies == null) {
      return out;
    }
    for (Node n = dependencies.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element d && groupId.equals(child(d, "groupId"))
          && artifactId.equals(child(d, "artifactId"))) {
        String classifier = child(d, "classifier");
        out.add(classifier == null ? "" : classifier);
      }
    }
    return out;
  }

  private static Element pom(String relative) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document doc = f.newDocumentBuilder().parse(path(relative).toFile());
      return doc.getDocumentElement();
    } catch (Exception e) {
      throw new AssertionError("cannot read " + relative + ": " + e, e);
    }
  }

  private static Element firstElement(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static String child(Element parent, String name) {
    Element e = firstElement(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }
}
