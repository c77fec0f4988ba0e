// WorkerPool on this host's threads: worker_threads under Node, module Web Workers in
// headless Chromium (scripts/browser-suites.mjs runs this file there too). The jobs are a
// data: URL module, which both kinds of worker can import. Real clock: threads run in real time.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EventLoop, WorkerPool, gather, sleep, type Coroutine, type Future, type WorkerFunction } from "../src/index.js";

const SOURCE = `
const me = Math.random();
export function add(a, b) { return a + b; }
export function spanOf(ms) {
  const now = () => performance.timeOrigin + performance.now();
  const start = now();
  while (now() < start + ms) {}
  return { thread: me, start, end: now() };
}
export function spin(ms) { const end = performance.now() + ms; while (performance.now() < end) {} return me; }
export class ParseFailure extends Error {}
export function fail(message) { throw new ParseFailure(message); }
export function throwLater(message) { setTimeout(() => { throw new Error(message); }, 0); return new Promise(() => {}); }
`;
const JOBS = `data:text/javascript,${encodeURIComponent(SOURCE)}`;
const fn = (name: string): WorkerFunction => ({ module: JOBS, name });

/** The Future's result, or the error it failed with. */
function* outcome<T>(fut: Future<T>): Coroutine<T | Error> {
  try {
    return yield* fut;
  } catch (e) {
    return e as Error;
  }
}

for (const core of ["wasm", "js"] as const) {
  const test = suite(`WorkerPool on this host's threads [${core}]`);
  /** Runs `main` on a fresh real-clock loop, then closes the loop and `pool`. */
  const runOn = async <T>(pool: WorkerPool, main: (loop: EventLoop) => Coroutine<T>): Promise<T> => {
    const loop = new EventLoop({ core });
    try {
      return await loop.runUntilComplete(loop.createTask(main(loop)));
    } finally {
      loop.close();
      await pool.close();
    }
  };

  test("10,000 jobs through a pool of 4: every result, at most 4 threads", async () => {
    const pool = new WorkerPool({ maxWorkers: 4 });
    let started = 0;
    const results = await runOn(pool, function* (loop) {
      const futs = Array.from({ length: 10_000 }, (_, i) => loop.runInExecutor<number>(pool, fn("add"), i, 1));
      started = pool.threads;
      return yield* gather(...futs);
    });
    assert.is(started, 4);
    assert.is(results.length, 10_000);
    assert.ok(results.every((r, i) => r === i + 1));
  });

  test("two CPU-bound jobs run at once on two threads: their spans overlap, the whole is shorter than the sum", async () => {
    const pool = new WorkerPool({ maxWorkers: 2 });
    const SPIN = 300;
    type Span = { thread: number; start: number; end: number };
    const [a, b] = await runOn(pool, function* (loop) {
      // Both workers started first: a worker's start-up (slow on a loaded machine) must not
      // delay one span past the other.
      yield* gather(loop.runInExecutor(pool, fn("add"), 0, 0), loop.runInExecutor(pool, fn("add"), 0, 0));
      return yield* gather(loop.runInExecutor<Span>(pool, fn("spanOf"), SPIN), loop.runInExecutor<Span>(pool, fn("spanOf"), SPIN));
    });
    assert.is.not(a.thread, b.thread);
    assert.ok(a.start < b.end && b.start < a.end, `spans overlap: ${JSON.stringify([a, b])}`);
    assert.ok(Math.max(a.end, b.end) - Math.min(a.start, b.start) < 2 * SPIN);
  });

  test("cancelling the task of a running job terminates its worker; the queued job gets a fresh one", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const events: string[] = [];
    await runOn(pool, function* (loop) {
      const longJob = loop.runInExecutor(pool, fn("spin"), 60_000);
      const long = loop.createTask(outcome(longJob));
      const next = loop.runInExecutor<number>(pool, fn("add"), 1, 2);
      yield* sleep(100);
      events.push(`${pool.threads} thread, ${pool.queueSize} queued`);
      long.cancel();
      events.push(`next: ${yield* next}`);
      yield* outcome(long);
      events.push(`long: ${longJob.cancelled() ? "cancelled" : "not cancelled"}`);
    });
    assert.equal(events, ["1 thread, 1 queued", "next: 3", "long: cancelled"]);
  });

  test("a job that throws: class name and message kept; a job whose worker dies: an error, and a new worker", async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const out = await runOn(pool, function* (loop) {
      const thrown = (yield* outcome(loop.runInExecutor(pool, fn("fail"), "bad header"))) as Error;
      const crashed = (yield* outcome(loop.runInExecutor(pool, fn("throwLater"), "from a timer"))) as Error;
      const after = yield* loop.runInExecutor(pool, fn("add"), 20, 22);
      return { thrown: [thrown.name, thrown.message], crashed: crashed.message, after };
    });
    assert.equal(out.thrown, ["ParseFailure", "bad header"]);
    assert.match(out.crashed, /^WorkerPool: throwLater\(\) crashed its worker: .*/);
    assert.match(out.crashed, /from a timer|exited with code 1/);
    assert.is(out.after, 42);
  });

  test.run();
}
