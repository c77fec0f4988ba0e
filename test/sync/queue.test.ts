// Queue and LifoQueue: asyncio's (3.13 shutdown), on both cores, in virtual time. The
// interleaving logs marked "CPython 3.13.0" were recorded by running the same program
// with asyncio (python3.13, asyncio.run) and are matched event for event.
import * as assert from "uvu/assert";
import {
  CancelledError, QueueEmpty, QueueFull, QueueShutDown, TimeoutError, gather, sleep, waitFor,
  type Coroutine,
} from "../../src/index.js";
import { LifoQueue, Queue } from "../../src/sync/queue.js";
import { PriorityQueue } from "../../src/sync/priority-queue.js";
import { bothCores, caught, runIn } from "../helpers.js";


bothCores("Queue", (test) => {
  // ---- basics --------------------------------------------------------------------------

  test("FIFO order; qsize(), empty(), full(), maxsize; put()/get() on room/items are done at once", ({ loop }) => {
    const q = new Queue<number>(2);
    assert.is(q.maxsize, 2);
    assert.ok(q.empty());
    assert.not.ok(q.full());
    runIn(loop, (function* () {
      const p1 = q.put(1);
      assert.ok(p1.done());
      yield* p1;
      yield* q.put(2);
      assert.is(q.qsize(), 2);
      assert.ok(q.full());
      assert.not.ok(q.empty());
      const g = q.get();
      assert.ok(g.done());
      assert.is(g.result(), 1);
      assert.is(yield* q.get(), 2);
      assert.ok(q.empty());
    })());
    // maxsize is read-only.
    assert.throws(() => ((q as unknown as { maxsize: number }).maxsize = 5));
    assert.is(q.maxsize, 2);
  });

  test("putNowait() beyond maxsize is allowed only while not full: QueueFull; getNowait() on empty: QueueEmpty", () => {
    const q = new Queue<string>(1);
    q.putNowait("a");
    const full = caught(() => q.putNowait("b"));
    assert.instance(full, QueueFull);
    assert.is((full as Error).name, "QueueFull");
    assert.match((full as Error).message, /full/);
    assert.is(q.qsize(), 1);
    assert.is(q.getNowait(), "a");
    const empty = caught(() => q.getNowait());
    assert.instance(empty, QueueEmpty);
    assert.is((empty as Error).name, "QueueEmpty");
    assert.match((empty as Error).message, /empty/);
  });

  test("maxsize <= 0 is unbounded; a non-integer maxsize throws TypeError naming the call", () => {
    for (const m of [0, -1, Infinity]) {
      const q = new Queue<number>(m);
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      assert.not.ok(q.full());
      assert.is(q.qsize(), 1000);
      assert.is(q.maxsize, m);
    }
    assert.is(new Queue().maxsize, 0);
    for (const bad of [1.5, NaN, "3", null, {}]) {
      const e = caught(() => new Queue(bad as number));
      assert.instance(e, typeof bad === "number" ? RangeError : TypeError);
      assert.match((e as Error).message, /^new Queue\(\) expected maxsize to be an integer, got /);
    }
    assert.match((caught(() => new PriorityQueue(0.5)) as Error).message, /^new PriorityQueue\(\) expected maxsize/);
    assert.match((caught(() => new LifoQueue(0.5)) as Error).message, /^new LifoQueue\(\) expected maxsize/);
    assert.throws(() => new PriorityQueue(0, { compare: 3 as never }), (e: unknown) => e instanceof TypeError);
  });

  test("toString() as asyncio's str()", ({ loop }) => {
    const q = new Queue<number | string>(3);
    assert.is(String(q), "<Queue maxsize=3>");
    q.putNowait(1);
    q.putNowait("a");
    assert.is(String(q), `<Queue maxsize=3 _queue=[1, "a"] tasks=2>`);
    q.getNowait();
    q.getNowait();
    q.taskDone();
    runIn(loop, (function* () {
      const g = q.get();
      assert.is(String(q), "<Queue maxsize=3 _getters[1] tasks=1>");
      q.shutdown();
      assert.is(String(q), "<Queue maxsize=3 tasks=1 shutdown>");
      try {
        yield* g;
      } catch (e) {
        assert.instance(e, QueueShutDown);
      }
    })());
  });

  test("LifoQueue: last in, first out; blocked getters in arrival order", ({ loop }) => {
    const q = new LifoQueue<number>();
    for (let i = 0; i < 4; i++) q.putNowait(i);
    assert.equal([q.getNowait(), q.getNowait(), q.getNowait(), q.getNowait()], [3, 2, 1, 0]);
    const log: string[] = [];
    runIn(loop, (function* () {
      const ts = ["a", "b"].map((n) => loop.createTask((function* () {
        log.push(`${n} got ${yield* q.get()}`);
      })()));
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      for (const t of ts) yield* t;
    })());
    // Both items are in the stack when the getters run: "a" takes the top one.
    assert.equal(log, ["a got 2", "b got 1"]);
  });

  // ---- interleavings matched against CPython -----------------------------------------------

  test("backpressure, maxsize=1: one producer, two consumers (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number | null>(1);
    function* producer(): Coroutine<void> {
      for (let i = 0; i < 5; i++) {
        log.push(`put ${i}?`);
        yield* q.put(i);
        log.push(`put ${i} qsize=${q.qsize()}`);
      }
      yield* q.put(null);
      yield* q.put(null);
      log.push("producer done");
    }
    function* consumer(name: string): Coroutine<void> {
      for (;;) {
        const x = yield* q.get();
        if (x === null) {
          log.push(`${name} end`);
          return;
        }
        log.push(`${name} got ${x}`);
        yield* sleep(0);
      }
    }
    runIn(loop, (function* () {
      yield* gather(producer(), consumer("a"), consumer("b"));
    })());
    assert.equal(log, [
      "put 0?", "put 0 qsize=1", "put 1?", "a got 0", "put 1 qsize=1", "put 2?", "a got 1", "put 2 qsize=1",
      "put 3?", "a got 2", "put 3 qsize=1", "put 4?", "a got 3", "put 4 qsize=1", "a got 4", "a end",
      "producer done", "b end",
    ]);
  });

  test("three producers blocked on maxsize=2 are served FIFO (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<string>(2);
    function* prod(name: string): Coroutine<void> {
      for (let i = 0; i < 3; i++) {
        yield* q.put(`${name}${i}`);
        log.push(`${name} put ${name}${i}`);
      }
    }
    function* cons(): Coroutine<void> {
      for (let i = 0; i < 9; i++) {
        yield* sleep(1);
        log.push(`got ${yield* q.get()}`);
      }
    }
    runIn(loop, (function* () {
      yield* gather(prod("x"), prod("y"), prod("z"), cons());
    })());
    assert.equal(log, [
      "x put x0", "x put x1", "got x0", "x put x2", "got x1", "y put y0", "got x2", "z put z0", "got y0",
      "y put y1", "got z0", "z put z1", "got y1", "y put y2", "got z1", "z put z2", "got y2", "got z2",
    ]);
  });

  test("an item taken between a getter's wake-up and its step: the getter waits again, at the back (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const getter = (name: string) => loop.createTask((function* () {
        log.push(`${name} got ${yield* q.get()}`);
      })());
      const ta = getter("A");
      const tc = getter("C");
      yield* sleep(0);
      q.putNowait(1);
      log.push(`B stole ${q.getNowait()}`);
      q.putNowait(2);
      log.push(`B put 2 qsize=${q.qsize()}`);
      yield* sleep(0);
      log.push(`B after one step qsize=${q.qsize()} A=${ta.done()} C=${tc.done()}`);
      q.putNowait(3);
      yield* gather(ta, tc);
    })());
    assert.equal(log, ["B stole 1", "B put 2 qsize=1", "A got 2", "B after one step qsize=0 A=true C=false", "C got 3"]);
  });

  test("a getter cancelled after its wake-up passes it on: the item goes to the next getter (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const getter = (name: string) => loop.createTask((function* () {
        try {
          log.push(`${name} got ${yield* q.get()}`);
        } catch (e) {
          if (e instanceof CancelledError) log.push(`${name} cancelled qsize=${q.qsize()}`);
          throw e;
        }
      })());
      const ta = getter("A");
      const tc = getter("C");
      yield* sleep(0);
      q.putNowait(1);
      ta.cancel();
      log.push("B put and cancelled A");
      yield* gather(ta, tc, { returnExceptions: true });
      log.push(`end qsize=${q.qsize()}`);
    })());
    assert.equal(log, ["B put and cancelled A", "A cancelled qsize=1", "C got 1", "end qsize=0"]);
  });

  test("a getter cancelled before any wake-up leaves the line; the next put goes to the next getter", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const getter = (name: string) => loop.createTask((function* () {
        try {
          log.push(`${name} got ${yield* q.get()}`);
        } catch (e) {
          log.push(`${name} ${(e as Error).name}`);
        }
      })());
      const ta = getter("A");
      const tb = getter("B");
      yield* sleep(0);
      ta.cancel();
      yield* sleep(0);
      log.push(`getters=${String(q).includes("_getters[1]")}`);
      q.putNowait(7);
      yield* gather(ta, tb);
      log.push(`qsize=${q.qsize()}`);
    })());
    assert.equal(log, ["A CancelledError", "getters=true", "B got 7", "qsize=0"]);
  });

  test("a putter cancelled after its wake-up passes the free slot on (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>(1);
    q.putNowait(0);
    runIn(loop, (function* () {
      const putter = (name: string, v: number) => loop.createTask((function* () {
        try {
          yield* q.put(v);
          log.push(`${name} put ${v}`);
        } catch (e) {
          if (e instanceof CancelledError) log.push(`${name} cancelled full=${q.full()}`);
          throw e;
        }
      })());
      const a = putter("A", 1);
      const b = putter("B", 2);
      yield* sleep(0);
      log.push(`got ${q.getNowait()}`);
      a.cancel();
      yield* gather(a, b, { returnExceptions: true });
      log.push(`items ${q.getNowait()} qsize=${q.qsize()}`);
    })());
    assert.equal(log, ["got 0", "A cancelled full=false", "B put 2", "items 2 qsize=0"]);
  });

  test("waitFor(q.get()) times out and takes nothing: the item put later is there (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      try {
        yield* waitFor(q.get(), 10);
      } catch (e) {
        if (e instanceof TimeoutError) log.push("timeout");
      }
      q.putNowait(1);
      log.push(`qsize=${q.qsize()} got ${yield* q.get()}`);
    })());
    assert.equal(log, ["timeout", "qsize=1 got 1"]);
    assert.is(loop.time(), 10);
  });

  test("a woken putter that loses the free slot waits again, at the back (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>(1);
    q.putNowait(0);
    runIn(loop, (function* () {
      const putter = (name: string, v: number) => loop.createTask((function* () {
        yield* q.put(v);
        log.push(`${name} put ${v} qsize=${q.qsize()}`);
      })());
      const a = putter("A", 1);
      const c = putter("C", 2);
      yield* sleep(0);
      log.push(`got ${q.getNowait()}`);
      yield* q.put(9);
      log.push(`B put 9 full=${q.full()}`);
      yield* sleep(0);
      log.push(`after step: A=${a.done()} C=${c.done()}`);
      for (let i = 0; i < 3; i++) log.push(`got ${yield* q.get()}`);
      yield* gather(a, c);
    })());
    assert.equal(log, [
      "got 0", "B put 9 full=true", "after step: A=false C=false", "got 9", "C put 2 qsize=1", "got 2",
      "A put 1 qsize=1", "got 1",
    ]);
  });

  test("cancelling tasks blocked in put() and join(); waitFor(q.put()) times out and adds nothing (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<string>(1);
    q.putNowait("x");
    runIn(loop, (function* () {
      const p = loop.createTask((function* () {
        try {
          yield* q.put("y");
        } catch (e) {
          if (e instanceof CancelledError) log.push(`put cancelled qsize=${q.qsize()}`);
          throw e;
        }
      })());
      const j = loop.createTask((function* () {
        try {
          yield* q.join();
        } catch (e) {
          if (e instanceof CancelledError) log.push("join cancelled");
          throw e;
        }
      })());
      yield* sleep(0);
      p.cancel();
      j.cancel();
      yield* gather(p, j, { returnExceptions: true });
      try {
        yield* waitFor(q.put("z"), 5);
      } catch (e) {
        if (e instanceof TimeoutError) log.push("put timeout");
      }
      log.push(`get ${q.getNowait()} empty=${q.empty()}`);
      q.taskDone();
      yield* q.join();
      log.push("joined");
    })());
    assert.equal(log, ["put cancelled qsize=1", "join cancelled", "put timeout", "get x empty=true", "joined"]);
  });

  test("two producers, two consumers and a joiner with timers, maxsize=2 (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<string>(2);
    function* prod(name: string, n: number, d: number): Coroutine<void> {
      for (let i = 0; i < n; i++) {
        yield* q.put(`${name}${i}`);
        log.push(`${name}+${i} q=${q.qsize()}`);
        yield* sleep(d);
      }
    }
    function* cons(name: string, n: number, d: number): Coroutine<void> {
      for (let i = 0; i < n; i++) {
        const x = yield* q.get();
        log.push(`${name}<${x}`);
        yield* sleep(d);
        q.taskDone();
      }
    }
    function* joiner(): Coroutine<void> {
      yield* sleep(0.5);
      yield* q.join();
      log.push("joined");
    }
    runIn(loop, (function* () {
      yield* gather(prod("p", 5, 0), prod("r", 4, 2), cons("c", 5, 1), cons("d", 4, 0), joiner());
    })());
    assert.equal(log, [
      "p+0 q=1", "r+0 q=2", "c<p0", "d<r0", "p+1 q=1", "d<p1", "p+2 q=1", "d<p2", "p+3 q=1", "d<p3", "p+4 q=1",
      "c<p4", "r+1 q=1", "c<r1", "joined", "r+2 q=1", "c<r2", "r+3 q=1", "c<r3",
    ]);
  });

  // ---- the returned futures -----------------------------------------------------------------

  test("get() used as a plain future (gather, yield without *, addDoneCallback) is driven by callbacks", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const all = gather(q.get(), q.get());
      const plain = q.get();
      plain.addDoneCallback((f) => log.push(`callback ${f.result()}`));
      const yielded = loop.createTask((function* () {
        const v = yield q.get();
        log.push(`yield got ${String(v)}`);
      })());
      yield* sleep(0);
      for (let i = 1; i <= 4; i++) q.putNowait(i);
      log.push(`gather ${(yield* all).join(",")}`);
      yield* yielded;
    })());
    // Each op takes its item in a callback one iteration after the put; its listeners
    // (gather's callbacks, the done callback, the task) run one iteration later.
    assert.equal(log, ["callback 3", "yield got 4", "gather 1,2"]);
  });

  test("a get() future made early and iterated after its wake-up still gets its item", ({ loop }) => {
    const q = new Queue<string>();
    const v = runIn(loop, (function* () {
      const f = q.get();
      const other = q.get();
      q.putNowait("first");
      yield* sleep(0);
      yield* sleep(0);
      q.putNowait("second");
      const a = yield* f;
      const b = yield* other;
      return `${a} ${b}`;
    })());
    assert.is(v, "first second");
  });

  test("get().cancel(): the waiting task sees CancelledError; a wake-up already given passes on", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const f1 = q.get();
      const t1 = loop.createTask((function* () {
        try {
          yield* f1;
        } catch (e) {
          log.push(`t1 ${(e as Error).name} ${(e as Error).message}`);
        }
      })());
      const f2 = q.get();
      const f3 = q.get();
      yield* sleep(0);
      f1.cancel("stop");
      q.putNowait(10); // wakes f2
      f2.cancel(); // f2 cannot take it: f3 gets the wake-up
      assert.not.ok(f1.cancel());
      log.push(`f3 got ${yield* f3}`);
      yield* t1;
      assert.ok(f1.cancelled() && f2.cancelled());
    })());
    assert.equal(log, ["t1 CancelledError stop", "f3 got 10"]);
  });

  test("two tasks waiting on the same get() future both get the item", ({ loop }) => {
    const q = new Queue<number>();
    const r = runIn(loop, (function* () {
      const f = q.get();
      const a = loop.createTask((function* () {
        return yield* f;
      })());
      const b = loop.createTask((function* () {
        return yield* f;
      })());
      yield* sleep(0);
      q.putNowait(5);
      return [yield* a, yield* b, q.qsize()];
    })());
    assert.equal(r, [5, 5, 0]);
  });

  test("put() futures: a cancelled blocked put leaves its item out", ({ loop }) => {
    const q = new Queue<number>(1);
    q.putNowait(0);
    runIn(loop, (function* () {
      const p1 = q.put(1);
      const p2 = q.put(2);
      assert.not.ok(p1.done());
      p1.cancel();
      assert.is(q.getNowait(), 0);
      yield* p2;
      assert.is(q.qsize(), 1);
      assert.is(q.getNowait(), 2);
    })());
  });

  test("a queue is bound to the loop it first waits on", ({ loop, newLoop }) => {
    const q = new Queue<number>();
    const other = newLoop();
    runIn(loop, (function* () {
      loop.callSoon(() => q.putNowait(1));
      yield* q.get();
    })());
    q.putNowait(2);
    // Done at once: no loop needed, as asyncio.
    assert.is(runIn(other, (function* () {
      return yield* q.get();
    })()), 2);
    const e = caught(() => runIn(other, (function* () {
      return yield* q.get();
    })()));
    assert.instance(e, Error);
    assert.match((e as Error).message, /bound to a different event loop/);
  });

  test("a get()/put()/join() done at once belongs to the running loop, not the queue's bound loop", ({ loop, newLoop }) => {
    const q = new Queue<number>(1);
    const other = newLoop();
    runIn(loop, (function* () {
      loop.callSoon(() => q.putNowait(1));
      yield* q.get(); // binds q to loop
      q.taskDone();
    })());
    const loops = runIn<unknown[]>(other, (function* () {
      const put = q.put(7); // room: done at once
      const get = q.get(); // an item: done at once
      const item = yield* get;
      q.taskDone();
      const join = q.join(); // nothing unfinished: done at once
      yield* put;
      yield* join;
      // Identity, not deep equality: two loops look alike to a deep compare.
      return [put.done(), put.getLoop() === other, get.getLoop() === other, item, join.getLoop() === other];
    })());
    assert.equal(loops, [true, true, true, 7, true]);
  });

  // ---- iteration ----------------------------------------------------------------------------

  test("iter(body): consumes until shutdown; generator bodies run inline; no taskDone() for you", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>(1);
    runIn(loop, (function* () {
      const consumer = loop.createTask(q.iter(function* (x) {
        log.push(`got ${x}`);
        yield* sleep(1);
      }));
      const plain = loop.createTask(new Queue<number>().iter((x) => log.push(`never ${x}`)));
      for (let i = 0; i < 3; i++) yield* q.put(i);
      q.shutdown();
      yield* consumer;
      plain.cancel();
      yield* gather(plain, { returnExceptions: true });
      log.push(`unfinished join done=${q.join().done()}`);
    })());
    assert.equal(log, ["got 0", "got 1", "got 2", "unfinished join done=false"]);
    assert.throws(() => q.iter(3 as never), (e: unknown) => e instanceof TypeError);
  });

  test("iter(body): an error in body propagates; QueueShutDown from body is not swallowed", ({ loop }) => {
    const q = new Queue<number>();
    const other = new Queue<number>();
    other.shutdown();
    q.putNowait(1);
    const e = caught(() => runIn(loop, q.iter(() => other.putNowait(1))));
    assert.instance(e, QueueShutDown);
    assert.match((e as Error).message, /putNowait/);
  });

  test("for await (const item of q): from an async function on a real-clock loop; ends at shutdown", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const q = new Queue<number>(2);
    const got: number[] = [];
    const result = await loop.runUntilComplete((function* () {
      // Started inside a task, so the first get() binds the queue to this loop.
      const consumer = (async () => {
        for await (const x of q) got.push(x);
        return "ended";
      })();
      for (let i = 0; i < 5; i++) yield* q.put(i);
      yield* sleep(1);
      q.shutdown();
      return (yield consumer) as string;
    })());
    assert.is(result, "ended");
    assert.equal(got, [0, 1, 2, 3, 4]);
    // break ends the loop after the item it got; nothing is left waiting.
    const q2 = new Queue<number>();
    const first = await loop.runUntilComplete((function* () {
      const consumer = (async () => {
        for await (const x of q2) return x;
        return -1;
      })();
      loop.callLater(1, () => {
        q2.putNowait(1);
        q2.putNowait(2);
      });
      return (yield consumer) as number;
    })());
    assert.is(first, 1);
    assert.is(q2.qsize(), 1);
    assert.equal(String(q2), "<Queue maxsize=0 _queue=[2] tasks=2>");
  });
});
