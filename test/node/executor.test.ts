// WorkerPool and toThread() on real worker_threads: counts through a small pool, CPU jobs
// that really overlap, cancellation that frees the worker, errors and crashed workers,
// transfers. Real clock: worker threads run in real time.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { threadId } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import {
  CancelledError, EventLoop, WorkerPool, gather, getRunningLoop, run, sleep, toThread, wrapPromise, type Coroutine, type Future, type WorkerFunction,
} from "../../src/index.js";
import { captureWarnings } from "./helpers.js";
import { Piscina } from "piscina";
import { hostTick } from "../host.js";

const JOBS = new URL("../fixtures/executor-jobs.mjs", import.meta.url);
const fn = (name: string, transfer?: Transferable[]): WorkerFunction => ({ module: JOBS, name, transfer });

/** The Future's result, or the error it failed with. */
function* outcome<T>(fut: Future<T>): Coroutine<T | Error> {
  try {
    return yield* fut;
  } catch (e) {
    return e as Error;
  }
}

/** Runs `main` on a fresh real-clock loop of `core`, closing it after. */
async function runOn<T>(core: "wasm" | "js", main: (loop: EventLoop) => Coroutine<T>): Promise<T> {
  const loop = new EventLoop({ core });
  try {
    return await loop.runUntilComplete(loop.createTask(main(loop)));
  } finally {
    loop.close();
  }
}

