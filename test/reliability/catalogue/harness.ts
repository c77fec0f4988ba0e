// The bad-input catalogue's harness: a row is one call made wrongly; `runCatalogue`
// makes a test of each row on both cores. A row must throw at the call (or, for a call
// that returns a Promise, reject) an error of its class whose message names the call and
// the argument (or, for one of asyncio's state errors, is asyncio's message word for
// word); and afterwards the loop must still run a callback, a timer and a sleep.
import * as assert from "uvu/assert";
import { EventLoop, Future, sleep, type Coroutine } from "../../../src/index.js";
import { bothCores, runIn, type CoreKind } from "../../helpers.js";

/** What a row may use: a fresh loop, a closed one, a foreign one, a done future. */
export interface Env {
  /** A virtual-clock loop; `real` rows run on `real` instead. */
  loop: EventLoop;
  /** A real-clock loop, for rows that need I/O. */
  real: EventLoop;
  closed: EventLoop;
  other: EventLoop;
  done: Future<number>;
  core: CoreKind;
  /** Run after the row (close a server, a connection). */
  cleanup: (() => unknown)[];
}

export type ErrorClass = abstract new (...args: never[]) => Error;

export interface Row {
  /** The call as the message must name it, e.g. "callSoon()". */
  call: string;
  /** What is wrong, for the test's title. */
  bad: string;
  /** Makes the call. A `where: "task"` row runs inside a task (a coroutine it returns is run too). */
  run(env: Env): unknown;
  error: ErrorClass;
  /** Also in the message: the argument's name or the bad value. */
  names: string | RegExp;
  /** Outside any loop (default), in a task on the virtual loop, or in a task on the real one. */
  where: "outside" | "task" | "real";
  /** A state error whose message is asyncio's own, word for word (it names no call). */
  asyncio?: string;
}

/** A table of rows and the two ways to add one. */
export function table(): {
  rows: Row[];
  row(call: string, bad: string, error: ErrorClass, names: string | RegExp, run: (env: Env) => unknown, where?: Row["where"] | boolean): void;
  asyncioRow(call: string, bad: string, error: ErrorClass, message: string, run: (env: Env) => unknown, where?: Row["where"] | boolean): void;
} {
  const rows: Row[] = [];
  const at = (where: Row["where"] | boolean | undefined): Row["where"] => where === true ? "task" : where === false || where === undefined ? "outside" : where;
  return {
    rows,
    row: (call, bad, error, names, run, where) => void rows.push({ call, bad, run, error, names, where: at(where) }),
    asyncioRow: (call, bad, error, message, run, where) => void rows.push({ call, bad, run, error, names: message, where: at(where), asyncio: message }),
  };
}

/** The loop still runs a callback, a timer and a sleep after a row. */
function stillRuns(loop: EventLoop): void {
  const log: string[] = [];
  loop.callSoon(() => log.push("callback"));
  loop.callLater(5, () => log.push("timer"));
  runIn(loop, function* () {
    yield* sleep(10);
    log.push("sleep");
  }());
  assert.equal(log, ["callback", "timer", "sleep"]);
}

function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return typeof value === "object" && value !== null && typeof (value as Coroutine<unknown>).throw === "function";
}

export function check(r: Row, e: unknown): void {
  assert.ok(e !== undefined, `${r.call} with ${r.bad} did not throw`);
  assert.instance(e, r.error, `${r.call} with ${r.bad}: expected a ${r.error.name}, got ${String(e)}`);
  const message = (e as Error).message;
  if (r.asyncio !== undefined) return assert.is(message, r.asyncio);
  assert.ok(message.includes(r.call), `${r.call} with ${r.bad}: the message does not name the call: ${message}`);
  const named = typeof r.names === "string" ? message.includes(r.names) : r.names.test(message);
  assert.ok(named, `${r.call} with ${r.bad}: the message does not name ${r.names}: ${message}`);
}

/** Defines the catalogue's suite, once per core. */
export function runCatalogue(name: string, rows: readonly Row[]): void {
  bothCores(name, (test, core) => {
    for (const r of rows) {
      test(`${r.call} - ${r.bad}`, async (ctx) => {
        const closed = ctx.newLoop();
        closed.close();
        const done = ctx.loop.createFuture<number>();
        done.setResult(1);
        const real = ctx.newLoop({ clock: "real" });
        const env: Env = { loop: ctx.loop, real, closed, other: ctx.newLoop(), done, core, cleanup: [] };
        let error: unknown;
        const rejected = (e: unknown) => void (error = e);
        function* inTask(): Coroutine<void> {
          // A coroutine a row returns (taskGroup(...)) is run here: its error is the row's.
          try {
            const out = r.run(env);
            if (isCoroutine(out)) yield* out;
            else if (out instanceof Future) yield* out;
            else if (out instanceof Promise) yield out.then(() => undefined, rejected);
          } catch (e) {
            error = e;
          } finally {
            for (const f of env.cleanup.splice(0)) yield* asCoroutine(f());
          }
        }
        if (r.where === "task") {
          runIn(ctx.loop, inTask());
        } else if (r.where === "real") {
          await real.runUntilComplete(inTask());
        } else {
          try {
            const out = r.run(env);
            // A call that returns a Promise may reject instead.
            if (out instanceof Promise) await out.then(() => undefined, rejected);
          } catch (e) {
            error = e;
          }
        }
        check(r, error);
        ctx.allowLive = true; // a row may leave a task or a waiter behind; the loop is closed after
        stillRuns(ctx.loop);
        if (r.where === "real") await stillRunsReal(real);
        ctx.errors.length = 0;
      });
    }
  });
}

function* asCoroutine(value: unknown): Coroutine<void> {
  if (isCoroutine(value)) yield* value;
  else if (value instanceof Future || value instanceof Promise) yield value;
}

/** stillRuns on a real clock: the same, with a 1 ms timer and sleep. */
async function stillRunsReal(loop: EventLoop): Promise<void> {
  const log: string[] = [];
  loop.callSoon(() => log.push("callback"));
  loop.callLater(1, () => log.push("timer"));
  await loop.runUntilComplete(function* () {
    yield* sleep(2);
    log.push("sleep");
  }());
  assert.equal(log, ["callback", "timer", "sleep"]);
}

/** Every public function, constructor and method, as a catalogue `call` names it. */
export function publicCalls(modules: Record<string, unknown>[]): Set<string> {
  const calls = new Set<string>();
  for (const mod of modules) {
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function") continue;
      if (!/^class\b/.test(Function.prototype.toString.call(value))) {
        calls.add(`${name}()`);
        continue;
      }
      if (value.prototype instanceof Error) continue; // error classes take a message
      calls.add(`new ${name}()`);
      for (const m of Object.getOwnPropertyNames(value.prototype)) {
        const d = Object.getOwnPropertyDescriptor(value.prototype, m)!;
        if (m !== "constructor" && !m.startsWith("_") && typeof d.value === "function") calls.add(`${m}()`);
      }
    }
  }
  return calls;
}

