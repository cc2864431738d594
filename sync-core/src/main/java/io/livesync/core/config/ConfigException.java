package io.livesync.core.config;

/** A configuration value that cannot work; the message names the setting and what to do. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