for (const core of ["wasm", "js"] as const) {
  const test = suite(`executors on worker_threads [${core}]`);

  test("10,000 jobs through a pool of 4: every result, never more than 4 threads", async () => {
    const pool = new WorkerPool({ maxWorkers: 4 });
    let most = 0;
    const results = await runOn(core, function* (loop) {
      const futs = Array.from({ length: 10_000 }, (_, i) => loop.runInExecutor<number>(pool, fn("add"), i, 1));
      most = pool.threads;
      assert.is(pool.queueSize, 10_000 - 4, "four jobs went to workers, the rest wait");
      return yield* gather(...futs);
    });
    await pool.close();
    assert.is(most, 4);
    assert.is(results.length, 10_000);
    assert.ok(results.every((r, i) => r === i + 1), "each job's own result, in order");
    assert.is(pool.threads, 0);
  });

  test("CPU-bound jobs run at once on different threads (their wall-time spans overlap)", async () => {
    const pool = new WorkerPool({ maxWorkers: 2 });
    const SPIN = 300;
    const [a, b] = await runOn(core, function* (loop) {
      // Both workers started first: a worker's start-up (slow on a loaded machine) must not
      // delay one span past the other.
      yield* gather(loop.runInExecutor(pool, fn("add"), 0, 0), loop.runInExecutor(pool, fn("add"), 0, 0));
      return yield* gather(loop.runInExecutor<{ thread: number; start: number; end: number }>(pool, fn("spanOf"), SPIN),
        loop.runInExecutor<{ thread: number; start: number; end: number }>(pool, fn("spanOf"), SPIN));
    });
    // From the first start to the last end: worker start-up (outside the spans) not counted.
    const wall = Math.max(a.end, b.end) - Math.min(a.start, b.start);
    await pool.close();
    assert.is.not(a.thread, b.thread, "two threads");
    assert.is.not(a.thread, threadId, "not the loop's thread");
    assert.ok(a.start < b.end && b.start < a.end, `spans overlap: ${JSON.stringify([a, b])}`);
    assert.ok(wall < 2 * SPIN, `wall ${wall.toFixed(0)} ms < the sum ${2 * SPIN} ms`);
  });

  test("cancelling the task awaiting a long job terminates its worker; the next job gets a fresh one", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const events: string[] = [];
    const t0 = performance.now();
    await runOn(core, function* (loop) {
      const longJob = loop.runInExecutor(pool, fn("spin"), 60_000);
      const long = loop.createTask((function* () {
        try {
          yield* longJob;
        } catch (e) {
          events.push(e instanceof CancelledError ? "long cancelled" : `long: ${String(e)}`);
        }
      })());
      const next = loop.runInExecutor<number>(pool, fn("add"), 1, 2);
      yield* sleep(100);
      events.push(`running on ${pool.threads} thread, ${pool.queueSize} queued`);
      long.cancel();
      events.push(`next: ${yield* next}`);
    });
    await pool.close();
    assert.equal(events, ["running on 1 thread, 1 queued", "long cancelled", "next: 3"]);
    assert.ok(performance.now() - t0 < 30_000, "the 60 s job did not run to its end");
  });

  test("a job that throws: class name, message and stack kept, the worker reused", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const [custom, typeError, threads] = await runOn(core, function* (loop) {
      const a = yield* outcome(loop.runInExecutor(pool, fn("fail"), "bad header"));
      const b = yield* outcome(loop.runInExecutor(pool, fn("failType"), "not a number"));
      return [a, b, pool.threads] as const;
    });
    await pool.close();
    assert.instance(custom, Error);
    assert.is((custom as Error).name, "ParseFailure");
    assert.is((custom as Error).message, "bad header");
    assert.match((custom as Error).stack!, fileURLToPath(JOBS).split("/").pop()!, "the worker's stack");
    assert.instance(typeError, TypeError, "built-in classes come back as themselves");
    assert.is((typeError as Error).message, "not a number");
    assert.is(threads, 1, "a thrown error leaves the worker alive");
  });

  test("a job that crashes its worker: the task gets an error, the pool replaces the worker", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const out = await runOn(core, function* (loop) {
      const exit = ((yield* outcome(loop.runInExecutor(pool, fn("exitThread"), 3))) as Error).message;
      const uncaught = (((yield* outcome(loop.runInExecutor(pool, fn("throwLater"), "from a timer"))) as Error).cause as Error).message;
      const after = yield* loop.runInExecutor(pool, fn("add"), 20, 22);
      return { exit, uncaught, after };
    });
    await pool.close();
    assert.equal(out, {
      exit: "WorkerPool: exitThread() crashed its worker: the worker thread exited with code 3",
      uncaught: "from a timer",
      after: 42,
    });
  });

  test("a transfer list moves the buffer (detached here) instead of copying it", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const sum = await runOn(core, function* (loop) {
      return yield* loop.runInExecutor(pool, fn("byteSum", [bytes.buffer]), bytes);
    });
    await pool.close();
    assert.is(sum, 256);
    assert.is(bytes.byteLength, 0, "detached: the worker owns it now");
  });

  test("toThread() uses the loop's default pool; results that cannot be cloned reject; shutdown refuses more", async () => {
    const loop = new EventLoop({ core });
    try {
      const out = await loop.runUntilComplete(loop.createTask((function* () {
        const sum = yield* toThread<number>(fn("later"), 7);
        const clone = ((yield* outcome(loop.runInExecutor(null, fn("returnsFunction")))) as Error).name;
        yield* loop.shutdownDefaultExecutor();
        return { sum, clone };
      })()));
      assert.equal(out, { sum: 7, clone: "DataCloneError" });
      assert.throws(() => loop.runInExecutor(null, fn("add"), 1, 1), /Executor shutdown has been called/);
    } finally {
      loop.close();
    }
  });

  test("WorkerPool.close() lets the jobs it accepted finish (asyncio's shutdown(wait=True)); { cancelJobs: true } rejects them", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const results = await runOn(core, function* (loop) {
      const running = loop.runInExecutor<number>(pool, fn("later"), 1);
      const queued = loop.runInExecutor<number>(pool, fn("add"), 2, 3);
      const closed = wrapPromise(pool.close());
      const refused = (yield* outcome(loop.runInExecutor(pool, fn("add"), 0, 0))) as Error;
      const values = yield* gather(running, queued);
      yield* closed;
      return [...values, refused.message, pool.threads];
    });
    assert.equal(results, [1, 5, "WorkerPool.run(): the pool is closed", 0]);
    const other = new WorkerPool({ maxWorkers: 1 });
    const cancelled = await runOn(core, function* (loop) {
      const running = loop.runInExecutor(other, fn("spin"), 60_000);
      const queued = loop.runInExecutor(other, fn("add"), 2, 3);
      yield* sleep(50);
      yield* wrapPromise(other.close({ cancelJobs: true }));
      return [((yield* outcome(running)) as Error).message, ((yield* outcome(queued)) as Error).message, other.threads];
    });
    assert.equal(cancelled, [
      "WorkerPool.close(): the pool was closed before the job finished",
      "WorkerPool.close(): the pool was closed before the job finished",
      0,
    ]);
  });

  test("run() waits for a job left on the default executor before it closes the loop (asyncio.run's shutdown_default_executor)", async () => {
    const shared = new SharedArrayBuffer(4);
    await run(function* () {
      // Submitted, never awaited: asyncio.run() still lets it finish (a Future, not a task,
      // so the leftover tasks' cancellation does not reach it).
      getRunningLoop().runInExecutor(null, fn("markAfter"), shared, 200);
    }, { core });
    assert.is(Atomics.load(new Int32Array(shared), 0), 1, "the job ran to its end before run() resolved");
  });

  test("shutdownDefaultExecutor(timeout): a job that outlasts it gets a RuntimeWarning, and the Future is done at the timeout", async () => {
    const captured = captureWarnings("RuntimeWarning");
    const loop = new EventLoop({ core });
    try {
      const waited = await loop.runUntilComplete(loop.createTask((function* () {
        loop.runInExecutor(null, fn("spin"), 1_000);
        const t0 = loop.time();
        yield* loop.shutdownDefaultExecutor(50);
        return loop.time() - t0;
      })()));
      await hostTick();
      assert.ok(waited >= 45 && waited < 900, `done at the timeout, not the job's end: ${waited} ms`);
      assert.equal(captured.warnings.map((w) => w.message), ["The executor did not finish its jobs within 50 ms."]);
      assert.throws(() => loop.shutdownDefaultExecutor("5" as never), /shutdownDefaultExecutor\(\) expected timeout to be a number of milliseconds, got "5"/);
    } finally {
      captured.stop();
      loop.close();
    }
  });

  test("a Piscina pool is an executor as it is: its export gets the job, cancellation aborts it, shutdown closes it", async () => {
    const piscina = new Piscina({ minThreads: 1, maxThreads: 1 });
    const out = await runOn(core, function* (loop) {
      const sum = yield* loop.runInExecutor<number>(piscina, fn("addJob"), 20, 22);
      const long = loop.createTask(outcome(loop.runInExecutor(piscina, fn("spinJob"), 60_000)));
      yield* sleep(50);
      long.cancel();
      const cancelled = yield* outcome(long);
      loop.setDefaultExecutor(piscina);
      const after = yield* toThread<number>(fn("addJob"), 1, 2);
      yield* loop.shutdownDefaultExecutor();
      return { sum, cancelled: (cancelled as Error).name, after, threads: piscina.threads.length };
    });
    assert.equal(out, { sum: 42, cancelled: "CancelledError", after: 3, threads: 0 }, "shutdownDefaultExecutor() closed the pool");
  });

  test("WorkerPool.run() refuses a function and a closed pool", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    assert.throws(() => pool.run({ fn: () => 1, args: [] }), /WorkerPool.run\(\) expected a job \{ module, name, args \} \(a function cannot be sent to a worker thread/);
    assert.throws(() => new WorkerPool({ maxWorkers: 0 }), /new WorkerPool\(\) expected maxWorkers: an integer >= 1, got 0/);
    await pool.close();
    await pool.run({ module: JOBS.href, name: "add", args: [1, 1] }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, "the pool is closed"));
  });

  test.run();
}
