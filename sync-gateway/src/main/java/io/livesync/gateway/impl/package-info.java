/**
 * Connection state confined to one gateway instance's event loop: connections, subscriptions,
 * fan-out, the HTTP handlers. Store and bus futures are hopped back onto that loop before they
 * touch any state here.
 */
package io.livesync.gateway.impl;
