/** Authentication and authorization hooks of the gateway. Called on the event loop. */
package io.livesync.gateway.auth;
