/**
 * The gateway: {@link io.livesync.gateway.GatewayVerticle} terminates WebSockets and HTTP. One
 * instance per event loop; all of an instance's state lives on its loop.
 */
package io.livesync.gateway;
