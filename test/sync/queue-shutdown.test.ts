// Queue's join(), taskDone() and shutdown() (asyncio 3.13), on both cores, in virtual
// time. The logs marked "CPython 3.13.0" were recorded by running the same program with
// asyncio (python3.13, asyncio.run) and are matched event for event.
import * as assert from "uvu/assert";
import { QueueShutDown, gather, sleep, type Coroutine } from "../../src/index.js";
import { Queue } from "../../src/sync/queue.js";
import { bothCores, caught, runIn } from "../helpers.js";

bothCores("Queue: join and shutdown", (test) => {
  // ---- join and taskDone --------------------------------------------------------------------

  test("join() waits for taskDone() of every item; two workers (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      function* worker(name: string): Coroutine<void> {
        for (;;) {
          const x = yield* q.get();
          log.push(`${name} start ${x}`);
          yield* sleep(x);
          log.push(`${name} done ${x}`);
          q.taskDone();
        }
      }
      for (const x of [30, 10, 20, 10]) q.putNowait(x);
      const ws = ["a", "b"].map((n) => loop.createTask(worker(n)));
      yield* q.join();
      log.push(`joined at ${loop.time()}`);
      for (const w of ws) w.cancel();
      yield* gather(...ws, { returnExceptions: true });
      const e = caught(() => q.taskDone());
      assert.instance(e, RangeError);
      log.push((e as Error).message);
    })());
    assert.equal(log, [
      "a start 30", "b start 10", "b done 10", "b start 20", "a done 30", "a start 10", "b done 20", "a done 10",
      "joined at 40", "taskDone() called too many times",
    ]);
  });

  test("join() is done at once with nothing unfinished; taskDone() too often is a RangeError", ({ loop }) => {
    const q = new Queue<number>();
    assert.ok(q.join().done());
    assert.throws(() => q.taskDone(), (e: unknown) => e instanceof RangeError && e.message === "taskDone() called too many times");
    q.putNowait(1);
    q.getNowait();
    runIn(loop, (function* () {
      const j1 = q.join();
      const j2 = q.join();
      assert.not.ok(j1.done());
      j1.cancel();
      loop.callLater(5, () => q.taskDone());
      yield* j2;
      assert.is(loop.time(), 5);
      assert.ok(j1.cancelled());
      assert.ok(q.join().done());
    })());
    assert.throws(() => q.taskDone(), (e: unknown) => e instanceof RangeError);
  });

  test("several joiners wake together, in the order they joined", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    runIn(loop, (function* () {
      const ts = ["j1", "j2", "j3"].map((n) => loop.createTask((function* () {
        yield* q.join();
        log.push(n);
      })()));
      yield* sleep(0);
      q.getNowait();
      q.taskDone();
      yield* sleep(0);
      log.push("one done");
      q.getNowait();
      q.taskDone();
      log.push("all done");
      yield* gather(...ts);
    })());
    assert.equal(log, ["one done", "all done", "j1", "j2", "j3"]);
  });

  // ---- shutdown -----------------------------------------------------------------------------

  test("shutdown(): waiting putters fail, getters drain what is left then fail (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<string | number>(1);
    q.putNowait("x");
    runIn(loop, (function* () {
      function* putter(name: string, v: number): Coroutine<void> {
        try {
          yield* q.put(v);
          log.push(`${name} put ${v}`);
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          log.push(`${name} put shutdown`);
        }
      }
      function* getter(name: string): Coroutine<void> {
        for (;;) {
          let x: string | number;
          try {
            x = yield* q.get();
          } catch (e) {
            if (!(e instanceof QueueShutDown)) throw e;
            log.push(`${name} get shutdown`);
            return;
          }
          log.push(`${name} got ${x}`);
          yield* sleep(0);
        }
      }
      const ts = [loop.createTask(putter("P1", 1)), loop.createTask(putter("P2", 2))];
      yield* sleep(0);
      log.push(`qsize=${q.qsize()} full=${q.full()}`);
      q.shutdown();
      log.push("shutdown");
      try {
        q.putNowait(3);
      } catch (e) {
        if (e instanceof QueueShutDown) log.push("put_nowait shutdown");
      }
      ts.push(loop.createTask(getter("G1")), loop.createTask(getter("G2")));
      yield* gather(...ts);
      try {
        q.getNowait();
      } catch (e) {
        if (e instanceof QueueShutDown) log.push("get_nowait shutdown");
      }
    })());
    assert.equal(log, [
      "qsize=1 full=true", "shutdown", "put_nowait shutdown", "P1 put shutdown", "P2 put shutdown", "G1 got x",
      "G2 get shutdown", "G1 get shutdown", "get_nowait shutdown",
    ]);
  });

  test("shutdown(true): drains the queue, counts the dropped items as done, releases join(), wakes getters (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      function* joiner(): Coroutine<void> {
        yield* q.join();
        log.push("joined");
      }
      function* getter(name: string): Coroutine<void> {
        try {
          for (;;) {
            log.push(`${name} got ${yield* q.get()}`);
            q.taskDone();
          }
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          log.push(`${name} shutdown`);
        }
      }
      const g = loop.createTask(getter("G"));
      yield* sleep(0);
      for (let i = 0; i < 3; i++) q.putNowait(i);
      log.push(`qsize=${q.qsize()}`);
      const j = loop.createTask(joiner());
      yield* sleep(0);
      log.push(`G done=${g.done()} qsize=${q.qsize()}`);
      const j2 = loop.createTask(joiner());
      q.putNowait(7);
      q.putNowait(8);
      yield* sleep(0);
      log.push(`before qsize=${q.qsize()}`);
      q.shutdown(true);
      log.push(`immediate qsize=${q.qsize()}`);
      yield* gather(g, j, j2);
      try {
        q.taskDone();
        log.push("task_done ok");
      } catch (e) {
        if (e instanceof RangeError) log.push(`task_done RangeError ${e.message}`);
      }
    })());
    assert.equal(log, [
      "qsize=3", "G got 0", "G got 1", "G got 2", "joined", "G done=false qsize=0", "G got 7", "G got 8",
      "before qsize=0", "immediate qsize=0", "joined", "G shutdown", "task_done RangeError taskDone() called too many times",
    ]);
  });

  test("shutdown(true) with items nobody got: join() returns at once; gets and puts fail (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>(2);
    runIn(loop, (function* () {
      q.putNowait(1);
      q.putNowait(2);
      const p = loop.createTask((function* () {
        try {
          yield* q.put(3);
        } catch (e) {
          log.push(`put ${(e as Error).name}`);
        }
      })());
      const j = loop.createTask((function* () {
        yield* q.join();
        log.push(`joined qsize=${q.qsize()}`);
      })());
      yield* sleep(0);
      q.shutdown(true);
      log.push(`shut qsize=${q.qsize()} empty=${q.empty()}`);
      yield* gather(p, j);
      assert.ok(q.join().done());
      const g = q.get();
      assert.ok(g.done());
      assert.instance(g.exception(), QueueShutDown);
      const pf = q.put(4);
      assert.instance(pf.exception(), QueueShutDown);
      assert.throws(() => q.getNowait(), (e: unknown) => e instanceof QueueShutDown);
      assert.throws(() => q.putNowait(5), (e: unknown) => e instanceof QueueShutDown);
    })());
    // CPython 3.13.0: join() is released before the putters are woken.
    assert.equal(log, ["shut qsize=0 empty=true", "joined qsize=0", "put QueueShutDown"]);
  });

  test("shutdown() without immediate: getNowait() and get() still take what is left", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    q.shutdown();
    assert.is(q.getNowait(), 1);
    assert.is(q.get().result(), 2);
    assert.throws(() => q.getNowait(), (e: unknown) => e instanceof QueueShutDown && /getNowait/.test(e.message));
    q.taskDone();
    q.taskDone();
  });

  test("shutdown() after a getter was woken: it still takes the item, the others fail (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const ts = ["A", "B", "C"].map((name) => loop.createTask((function* () {
        try {
          log.push(`${name} got ${yield* q.get()}`);
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          log.push(`${name} shutdown`);
        }
      })()));
      yield* sleep(0);
      q.putNowait(1);
      q.shutdown();
      log.push("shut");
      yield* gather(...ts);
    })());
    assert.equal(log, ["shut", "A got 1", "B shutdown", "C shutdown"]);
  });

  test("shutdown(true) after a getter was woken: the item is dropped, every getter fails (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new Queue<number>();
    runIn(loop, (function* () {
      const ts = ["A", "B"].map((name) => loop.createTask((function* () {
        try {
          log.push(`${name} got ${yield* q.get()}`);
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
          log.push(`${name} shutdown`);
        }
      })()));
      yield* sleep(0);
      q.putNowait(1);
      q.shutdown(true);
      log.push(`shut join done=${q.join().done()}`);
      yield* gather(...ts);
      yield* q.join();
      log.push("joined");
    })());
    assert.equal(log, ["shut join done=true", "A shutdown", "B shutdown", "joined"]);
  });
});
