// The seeded shuffle ({ shuffle: seed }): each ready batch in a seeded order, the same on
// both cores, never across batches; withShuffle names the seed that failed.
import * as assert from "uvu/assert";
import { test } from "uvu";
import { EventLoop, Lock, gather, getRunningLoop, runSync, sleep, type Coroutine } from "../../src/index.js";
import { withShuffle } from "../../src/testing/index.js";
import { bothCores, CORES } from "../helpers.js";

/**
 * Starts 20 tasks in one batch, each stepping twice (a sleep(0) between); returns
 * [label, iteration] in run order.
 */
function order(loop: EventLoop): [string, number][] {
  const log: [string, number][] = [];
  let iteration = 0;
  for (let i = 0; i < 20; i++) {
    loop.createTask((function* (): Coroutine<void> {
      log.push([`a${i}`, iteration]);
      yield* sleep(0);
      log.push([`b${i}`, iteration]);
    })());
  }
  for (let k = 0; k < 3; k++) {
    loop._runOnce();
    iteration++;
  }
  return log;
}

bothCores("shuffle: seeded batch order", (test, core) => {
  test("without the option the batch is FIFO; shuffleSeed() is null", ({ loop }) => {
    assert.is(loop.shuffleSeed(), null);
    assert.equal(order(loop).map(([l]) => l).slice(0, 20), Array.from({ length: 20 }, (_, i) => `a${i}`));
  });

  test("the same seed gives the same order (and the same on the other core); batches never mix", ({ newLoop }) => {
    const a = order(newLoop({ shuffle: 42 }));
    const b = order(newLoop({ shuffle: 42 }));
    const other = order(newLoop({ shuffle: 42, core: core === "wasm" ? "js" : "wasm" }));
    assert.equal(a, b);
    assert.equal(a, other);
    // Every a ran in iteration 0 and every b in iteration 1: a callback's follow-up never joins its batch.
    assert.ok(a.slice(0, 20).every(([l, it]) => l.startsWith("a") && it === 0));
    assert.ok(a.slice(20).every(([l, it]) => l.startsWith("b") && it === 1));
    assert.not.equal(a.slice(0, 20).map(([l]) => l), Array.from({ length: 20 }, (_, i) => `a${i}`), "seed 42 permutes 20 task steps");
  });

  test("different seeds give different orders", ({ newLoop }) => {
    const orders = new Set([1, 2, 3, 4, 5].map((seed) => JSON.stringify(order(newLoop({ shuffle: seed })))));
    assert.is(orders.size, 5);
  });

  test("shuffleSeed() reads the seed back; tasks whose sleeps end together are shuffled, never woken early", ({ newLoop }) => {
    const loop = newLoop({ shuffle: 7 });
    assert.is(loop.shuffleSeed(), 7);
    const log: string[] = [];
    for (let i = 0; i < 10; i++) loop.createTask((function* () { yield* sleep(10); log.push(`t${i}@${loop.time()}`); })());
    loop.createTask((function* () { yield* sleep(5); log.push(`early@${loop.time()}`); })());
    loop._advance(20);
    assert.is(log[0], "early@5");
    assert.equal(log.slice(1).sort(), Array.from({ length: 10 }, (_, i) => `t${i}@10`).sort());
    assert.not.equal(log.slice(1), Array.from({ length: 10 }, (_, i) => `t${i}@10`));
  });

  test("callbacks and timers keep asyncio's FIFO order under any seed (a transport's data callbacks stay in order); tasks move among them", ({ newLoop }) => {
    const fifo = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const moved = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const loop = newLoop({ shuffle: seed });
      const log: string[] = [];
      for (let i = 0; i < 20; i++) {
        loop.callSoon(() => log.push(`c${i}`));
        loop.createTask((function* () { log.push(`task${i}`); })());
        loop.callLater(5, () => log.push(`timer${i}`));
      }
      loop._advance(10);
      assert.equal(log.filter((l) => l.startsWith("c")), fifo, `seed ${seed}: callSoon order`);
      assert.equal(log.filter((l) => l.startsWith("timer")).map((l) => l.replace("timer", "c")), fifo, `seed ${seed}: timers due together`);
      // Each task keeps one of the places tasks had in the batch: a callback's place is its own.
      log.slice(0, 40).forEach((l, k) => assert.is(l.startsWith("c"), k % 2 === 0, `seed ${seed}: place ${k}`));
      log.filter((l) => l.startsWith("task")).forEach((l, k) => l !== `task${k}` && moved.add(l));
    }
    assert.ok(moved.size > 0, "some seed moves a task");
  });

  test("a Lock stays FIFO across iterations under any seed; tasks' results are the same", ({ newLoop }) => {
    for (let seed = 0; seed < 10; seed++) {
      const loop = newLoop({ shuffle: seed });
      const lock = new Lock();
      const got: number[] = [];
      const holder = loop.createTask((function* (): Coroutine<void> {
        yield* lock.acquire();
        yield* sleep(1);
        lock.release();
      })());
      loop._runOnce(); // the holder has the lock
      // Waiters queue one per iteration: their order is fixed by the iterations, not the batch.
      const tasks = [];
      for (let i = 0; i < 5; i++) {
        tasks.push(loop.createTask((function* (): Coroutine<void> {
          yield* lock.acquire();
          got.push(i);
          lock.release();
        })()));
        loop._runOnce();
      }
      loop._advance(10);
      assert.ok(holder.done());
      assert.equal(got, [0, 1, 2, 3, 4], `seed ${seed}`);
      const g = loop.createTask((function* () {
        return yield* gather(...[1, 2, 3].map((n) => (function* () { yield* sleep(n); return n * 10; })()));
      })());
      loop._advance(10);
      assert.equal(g.result(), [10, 20, 30]);
    }
  });
});

