package io.livesync.worker.resolve;

import io.livesync.worker.spi.ConflictResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * The conflict strategies by name: the four built-ins plus the custom resolvers listed in {@code
 * META-INF/services/io.livesync.worker.spi.ConflictResolver} on the class path. Built once at
 * start; {@link #forName} then fails fast on a misspelled strategy in the configuration.
 * Immutable and thread-safe.
 */
public final class Resolvers {
  /** The strategy of collections no conflict rule matches. */
  public static final String DEFAULT = FieldLwwResolver.NAME;

  private final Map<String, ConflictResolver> byName;

  private Resolvers(Map<String, ConflictResolver> byName) {
    this.byName = Collections.unmodifiableMap(byName);
  }

  /** The built-ins and every custom resolver {@link ServiceLoader} finds. */
  public static Resolvers load() {
    return load(ServiceLoader.load(ConflictResolver.class));
  }

  /** The built-ins and every custom resolver found through the given class loader. */
  public static Resolvers load(ClassLoader classLoader) {
    return load(ServiceLoader.load(ConflictResolver.class, classLoader));
  }

  private static Resolvers load(ServiceLoader<ConflictResolver> loader) {
    List<ConflictResolver> custom = new ArrayList<>();
    try {
      loader.forEach(custom::add);
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException("cannot load a custom conflict resolver listed in "
          + "META-INF/services/" + ConflictResolver.class.getName() + ": " + e.getMessage(), e);
    }
    return of(custom);
  }

  /** The built-ins plus the given custom resolvers (no class path scanning). */
  public static Resolvers of(Iterable<? extends ConflictResolver> custom) {
    Map<String, ConflictResolver> byName = new TreeMap<>();
    List<ConflictResolver> all = new ArrayList<>(List.of(new FieldLwwResolver(),
        new RecordLwwResolver(), new VersionResolver(), new ClientWinsResolver()));
    custom.forEach(all::add);
    for (ConflictResolver r : all) {
      String name = r.name();
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("conflict resolver " + r.getClass().getName()
            + " has no name; name() must return the strategy name used in configuration");
      }
      ConflictResolver previous = byName.putIfAbsent(name, r);
      if (previous != null) {
        throw new IllegalArgumentException("two conflict resolvers are named '" + name + "': "
            + previous.getClass().getName() + " and " + r.getClass().getName()
            + "; give the custom one another name");
      }
    }
    return new Resolvers(byName);
  }

  /**
   * The resolver for a strategy name.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public ConflictResolver forName(String name) {
    ConflictResolver r = name == null ? null : byName.get(name);
    if (r == null) {
      throw new IllegalArgumentException("unknown conflict strategy "
          + (name == null ? "(missing)" : "'" + name + "'") + "; known: "
          + String.join(", ", byName.keySet())
          + " (custom ones are listed in META-INF/services/" + ConflictResolver.class.getName()
          + ")");
    }
    return r;
  }

  /** The resolver of the default strategy, {@value #DEFAULT}. */
  public ConflictResolver defaultResolver() {
    return byName.get(DEFAULT);
  }

  /** Every known strategy name, sorted. */
  public Set<String> names() {
    return byName.keySet();
  }
}
