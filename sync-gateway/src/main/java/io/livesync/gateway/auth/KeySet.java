package io.livesync.gateway.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One generation of verification keys: the Vert.x provider that checks signatures, the
 * algorithms its keys pin (a token naming any other algorithm is refused before verification)
 * and the key ids it knows. Immutable and thread-safe; a JWKS refresh builds a new one.
 */
record KeySet(JWTAuth provider, Set<String> algorithms, Set<String> kids) {

  static KeySet of(Vertx vertx, List<PubSecKeyOptions> pubSec, List<JsonObject> jwks,
      JWTOptions options) {
    Set<String> algorithms = new HashSet<>();
    Set<String> kids = new HashSet<>();
    pubSec.forEach(k -> algorithms.add(k.getAlgorithm()));
    for (JsonObject jwk : jwks) {
      algorithms.add(jwk.getString("alg"));
      if (jwk.getValue("kid") instanceof String kid) {
        kids.add(kid);
      }
    }
    JWTAuthOptions auth = new JWTAuthOptions().setJWTOptions(options)
        .setPubSecKeys(pubSec).setJwks(jwks);
    return new KeySet(JWTAuth.create(vertx, auth), Set.copyOf(algorithms), Set.copyOf(kids));
  }

  /** True when a token's kid names no key of this set although the set has named keys. */
  boolean unknownKid(String kid) {
    return kid != null && !kids.isEmpty() && !kids.contains(kid);
  }
}
