package io.livesync.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script kept as a resource next to this class, called with {@code EVALSHA}. The SHA-1 is
 * computed here, so a script is callable before {@code SCRIPT LOAD} answers; {@link RedisLink}
 * loads every script on each new connection and reloads on {@code NOSCRIPT}.
 */
public final class RedisScript {
  private final String name;
  private final String source;
  private final String sha;

  private RedisScript(String name, String source) {
    this.name = name;
    this.source = source;
    this.sha = sha1(source);
  }

  /** Reads {@code <name>.lua} from this package's resources. */
  public static RedisScript load(String name) {
    String resource = name + ".lua";
    try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing Lua script resource " + resource);
      }
      return new RedisScript(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read Lua script resource " + resource, e);
    }
  }

  public String name() {
    return name;
  }

  public String source() {
    return source;
  }

  public String sha() {
    return sha;
  }

  private static String sha1(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available", e);
    }
  }
}
