// loop.runInExecutor(), toThread() and the default executor, on both cores in virtual
// time, with executors on the loop's own thread (InlineExecutor, or a recording one):
// the loop's side of the contract. Real worker threads are in test/node/executor.test.ts.
import * as assert from "uvu/assert";
import {
  CancelledError, ContextVar, InlineExecutor, sleep, toThread, type Coroutine, type Executor, type ExecutorJob, type ExecutorRunOptions,
} from "../src/index.js";
import { bothCores, caught } from "./helpers.js";

/** An executor whose jobs settle only when the test says; it records what it was given. */
class HeldExecutor implements Executor {
  calls: { job: ExecutorJob; options: ExecutorRunOptions; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  closed = 0;
  run(job: ExecutorJob, options: ExecutorRunOptions): Promise<unknown> {
    return new Promise((resolve, reject) => this.calls.push({ job, options, resolve, reject }));
  }
  close(): void {
    this.closed++;
  }
}

bothCores("executors: runInExecutor, toThread", (test) => {
  test("runInExecutor() runs a function on an inline executor and the Future takes its result", async ({ loop }) => {
    const events: string[] = [];
    function* main(): Coroutine<number> {
      const fut = loop.runInExecutor(new InlineExecutor(), (a: number, b: number) => (events.push("fn"), a * b), 6, 7);
      events.push("submitted");
      const n = yield* fut;
      events.push("awaited");
      return n;
    }
    assert.is(await loop.runUntilComplete(main()), 42);
    assert.equal(events, ["submitted", "fn", "awaited"], "the job runs after the call returns, never inside it");
  });

  test("an error keeps its class and message through the Future", async ({ loop }) => {
    class Boom extends Error {}
    const fut = loop.runInExecutor(new InlineExecutor(), () => {
      throw new Boom("bad input");
    });
    const e = await loop.runUntilComplete(fut).then(() => null, (err: unknown) => err);
    assert.instance(e, Boom);
    assert.is((e as Error).message, "bad input");
  });

  test("the executor gets the job and Piscina's option names; a module job carries module, name and transfer", async ({ loop }) => {
    const ex = new HeldExecutor();
    const buffer = new ArrayBuffer(8);
    const fut = loop.runInExecutor(ex, { module: new URL("file:///jobs/hash.js"), name: "sha", transfer: [buffer] }, buffer, 3);
    assert.is(ex.calls.length, 1, "run() is called at once, as asyncio's executor.submit()");
    const { job, options } = ex.calls[0];
    assert.equal({ module: job.module, name: job.name, args: job.args }, { module: "file:///jobs/hash.js", name: "sha", args: [buffer, 3] });
    assert.is(options.filename, "file:///jobs/hash.js");
    assert.is(options.name, "sha");
    assert.equal(options.transferList, [buffer]);
    assert.instance(options.signal, AbortSignal);
    ex.calls[0].resolve("digest");
    assert.is(await loop.runUntilComplete(fut), "digest");
  });

  test("cancelling the awaiting task aborts the job's signal with a CancelledError", async ({ loop }) => {
    const ex = new HeldExecutor();
    const events: string[] = [];
    const task = loop.createTask((function* () {
      try {
        yield* loop.runInExecutor(ex, () => 1);
      } catch (e) {
        events.push(e instanceof CancelledError ? "task cancelled" : `task got ${String(e)}`);
        throw e;
      }
    })());
    loop.callLater(5, () => task.cancel());
    await loop.runUntilComplete(loop.createTask((function* () {
      yield* sleep(1);
      const { signal } = ex.calls[0].options;
      signal.addEventListener("abort", () => events.push(`aborted: ${(signal.reason as Error).constructor.name}`));
      events.push("job running");
      yield* sleep(10);
    })()));
    assert.ok(task.cancelled());
    // The Future's done callback (the abort) was added before the task waited on it, so
    // the job is aborted first, in the same iteration as the task resumes.
    assert.equal(events, ["job running", "aborted: CancelledError", "task cancelled"]);
    assert.is(loop.time(), 11);
  });

  test("a job that finishes is not aborted", async ({ loop }) => {
    const ex = new HeldExecutor();
    const fut = loop.runInExecutor(ex, () => 1);
    ex.calls[0].resolve(1);
    await loop.runUntilComplete(fut);
    assert.not.ok(ex.calls[0].options.signal.aborted);
  });

  test("toThread() runs in a copy of the caller's Context, as asyncio's to_thread", async ({ loop }) => {
    const requestId = new ContextVar<string>("requestId", { default: "none" });
    loop.setDefaultExecutor(new InlineExecutor());
    const seen: string[] = [];
    function* main(): Coroutine<string> {
      requestId.set("r-1");
      const r = yield* toThread((suffix: string) => {
        seen.push(requestId.get());
        requestId.set("changed in the job");
        return requestId.get() + suffix;
      }, "!");
      seen.push(requestId.get());
      return r;
    }
    assert.is(await loop.runUntilComplete(main()), "changed in the job!");
    assert.equal(seen, ["r-1", "r-1"], "the job saw the caller's value; its change stayed in its copy");
  });

  test("toThread() and runInExecutor(null) use the default executor; setDefaultExecutor() replaces it", async ({ loop }) => {
    const ex = new HeldExecutor();
    loop.setDefaultExecutor(ex);
    const task = loop.createTask(toThread({ module: "file:///jobs.js", name: "work" }, 1));
    const fut = loop.runInExecutor(null, { module: "file:///jobs.js", name: "other" });
    await loop.runUntilComplete(sleep(0));
    assert.equal(ex.calls.map((c) => c.job.name), ["other", "work"], "runInExecutor submits at the call; toThread when its task starts");
    ex.calls[0].resolve("a");
    ex.calls[1].resolve("b");
    assert.equal(await loop.runUntilComplete(loop.createTask((function* () {
      return [yield* fut, yield* task];
    })())), ["a", "b"]);
  });

  test("shutdownDefaultExecutor() closes the default executor, then runInExecutor(null) is refused", async ({ loop }) => {
    const ex = new HeldExecutor();
    loop.setDefaultExecutor(ex);
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    assert.is(ex.closed, 1);
    const e = caught(() => loop.runInExecutor(null, () => 1));
    assert.instance(e, Error);
    assert.is((e as Error).message, "runInExecutor(): Executor shutdown has been called");
    // An explicit executor is still fine, as in asyncio.
    assert.is(await loop.runUntilComplete(loop.runInExecutor(new InlineExecutor(), () => 2)), 2);
  });

  test("loop.close() shuts the default executor down without waiting", ({ newLoop }) => {
    const other = newLoop();
    const ex = new HeldExecutor();
    other.setDefaultExecutor(ex);
    other.close();
    assert.is(ex.closed, 1);
  });

  test("bad arguments: a TypeError naming the call and the argument", ({ loop }) => {
    const messages = [
      caught(() => loop.runInExecutor({} as Executor, () => 1)),
      caught(() => loop.runInExecutor(new InlineExecutor(), "fib" as never)),
      caught(() => loop.runInExecutor(new InlineExecutor(), { module: 3, name: "x" } as never)),
      caught(() => loop.setDefaultExecutor(5 as never)),
      caught(() => toThread({ name: "x" } as never)),
    ].map((e) => (assert.instance(e, TypeError), (e as Error).message));
    assert.equal(messages, [
      "runInExecutor() expected an executor (an object with run()) or null, got Object",
      "runInExecutor() expected a function or { module: URL | string, name: string, transfer?: array }, got \"fib\"",
      "runInExecutor() expected a function or { module: URL | string, name: string, transfer?: array }, got Object",
      "setDefaultExecutor() expected an executor (an object with run()) or null, got 5",
      "toThread() expected a function or { module: URL | string, name: string, transfer?: array }, got Object",
    ]);
  });

  test("runInExecutor() on a closed loop throws 'Event loop is closed'", ({ newLoop }) => {
    const other = newLoop();
    other.close();
    assert.match(String(caught(() => other.runInExecutor(new InlineExecutor(), () => 1))), /Event loop is closed: runInExecutor\(\)/);
  });

  test("InlineExecutor: a module job imports its module; an aborted job never starts", async ({ loop }) => {
    const inline = new InlineExecutor();
    // A data: URL module: importable under Node and in a browser alike.
    const mod = new URL(`data:text/javascript,${encodeURIComponent("export const add = (a, b) => a + b;")}`);
    assert.is(await loop.runUntilComplete(loop.runInExecutor(inline, { module: mod, name: "add" }, 2, 40)), 42);
    const ac = new AbortController();
    const ran: number[] = [];
    const p = inline.run({ fn: () => ran.push(1), args: [] }, { signal: ac.signal });
    ac.abort(new Error("stop"));
    await p.then(() => assert.unreachable("ran"), (e: Error) => assert.is(e.message, "stop"));
    assert.equal(ran, []);
  });
});