test("shuffle: a bad seed is a TypeError (not a number) or a RangeError naming new EventLoop() and options.shuffle", () => {
  for (const core of CORES) {
    assert.throws(() => new EventLoop({ core, shuffle: "1" as unknown as number }), (e: Error) => e instanceof TypeError && /new EventLoop\(\).*options\.shuffle/.test(e.message));
    for (const bad of [-1, 1.5, NaN, Infinity]) {
      assert.throws(() => new EventLoop({ core, shuffle: bad }), (e: Error) => e instanceof RangeError && /new EventLoop\(\).*options\.shuffle/.test(e.message));
    }
  }
  assert.throws(() => runSync(function* () {}, { shuffle: -3 }), /options\.shuffle/);
});

test("shuffle: runSync passes it through; withShuffle names the failing seed and keeps the error as cause", () => {
  const seen: (number | null)[] = [];
  withShuffle([3, 9], (seed) => {
    seen.push(runSync(function* () { yield* sleep(0); return getRunningLoop().shuffleSeed(); }, { shuffle: seed }));
  });
  assert.equal(seen, [3, 9]);
  // A body that leans on the order of one batch fails for some seed, named in the message.
  const original = new Error("order");
  let err: Error | undefined;
  try {
    withShuffle(50, (seed) => {
      const log: number[] = [];
      runSync(function* () {
        yield* gather(...[0, 1, 2, 3].map((i) => (function* () { log.push(i); })()));
      }, { shuffle: seed });
      if (log.join() !== "0,1,2,3") throw original;
    });
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err, "some seed of 50 reorders four tasks started in one batch");
  assert.match(err!.message, /^withShuffle\(\): failed with shuffle seed \d+: order$/);
  assert.is(err!.cause, original);
  assert.throws(() => withShuffle(-1, () => {}), (e: Error) => e instanceof RangeError && /withShuffle\(\)/.test(e.message));
  assert.throws(() => withShuffle(2, null as never), (e: Error) => e instanceof TypeError && /withShuffle\(\)/.test(e.message));
});

test("shuffle: withShuffle with an async body tries the seeds one after another", async () => {
  const seen: number[] = [];
  await withShuffle(3, async (seed) => {
    await Promise.resolve();
    seen.push(seed);
  });
  assert.equal(seen, [0, 1, 2]);
  let err: Error | undefined;
  await withShuffle([4, 5], async (seed: number) => {
    if (seed === 5) throw new Error("boom");
  }).catch((e: Error) => (err = e));
  assert.match(err!.message, /shuffle seed 5: boom/);
});

test.run();
