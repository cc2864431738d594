package io.livesync.server;

import io.livesync.core.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the server's Vert.x on Netty's native epoll transport when this platform has it, else
 * on Java NIO, and logs which one at INFO. Epoll costs less CPU per socket write than NIO: a
 * fan-out sends one small write per subscriber socket per change, so that cost is per delivery.
 * {@code server.nativeTransport=false} forces NIO.
 */
public final class NetworkTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkTransport.class);

  private NetworkTransport() {
  }

  /** A Vert.x with default options on the transport {@link #choose} picks. */
  public static Vertx newVertx(ServerConfig server) {
    Transport transport = choose(server.nativeTransport());
    Vertx vertx = Vertx.builder().withTransport(transport).build();
    LOG.info("network transport: {}", describe(server.nativeTransport(), transport));
    return vertx;
  }

  /** Epoll when asked for and available, else NIO. */
  static Transport choose(boolean preferNative) {
    Transport epoll = Transport.EPOLL;
    return preferNative && epoll != null && epoll.available() ? epoll : Transport.NIO;
  }

  /** The log line's text: the transport and, for NIO, why. */
  static String describe(boolean preferNative, Transport chosen) {
    if (chosen != Transport.NIO) {
      return chosen.name() + " (native)";
    }
    if (!preferNative) {
      return "nio (server.nativeTransport is false)";
    }
    Transport epoll = Transport.EPOLL;
    Throwable cause = epoll == null ? null : epoll.unavailabilityCause();
    return "nio (native epoll unavailable: " + (epoll == null ? "not on the class path"
        : cause == null ? "unknown" : cause.toString()) + ")";
  }
}
