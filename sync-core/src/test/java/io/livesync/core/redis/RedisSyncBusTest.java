package io.livesync.core.redis;

import static io.livesync.core.StoreFixtures.doc;
import static io.livesync.core.StoreFixtures.insert;
import static io.livesync.core.StoreFixtures.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.bus.RedisBusOptions;
import io.livesync.core.bus.RedisSyncBus;
import io.livesync.core.bus.SyncBus;
import io.livesync.core.spi.Store;
import io.livesync.core.store.RedisStore;
import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.protocol.WriteStatus;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** RedisSyncBus on a real redis-server: the write stream and the change feed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisSyncBusTest {
  private static final long AWAIT_SECONDS = 20;
  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  private Vertx vertx;
  private RedisStore store;
  private final List<SyncBus> buses = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    assertThat(redis.command("FLUSHALL")).isEqualTo("OK");
    vertx = Vertx.vertx();
    store = await(RedisStore.connect(vertx, redis.url(), RedisStoreTest.OP_RETENTION));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (SyncBus bus : buses) {
        await(bus.close());
      }
      await(store.close());
    } finally {
      await(vertx.close());
    }
  }

  private RedisSyncBus bus(RedisBusOptions options) throws Exception {
    RedisSyncBus bus = await(RedisSyncBus.connect(vertx, redis.url(), store, options));
    buses.add(bus);
    return bus;
  }

  private static RedisBusOptions options(String processId) {
    return RedisBusOptions.defaults(processId).withPollIntervalMillis(200);
  }

  private static Write write(String collection, String id) {
    return new Write(Op.INSERT, java.util.UUID.randomUUID().toString(), collection, id,
        doc("title", "milk"), "0001700000000-0000-tester", null);
  }

  private static Ack appliedAck(Write w, long seq) {
    return new Ack(w.opId(), w.collection(), w.id(), WriteStatus.APPLIED, 1, seq, null);
  }

  // ------------------------------------------------------------------ writes

  @Test
  void aSubmittedWriteReachesAWorkerAndItsAnswerComesBack() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    RedisSyncBus worker = bus(options("worker-1"));
    List<Write> received = new CopyOnWriteArrayList<>();
    await(worker.consumeWrites(in -> {
      received.add(in.write());
      in.reply(WriteResult.ack(appliedAck(in.write(), received.size())));
    }));

    Write w = write("todos", "t1");
    WriteResult result = await(gateway.submit(w));
    assertThat(result.ack()).isEqualTo(appliedAck(w, 1));
    assertThat(received).containsExactly(w);

    Write bad = write("todos", "t2");
    await(worker.close());
    buses.remove(worker);
    RedisSyncBus erring = bus(options("worker-2"));
    await(erring.consumeWrites(in -> in.reply(WriteResult.error(new io.livesync.protocol
        .ErrorInfo(ErrorCode.BAD_REQUEST, "no", in.write().opId(), in.write().collection())))));
    WriteResult error = await(gateway.submit(bad));
    assertThat(error.error().code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(error.error().opId()).isEqualTo(bad.opId());

    awaitCondition("every write acknowledged",
        () -> redis.command("XPENDING", RedisSyncBus.WRITES, RedisSyncBus.GROUP)
            .startsWith("[0,"));
  }

  @Test
  void answersGivenTogetherReachTheirGatewaysInOneMessageEachAndAreAllAcknowledged()
      throws Exception {
    RedisSyncBus gateway1 = bus(options("gateway-1"));
    RedisSyncBus gateway2 = bus(options("gateway-2"));
    RedisSyncBus worker = bus(options("worker-1"));
    int perGateway = 50;
    List<SyncBus.IncomingWrite> held = new CopyOnWriteArrayList<>();
    await(worker.consumeWrites(in -> {
      held.add(in);
      if (held.size() == 2 * perGateway) {
        // one group commit answering everything at once, in another order than received
        for (int i = held.size() - 1; i >= 0; i--) {
          held.get(i).reply(WriteResult.ack(appliedAck(held.get(i).write(), i + 1)));
        }
      }
    }));
    assertThat(redis.command("CONFIG", "RESETSTAT")).isEqualTo("OK");
    List<Write> writes = new ArrayList<>();
    List<Future<WriteResult>> results = new ArrayList<>();
    for (int i = 0; i < perGateway; i++) {
      for (RedisSyncBus gateway : List.of(gateway1, gateway2)) {
        Write w = write("todos", "t" + writes.size());
        writes.add(w);
        results.add(gateway.submit(w));
      }
    }
    for (int i = 0; i < writes.size(); i++) {
      WriteResult r = await(results.get(i));
      assertThat(r.ack().opId()).isEqualTo(writes.get(i).opId());
      assertThat(r.ack().id()).isEqualTo(writes.get(i).id());
    }
    awaitCondition("every write acknowledged",
        () -> redis.command("XPENDING", RedisSyncBus.WRITES, RedisSyncBus.GROUP)
            .startsWith("[0,"));
    String stats = redis.command("INFO", "commandstats");
    assertThat(calls(stats, "publish")).isBetween(2L, 10L);
    assertThat(calls(stats, "xack")).isBetween(2L, 10L);
  }

  private static long calls(String commandStats, String command) {
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("cmdstat_" + command + ":calls=(\\d+)").matcher(commandStats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void withoutAnyWorkerSubmitFailsUnavailableInTime() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1").withWriteTimeoutMillis(300));
    long started = System.nanoTime();
    Future<WriteResult> first = gateway.submit(write("todos", "t1"));
    Future<WriteResult> held = gateway.submit(write("todos", "t1")); // waits behind the first
    for (Future<WriteResult> f : List.of(first, held)) {
      Throwable err = awaitFailure(f);
      assertThat(err).isInstanceOf(SyncException.class);
      assertThat(((SyncException) err).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
        .isBetween(300L, 5_000L);
  }

  @Test
  void aWriteReadByAWorkerThatDiedIsClaimedByAnother() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    assertThat(redis.command("XGROUP", "CREATE", RedisSyncBus.WRITES, RedisSyncBus.GROUP, "0",
        "MKSTREAM")).isEqualTo("OK");
    Write w = write("todos", "orphan");
    Future<WriteResult> answer = gateway.submit(w);

    // A worker that reads the entry and dies before acknowledging it.
    String read = redis.command("XREADGROUP", "GROUP", RedisSyncBus.GROUP, "dead-worker",
        "COUNT", "1", "BLOCK", "10000", "STREAMS", RedisSyncBus.WRITES, ">");
    assertThat(read).contains(w.opId());
    assertThat(redis.command("XPENDING", RedisSyncBus.WRITES, RedisSyncBus.GROUP))
        .contains("dead-worker");

    RedisSyncBus survivor = bus(options("worker-2").withClaimIdleMillis(300));
    List<String> handledBy = new CopyOnWriteArrayList<>();
    await(survivor.consumeWrites(in -> {
      handledBy.add(in.write().opId());
      in.reply(WriteResult.ack(appliedAck(in.write(), 1)));
    }));

    assertThat(await(answer).ack()).isEqualTo(appliedAck(w, 1));
    assertThat(handledBy).containsExactly(w.opId());
    awaitCondition("the claimed entry is acknowledged",
        () -> redis.command("XPENDING", RedisSyncBus.WRITES, RedisSyncBus.GROUP)
            .startsWith("[0,"));
  }

  @Test
  void theStreamIsTrimmedOnlyBelowTheOldestPendingWrite() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    assertThat(redis.command("XGROUP", "CREATE", RedisSyncBus.WRITES, RedisSyncBus.GROUP, "0",
        "MKSTREAM")).isEqualTo("OK");
    Write stuck = write("todos", "stuck");
    gateway.submit(stuck);
    String read = redis.command("XREADGROUP", "GROUP", RedisSyncBus.GROUP, "dead-worker",
        "COUNT", "1", "BLOCK", "10000", "STREAMS", RedisSyncBus.WRITES, ">");
    assertThat(read).contains(stuck.opId());
    String stuckId = read.replaceAll("^\\[\\[ls:writes, \\[\\[([0-9-]+),.*$", "$1");

    RedisBusOptions noClaimFastTrim = new RedisBusOptions("worker-1", 10_000, 600_000, 200, 256,
        2048, 2_000, 100);
    RedisSyncBus worker = bus(noClaimFastTrim);
    await(worker.consumeWrites(in -> in.reply(WriteResult.ack(appliedAck(in.write(), 1)))));
    for (int i = 0; i < 3; i++) {
      await(gateway.submit(write("todos", "w" + i)));
    }
    // Trimming runs every 100 ms; after two more rounds the pending entry and everything after
    // it must still be there.
    long before = xtrimCalls();
    awaitCondition("two trim rounds", () -> xtrimCalls() >= before + 2);
    assertThat(redis.command("XLEN", RedisSyncBus.WRITES)).isEqualTo("4");
    assertThat(redis.command("XRANGE", RedisSyncBus.WRITES, "-", "+")).contains(stuck.opId());

    assertThat(redis.command("XACK", RedisSyncBus.WRITES, RedisSyncBus.GROUP, stuckId))
        .isEqualTo("1");
    awaitCondition("acknowledged writes trimmed",
        () -> redis.command("XLEN", RedisSyncBus.WRITES).equals("1"));
  }

  private static long xtrimCalls() {
    String stats = redis.command("INFO", "commandstats");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_xtrim:calls=(\\d+)")
        .matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  // ------------------------------------------------------------------ changes

  @Test
  void changesArriveInSeqOrderWithTheirDeltas() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    Recorder recorder = new Recorder();
    await(gateway.subscribe("todos", recorder));

    List<io.livesync.core.spi.Mutation> batch = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      batch.add(insert("todos", "r" + i, doc("i", i)));
    }
    redis.command("CONFIG", "RESETSTAT");
    await(store.commit(batch));
    assertThat(redis.command("INFO", "commandstats"))
        .as("the 30 changes of one commit call go out in one message")
        .contains("cmdstat_publish:calls=1,");
    await(store.commit(List.of(update("todos", "r0", 1, doc("i", 100)))));
    await(store.commit(List.of(insert("elsewhere", "x", doc()))));

    List<Change> got = recorder.awaitUntil("31 changes", l -> l.size() >= 31);
    assertThat(got).extracting(Change::seq)
        .isEqualTo(LongStream.rangeClosed(1, 31).boxed().toList());
    assertThat(got).extracting(Change::collection).containsOnly("todos");
    assertThat(got.get(5).opId()).isEqualTo(batch.get(5).opId());
    assertThat(got.get(5).data()).isEqualTo(doc("i", 5));
    assertThat(got.get(30).op()).isEqualTo(Op.UPDATE);
    assertThat(got.get(30).version()).isEqualTo(2);
  }

  @Test
  void aGapInsideAMessageOfSeveralChangesIsCaughtUp() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    Recorder recorder = new Recorder();
    await(gateway.subscribe("todos", recorder));
    await(store.commit(List.of(insert("todos", "r1", doc("i", 1)))));
    recorder.awaitUntil("seq 1", l -> l.size() == 1);
    String epoch = await(store.collection("todos")).epoch();
    // seqs 2, 3 and 4 stored by hand; one message announces 2 and 4, so 3 was lost
    for (int seq = 2; seq <= 4; seq++) {
      redis.command("HSET", "ls:{todos}:rec:r" + seq, "v", "1", "s", Integer.toString(seq),
          "u", "1", "d", "0", "j", "{\"data\":{\"i\":" + seq + "},\"version\":1,"
              + "\"ts\":\"0001700000000-0000-tester\",\"deleted\":false,\"updatedAt\":1}");
      redis.command("ZADD", "ls:{todos}:idx", Integer.toString(seq), "r" + seq);
      redis.command("ZADD", "ls:{todos}:live", "0", "r" + seq);
      redis.command("INCR", "ls:{todos}:seq");
    }
    redis.command("PUBLISH", "ls:{todos}:changes", "[" + change("r2", 2, epoch) + ","
        + change("r4", 4, epoch) + "]");

    List<Change> got = recorder.awaitUntil("seqs 1 to 4", l -> l.size() == 4);
    assertThat(got).extracting(Change::seq).containsExactly(1L, 2L, 3L, 4L);
    assertThat(got.get(1).op()).as("seq 2 came live").isEqualTo(Op.UPDATE);
    assertThat(got.get(2).op()).as("3 and 4 came from the catch-up").isEqualTo(Op.INSERT);
    assertThat(got.get(2).data()).isEqualTo(doc("i", 3));
  }

  private static String change(String id, long seq, String epoch) {
    return "{\"type\":\"change\",\"collection\":\"todos\",\"id\":\"" + id + "\","
        + "\"op\":\"update\",\"data\":{\"i\":" + seq + "},\"version\":1,\"seq\":" + seq
        + ",\"ts\":\"0001700000000-0000-tester\",\"epoch\":\"" + epoch + "\"}";
  }

  @Test
  void twoHandlersShareOneSubscriptionAndUnsubscribeIndependently() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    SyncBus.Subscription s1 = await(gateway.subscribe("todos", first));
    await(gateway.subscribe("todos", second));
    assertThat(redis.command("PUBSUB", "NUMSUB", "ls:{todos}:changes"))
        .isEqualTo("[ls:{todos}:changes, 1]");

    await(store.commit(List.of(insert("todos", "a", doc()))));
    first.awaitUntil("seq 1", l -> l.size() == 1);
    second.awaitUntil("seq 1", l -> l.size() == 1);
    await(s1.unsubscribe());
    await(store.commit(List.of(insert("todos", "b", doc()))));
    second.awaitUntil("seq 2", l -> l.size() == 2);
    assertThat(first.awaitUntil("still seq 1 only", l -> true)).hasSize(1);
  }

  @Test
  void changesLostWhileThePubSubConnectionWasKilledAreCaughtUp() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    Recorder recorder = new Recorder();
    await(gateway.subscribe("todos", recorder));
    for (int i = 1; i <= 5; i++) {
      await(store.commit(List.of(insert("todos", "r" + i, doc("i", i)))));
    }
    recorder.awaitUntil("the first 5", l -> l.size() == 5);

    assertThat(redis.command("CLIENT", "KILL", "TYPE", "pubsub")).isNotEqualTo("0");
    for (int i = 6; i <= 10; i++) {
      await(store.commit(List.of(insert("todos", "r" + i, doc("i", i)))));
    }

    List<Change> got = recorder.awaitUntil("all 10 records",
        l -> l.stream().map(Change::id).distinct().count() == 10);
    List<Long> seqs = got.stream().map(Change::seq).toList();
    assertThat(seqs).as("in seq order, none twice").isSorted().doesNotHaveDuplicates();
    assertThat(seqs).containsAll(LongStream.rangeClosed(1, 10).boxed().toList());
    Change tenth = got.stream().filter(c -> c.seq() == 10).findFirst().orElseThrow();
    assertThat(tenth.id()).isEqualTo("r10");
    assertThat(tenth.data()).isEqualTo(doc("i", 10));
  }

  /**
   * A gateway adds what its feed delivered ({@code e} epoch, {@code s} seq) to the writes it
   * appends only while that is news: from a reconnect of its pub/sub connection (Redis may have
   * come back without its last writes) until a live change continues from that seq. No worker
   * runs, so the entries stay in the stream to be looked at.
   */
  @Test
  void aGatewayTellsWhatItDeliveredFromAReconnectUntilTheHistoryGoesOn() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    Recorder recorder = new Recorder();
    await(gateway.subscribe("todos", recorder));
    for (int i = 1; i <= 3; i++) {
      await(store.commit(List.of(insert("todos", "r" + i, doc("i", i)))));
    }
    recorder.awaitUntil("seqs 1 to 3", l -> l.size() == 3);
    String epoch = await(store.collection("todos")).epoch();

    gateway.submit(write("todos", "connected-all-along"));
    assertThat(lastEntry("connected-all-along")).doesNotContain(", e, ");

    assertThat(redis.command("CLIENT", "KILL", "TYPE", "pubsub")).isNotEqualTo("0");
    // A write submitted before the gateway has noticed the kill is appended as before, without
    // the fields (a run of .ci/run once submitted one that early); one submitted while it
    // reconnects is refused. Nothing is committed meanwhile, so every write appended after the
    // reconnect must carry them: wait for the first one, each attempt a record of its own.
    int[] attempt = {0};
    String[] told = new String[1];
    awaitCondition("a write appended after the reconnect, with the fields", () -> {
      gateway.submit(write("todos", "after-reconnect-" + ++attempt[0]));
      told[0] = redis.command("XREVRANGE", RedisSyncBus.WRITES, "+", "-", "COUNT", "1");
      return told[0].contains("after-reconnect") && told[0].contains(", e, ");
    });
    assertThat(told[0]).endsWith(", e, " + epoch + ", s, 3]]]");

    // a change that continues from seq 3 arrives live (a catch-up racing the reconnect may
    // deliver the first ones instead, so at most a few): the gateway stops telling
    for (int seq = 4; seq <= 8; seq++) {
      await(store.commit(List.of(insert("todos", "r" + seq, doc("i", seq)))));
      int delivered = seq;
      recorder.awaitUntil("seq " + seq, l -> l.get(l.size() - 1).seq() == delivered);
      gateway.submit(write("todos", "after-" + seq));
      if (!lastEntry("after-" + seq).contains(", e, ")) {
        return;
      }
    }
    throw new AssertionError("the gateway kept adding its witness after 5 live changes");
  }

  /** The newest stream entry, once it is the write to record {@code id}. */
  private static String lastEntry(String id) {
    String[] last = new String[1];
    awaitCondition("the entry of " + id, () -> {
      last[0] = redis.command("XREVRANGE", RedisSyncBus.WRITES, "+", "-", "COUNT", "1");
      return last[0].contains("\"id\":\"" + id + "\"");
    });
    return last[0];
  }

  @Test
  void aLostLastMessageIsNoticedByThePoll() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    Recorder recorder = new Recorder();
    await(gateway.subscribe("todos", recorder));

    // A commit whose PUBLISH never reached anyone: the record and seq, written by hand.
    redis.command("HSET", "ls:{todos}:rec:ghost", "v", "1", "s", "1", "u", "1", "d", "0",
        "j", "{\"data\":{\"x\":1},\"version\":1,\"ts\":\"0001700000000-0000-tester\","
            + "\"deleted\":false,\"updatedAt\":1}");
    redis.command("ZADD", "ls:{todos}:idx", "1", "ghost");
    redis.command("ZADD", "ls:{todos}:live", "0", "ghost");
    redis.command("INCR", "ls:{todos}:seq");

    Change c = recorder.awaitUntil("the ghost change", l -> l.size() == 1).get(0);
    assertThat(c.id()).isEqualTo("ghost");
    assertThat(c.seq()).isEqualTo(1);
    assertThat(c.op()).as("a catch-up item carries the full state").isEqualTo(Op.INSERT);
    assertThat(c.data()).isEqualTo(doc("x", 1));
  }

  @Test
  void aReplacedHistoryIsToldToTheSubscriberBeforeItsChanges() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    List<String> events = new ArrayList<>();
    Recorder recorder = new Recorder() {
      @Override
      public synchronized void handle(Change c) {
        events.add("seq " + c.seq() + " " + c.id());
        super.handle(c);
      }
    };
    await(gateway.subscribe("todos", recorder, epoch -> {
      synchronized (recorder) {
        events.add("epoch " + epoch);
      }
    }));
    for (int i = 1; i <= 3; i++) {
      await(store.commit(List.of(insert("todos", "old" + i, doc()))));
    }
    recorder.awaitUntil("the old history", l -> l.size() == 3);

    assertThat(redis.command("FLUSHALL")).isEqualTo("OK");
    await(store.commit(List.of(insert("todos", "new1", doc()))));
    recorder.awaitUntil("the new history's first change", l -> l.size() == 4);

    String epoch = await(store.collection("todos")).epoch();
    synchronized (recorder) {
      assertThat(events).containsExactly("seq 1 old1", "seq 2 old2", "seq 3 old3",
          "epoch " + epoch, "seq 1 new1");
    }
  }

  @Test
  void aWorkerWhoseConsumerGroupVanishedCreatesItAgain() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1").withWriteTimeoutMillis(20_000));
    RedisSyncBus worker = bus(options("worker-1"));
    await(worker.consumeWrites(in -> in.reply(WriteResult.ack(appliedAck(in.write(), 1)))));
    Write before = write("todos", "before");
    assertThat(await(gateway.submit(before)).ack()).isEqualTo(appliedAck(before, 1));

    // a flushed Redis (or one back from a snapshot older than the group) has no group: a worker
    // that only retried its read would never see a write again
    assertThat(redis.command("FLUSHALL")).isEqualTo("OK");
    Write after = write("todos", "after");
    assertThat(await(gateway.submit(after)).ack()).isEqualTo(appliedAck(after, 1));
    assertThat(redis.command("XINFO", "GROUPS", RedisSyncBus.WRITES))
        .contains(RedisSyncBus.GROUP);
  }

  @Test
  void handlersRunOnTheSubscribersContext() throws Exception {
    RedisSyncBus gateway = bus(options("gateway-1"));
    io.vertx.core.Context subscriberContext = vertx.getOrCreateContext();
    CompletableFuture<Boolean> onContext = new CompletableFuture<>();
    CompletableFuture<Void> subscribed = new CompletableFuture<>();
    subscriberContext.runOnContext(v -> gateway.subscribe("todos",
            c -> onContext.complete(io.vertx.core.Vertx.currentContext() == subscriberContext))
        .onComplete(ar -> subscribed.complete(null)));
    subscribed.get(AWAIT_SECONDS, TimeUnit.SECONDS);
    await(store.commit(List.of(insert("todos", "a", doc()))));
    assertThat(onContext.get(AWAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  // ------------------------------------------------------------------ helpers

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static Throwable awaitFailure(Future<?> future) throws Exception {
    try {
      Object v = future.toCompletionStage().toCompletableFuture()
          .get(AWAIT_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /**
   * Polls Redis state on the test thread until the condition holds, for at most {@link
   * #AWAIT_SECONDS}: an XACK sent after the reply signals nothing the test can wait on.
   */
  private static void awaitCondition(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** Records delivered changes; the test thread waits on it for a condition. */
  private static class Recorder implements Handler<Change> {
    private final List<Change> changes = new ArrayList<>();

    @Override
    public synchronized void handle(Change c) {
      changes.add(c);
      notifyAll();
    }

    synchronized List<Change> awaitUntil(String what, Predicate<List<Change>> condition)
        throws InterruptedException {
      long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(AWAIT_SECONDS);
      while (!condition.test(changes)) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError("timed out waiting for " + what + "; got " + changes);
        }
        wait(left);
      }
      return List.copyOf(changes);
    }
  }
}
