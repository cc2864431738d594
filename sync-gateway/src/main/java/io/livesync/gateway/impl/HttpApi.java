package io.livesync.gateway.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.spi.ChangesPage;
import io.livesync.core.spi.OnContext;
import io.livesync.core.spi.Store;
import io.livesync.core.spi.StoredRecord;
import io.livesync.gateway.auth.Principal;
import io.livesync.protocol.Change;
import io.livesync.protocol.Codec;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Json;
import io.livesync.protocol.MessageException;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Validation;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The HTTP half of the protocol (PROTOCOL.md 3): push, pull and the REST record API. Handlers
 * run on the gateway instance's event loop; the principal is put on the routing context by the
 * authentication handler under {@link #PRINCIPAL}.
 */
final class HttpApi {
  static final String PRINCIPAL = "livesync.principal";

  private final GatewayContext gw;

  HttpApi(GatewayContext gw) {
    this.gw = gw;
  }

  /** Mounts the API; the body must already be read (a {@code BodyHandler} earlier). */
  void mount(Router router) {
    router.post("/v1/sync/push").handler(this::push);
    router.get("/v1/sync/pull").handler(this::pull);
    router.get("/v1/collections/:collection/records").handler(this::list);
    router.get("/v1/collections/:collection/records/:id").handler(this::getRecord);
    router.put("/v1/collections/:collection/records/:id").handler(
        ctx -> restWrite(ctx, Op.INSERT));
    router.patch("/v1/collections/:collection/records/:id").handler(
        ctx -> restWrite(ctx, Op.UPDATE));
    router.delete("/v1/collections/:collection/records/:id").handler(
        ctx -> restWrite(ctx, Op.DELETE));
  }

  // ------------------------------------------------------------------ push / pull

  private void push(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    ObjectNode body = jsonObjectBody(ctx);
    JsonNode writes = body.get("writes");
    if (writes == null || !writes.isArray()) {
      throw SyncException.badRequest("the body must be {\"writes\":[write,…]}");
    }
    if (writes.size() > gw.limits().maxPushWrites()) {
      throw SyncException.tooLarge("a push holds at most " + gw.limits().maxPushWrites()
          + " writes; this one has " + writes.size() + ": split it");
    }
    List<Future<WriteResult>> results = new ArrayList<>(writes.size());
    for (JsonNode node : writes) {
      Write w;
      try {
        w = Codec.decodeWrite(node);
      } catch (MessageException e) {
        results.add(Future.succeededFuture(WriteResult.error(e.toErrorInfo())));
        continue;
      }
      results.add(gw.writes().submit(principal, w));
    }
    OnContext.hop(ctx.vertx().getOrCreateContext(), Future.join(results)).onComplete(v -> {
      ObjectNode out = Json.object();
      ArrayNode arr = out.putArray("results");
      for (Future<WriteResult> f : results) {
        arr.add(resultNode(f.result()));
      }
      json(ctx, 200, out);
    });
  }

  private static ObjectNode resultNode(WriteResult r) {
    if (r.isAck()) {
      return Codec.ackNode(r.ack()).put("type", "ack");
    }
    ObjectNode e = Codec.errorNode(r.error());
    e.put("type", "error");
    return e;
  }

  private void pull(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    String collection = Validation.collection(ctx.request().getParam("collection"));
    long since = longParam(ctx, "since", 0);
    String epoch = ctx.request().getParam("epoch");
    int limit = (int) Math.min(gw.limits().maxPageSize(), longParam(ctx, "limit",
        gw.limits().maxPageSize()));
    if (limit < 1) {
      throw SyncException.badRequest("limit must be at least 1");
    }
    requireRead(principal, collection);
    onLoop(ctx, gw.store().changesSince(collection, since, limit)).compose(page -> {
      if (CollectionSub.mustReset(since, epoch == null || epoch.isEmpty() ? null : epoch,
          page.info())) {
        return onLoop(ctx, gw.store().changesSince(collection, 0, limit))
            .map(p -> pullBody(collection, p, true));
      }
      return Future.succeededFuture(pullBody(collection, page, false));
    }).onSuccess(out -> json(ctx, 200, out)).onFailure(ctx::fail);
  }

  private static ObjectNode pullBody(String collection, ChangesPage page, boolean reset) {
    ObjectNode out = Json.object();
    out.put("collection", collection).put("epoch", page.info().epoch()).put("reset", reset);
    ArrayNode items = out.putArray("items");
    for (StoredRecord r : page.records()) {
      items.add(Codec.changeNode(Change.ofRecord(r.toSyncRecord()), false));
    }
    out.put("seq", page.cursor()).put("hasMore", page.hasMore());
    return out;
  }

  // ------------------------------------------------------------------ REST records

  private void getRecord(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    String collection = Validation.collection(ctx.pathParam("collection"));
    String id = Validation.id(ctx.pathParam("id"));
    requireRead(principal, collection);
    onLoop(ctx, gw.store().get(collection, id)).onSuccess(r -> {
      if (r == null) {
        ctx.fail(new SyncException(ErrorCode.NOT_FOUND,
            "record " + id + " does not exist in collection " + collection));
      } else {
        json(ctx, 200, Codec.recordNode(r.toSyncRecord()));
      }
    }).onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    String collection = Validation.collection(ctx.pathParam("collection"));
    String after = ctx.request().getParam("after");
    if (after != null) {
      Validation.id(after);
    }
    long limit = longParam(ctx, "limit", 100);
    if (limit < 1) {
      throw SyncException.badRequest("limit must be at least 1");
    }
    requireRead(principal, collection);
    onLoop(ctx, gw.store().list(collection, after,
        (int) Math.min(limit, gw.limits().maxPageSize()))).onSuccess(page -> {
          ObjectNode out = Json.object();
          ArrayNode items = out.putArray("items");
          for (StoredRecord r : page.records()) {
            items.add(Codec.recordNode(r.toSyncRecord()));
          }
          if (page.next() == null) {
            out.putNull("next");
          } else {
            out.put("next", page.next());
          }
          json(ctx, 200, out);
        }).onFailure(ctx::fail);
  }

  private void restWrite(RoutingContext ctx, Op op) {
    Principal principal = ctx.get(PRINCIPAL);
    String collection = Validation.collection(ctx.pathParam("collection"));
    String id = Validation.id(ctx.pathParam("id"));
    ObjectNode data = op == Op.DELETE ? null : jsonObjectBody(ctx);
    String opId = ctx.request().getHeader("Idempotency-Key");
    if (opId == null || opId.isBlank()) {
      opId = UUID.randomUUID().toString();
    }
    Long baseVersion = ctx.request().getParam("baseVersion") == null ? null
        : longParam(ctx, "baseVersion", 0);
    Write write = new Write(op, opId, collection, id, data, null, baseVersion);
    onLoop(ctx, gw.writes().submit(principal, write)).onSuccess(r -> {
      if (!r.isAck()) {
        error(ctx, r.error());
        return;
      }
      int status = r.ack().status() == WriteStatus.REJECTED ? 409 : 200;
      json(ctx, status, Codec.ackNode(r.ack()));
    });
  }

  // ------------------------------------------------------------------ helpers

  private static ObjectNode jsonObjectBody(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
      throw SyncException.badRequest("the request needs a JSON object body");
    }
    return Json.parseObject(ctx.body().asString());
  }

  private static long longParam(RoutingContext ctx, String name, long def) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isEmpty()) {
      return def;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw SyncException.badRequest(name + " must be an integer >= 0, was " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw SyncException.badRequest(name + " must be an integer >= 0, was '"
          + (v.length() > 32 ? v.substring(0, 32) : v) + "'");
    }
  }

  private static void requireRead(Principal principal, String collection) {
    if (!principal.canRead(collection)) {
      throw new SyncException(ErrorCode.FORBIDDEN, "user " + principal.user()
          + " may not read collection " + collection);
    }
  }

  private static <T> Future<T> onLoop(RoutingContext ctx, Future<T> f) {
    return OnContext.hop(ctx.vertx().getOrCreateContext(), f);
  }

  static void json(RoutingContext ctx, int status, JsonNode body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader("content-type", "application/json; charset=utf-8")
        .end(Json.write(body));
  }

  static void error(RoutingContext ctx, ErrorInfo e) {
    ObjectNode err = Json.object().put("code", e.code().wire()).put("message", e.message());
    if (e.opId() != null) {
      err.put("opId", e.opId());
    }
    ObjectNode out = Json.object();
    out.set("error", err);
    json(ctx, e.code().httpStatus(), out);
  }
}
