// The bad-input catalogue (issue 10's attack, kept): every public function and method,
// called as a hostile or careless user would — wrong types, NaN delays, closed and foreign
// loops, done futures, non-coroutines. Each row must throw at the call (or, for a call
// that returns a Promise, reject) an error of the stated class whose message names the
// call and the argument; and afterwards the loop must still run a callback, a timer and a
// sleep. A last test checks the catalogue covers the whole public surface, so a new
// export cannot skip it. Runs on both cores.
import * as assert from "uvu/assert";
import * as wasyncio from "../../src/index.js";
import {
  Barrier, BoundedSemaphore, Condition, Event, EventLoop, Future, InvalidStateError, LifoQueue, Lock, PriorityQueue,
  Queue, QueueEmpty, QueueFull, Semaphore, Task, TaskGroup, Timeout, allTasks, asCompleted, createTask, currentTask,
  ensureFuture, gather, newEventLoop, run, runSync, setEventLoop, shield, sleep, taskGroup, timeout, timeoutAt,
  toAbortSignal, wait, waitFor, withLock, withSemaphore, wrapPromise, type Coroutine,
} from "../../src/index.js";
import * as testing from "../../src/testing/index.js";
import { test } from "uvu";
import { bothCores, type CoreKind } from "../helpers.js";

/** What a row may use: a fresh loop, a closed one, a foreign one, a done future. */
interface Env {
  loop: EventLoop;
  closed: EventLoop;
  other: EventLoop;
  done: Future<number>;
  core: CoreKind;
}

type ErrorClass = abstract new (...args: never[]) => Error;

interface Row {
  /** The call as the message must name it, e.g. "callSoon()". */
  call: string;
  /** What is wrong, for the test's title. */
  bad: string;
  /** Makes the call. `inTask` rows run inside a task on env.loop. */
  run(env: Env): unknown;
  error: ErrorClass;
  /** Also in the message: the argument's name or the bad value. */
  names: string | RegExp;
  inTask?: boolean;
  /** A state error whose message is asyncio's own, word for word (it names no call). */
  asyncio?: string;
}

const noop = () => {};
function* coro(): Coroutine<number> {
  yield* sleep(1);
  return 1;
}
async function asyncFn(): Promise<number> {
  return 1;
}
const notCoroutines: [string, unknown, RegExp][] = [
  ["a number", 42, /42/],
  ["a Promise", Promise.resolve(1), /Promise/],
  ["an async function", asyncFn, /async function asyncFn/],
  ["a generator function not called", coro, /coro\(\)/],
  ["null", null, /null/],
];
const badDelays: [string, unknown, ErrorClass, RegExp][] = [
  ["a string delay", "10", TypeError, /"10"/],
  ["a NaN delay", NaN, RangeError, /NaN/],
];

const rows: Row[] = [];
const row = (call: string, bad: string, error: ErrorClass, names: string | RegExp, run: (env: Env) => unknown, inTask = false) =>
  rows.push({ call, bad, run, error, names, inTask });
/** A row whose error is one of asyncio's state errors, with asyncio's message. */
const asyncioRow = (call: string, bad: string, error: ErrorClass, message: string, run: (env: Env) => unknown, inTask = false) =>
  rows.push({ call, bad, run, error, names: message, inTask, asyncio: message });

// ---- the loop -------------------------------------------------------------------
row("callSoon()", "a non-function callback", TypeError, "42", ({ loop }) => loop.callSoon(42 as never));
row("callSoon()", "a closed loop", Error, /closed/, ({ closed }) => closed.callSoon(noop));
for (const [bad, delay, error, names] of badDelays) {
  row("callLater()", bad, error, names, ({ loop }) => loop.callLater(delay as number, noop));
  row("callAt()", bad, error, names, ({ loop }) => loop.callAt(delay as number, noop));
  row("sleep()", bad, error, names, () => sleep(delay as number));
  row("timeout()", bad, error, names, () => timeout(delay as number, function* () {}));
  row("timeoutAt()", bad, error, names, () => timeoutAt(delay as number, function* () {}));
  row("waitFor()", bad, error, names, () => waitFor(coro(), delay as number));
  row("advance()", bad, error, names, ({ loop }) => testing.advance(delay as number, loop));
}
row("callLater()", "an undefined delay", TypeError, "undefined", ({ loop }) => loop.callLater(undefined as never, noop));
row("sleep()", "an undefined delay", TypeError, "undefined", () => sleep(undefined as never));
row("timeout()", "a non-function body", TypeError, "42", () => timeout(10, 42 as never));
row("callLater()", "a non-function callback", TypeError, "null", ({ loop }) => loop.callLater(1, null as never));
row("callAt()", "a non-function callback", TypeError, "null", ({ loop }) => loop.callAt(1, null as never));
row("callLater()", "a closed loop", Error, /closed/, ({ closed }) => closed.callLater(1, noop));
row("callAt()", "a closed loop", Error, /closed/, ({ closed }) => closed.callAt(1, noop));
for (const [bad, value, names] of notCoroutines) {
  row("createTask()", bad, TypeError, names, ({ loop }) => loop.createTask(value as never));
  row("createTask()", bad, TypeError, names, () => createTask(value as never), true);
  row("new Task()", bad, TypeError, names, ({ loop }) => new Task(value as never, { loop }));
  row("createTask()", `${bad} in a TaskGroup`, TypeError, names, () => function* (): Coroutine<void> {
    // The body catches it: uncaught, the group would wrap it in an ExceptionGroup (as asyncio).
    let error: unknown;
    yield* taskGroup(function* (tg) {
      try {
        tg.createTask(value as never);
      } catch (e) {
        error = e;
      }
    });
    throw error;
  }(), true);
  // A Promise is awaitable; runSync() and run() also take a function that returns a coroutine.
  if (value instanceof Promise) continue;
  row("runUntilComplete()", bad, TypeError, names, ({ loop }) => loop.runUntilComplete(value as never));
  if (typeof value === "function") continue;
  row("runSync()", bad, TypeError, names, () => runSync(value as never));
  row("run()", bad, TypeError, names, () => run(value as never));
}
row("createTask()", "a closed loop", Error, /closed/, ({ closed }) => closed.createTask(coro()));
row("createTask()", "a non-object options", TypeError, "options", ({ loop }) => loop.createTask(coro(), 42 as never));
row("setTaskFactory()", "a non-function factory", TypeError, "42", ({ loop }) => loop.setTaskFactory(42 as never));
row("setExceptionHandler()", "a non-function handler", TypeError, "42", ({ loop }) => loop.setExceptionHandler(42 as never));
row("callExceptionHandler()", "a non-object context", TypeError, "42", ({ loop }) => loop.callExceptionHandler(42 as never));
row("defaultExceptionHandler()", "a non-object context", TypeError, "42", ({ loop }) => loop.defaultExceptionHandler(42 as never));
row("runUntilComplete()", "a closed loop", Error, /closed/, ({ closed }) => closed.runUntilComplete(coro()));
row("runForever()", "a closed loop", Error, /closed/, ({ closed }) => closed.runForever());
row("runUntilComplete()", "a future of another loop", RangeError, /loop/, ({ loop, other }) => loop.runUntilComplete(other.createFuture()));
asyncioRow("close()", "a running loop", Error, "Cannot close a running event loop", ({ loop }) => loop.close(), true);
row("runSync()", "a running loop", Error, /running/, () => runSync(coro()), true);
row("new EventLoop()", "a bad clock", RangeError, '"wall"', () => new EventLoop({ clock: "wall" as never }));
row("new EventLoop()", "a bad core", RangeError, '"gpu"', () => new EventLoop({ core: "gpu" as never }));
row("new EventLoop()", "a NaN slowCallbackMs", RangeError, "NaN", () => new EventLoop({ slowCallbackMs: NaN }));
row("newEventLoop()", "non-object options", TypeError, "42", () => newEventLoop(42 as never));
row("setEventLoop()", "a non-loop", TypeError, "42", () => setEventLoop(42 as never));

// ---- futures and tasks ------------------------------------------------------------
row("new Future()", "a non-loop", TypeError, "options.loop", () => new Future({ loop: 42 as never }));
row("setResult()", "a done future", InvalidStateError, /FINISHED/, ({ done }) => done.setResult(2));
row("setException()", "a done future", InvalidStateError, /FINISHED/, ({ done }) => done.setException(new Error("x")));
row("setException()", "undefined", TypeError, "undefined", ({ loop }) => loop.createFuture().setException(undefined));
asyncioRow("result()", "a pending future", InvalidStateError, "Result is not ready.", ({ loop }) => loop.createFuture().result());
asyncioRow("exception()", "a pending future", InvalidStateError, "Exception is not set.", ({ loop }) => loop.createFuture().exception());
row("addDoneCallback()", "a non-function callback", TypeError, "42", ({ done }) => done.addDoneCallback(42 as never));
row("removeDoneCallback()", "a non-function callback", TypeError, "42", ({ done }) => done.removeDoneCallback(42 as never));
row("new Task()", "a non-loop", TypeError, "options.loop", () => new Task(coro(), { loop: 42 as never }));
row("setResult()", "a task", Error, /Task does not support/, ({ loop }) => loop.createTask(coro()).setResult(1));
row("setException()", "a task", Error, /Task does not support/, ({ loop }) => loop.createTask(coro()).setException(new Error()));
row("getStack()", "a non-number limit", TypeError, "limit", ({ loop }) => loop.createTask(coro()).getStack({ limit: "2" as never }));
row("ensureFuture()", "a number", TypeError, "42", () => ensureFuture(42 as never));
row("ensureFuture()", "a closed loop", Error, /closed/, ({ closed }) => ensureFuture(coro(), closed));
row("wrapPromise()", "a number", TypeError, "42", () => wrapPromise(42 as never));
row("toAbortSignal()", "a number", TypeError, "42", () => toAbortSignal(42 as never));
row("currentTask()", "a non-loop", TypeError, "42", () => currentTask(42 as never));
row("allTasks()", "a non-loop", TypeError, "42", () => allTasks(42 as never));

// ---- combinators ------------------------------------------------------------------
row("gather()", "a number", TypeError, "42", () => gather(42 as never), true);
row("gather()", "futures of two loops", RangeError, /loop/, ({ loop, other }) => gather(loop.createFuture(), other.createFuture()), true);
row("shield()", "a number", TypeError, "42", () => shield(42 as never), true);
row("wait()", "a number", TypeError, "42", () => wait(42 as never));
row("wait()", "a coroutine", TypeError, "an iterable of futures", () => wait(coro() as never));
row("wait()", "a bad returnWhen", RangeError, '"SOME"', ({ done }) => wait([done], { returnWhen: "SOME" as never }));
row("wait()", "a NaN timeout", RangeError, "NaN", ({ done }) => wait([done], { timeout: NaN }));
row("wait()", "an empty set", RangeError, /empty/, () => wait([]));
row("waitFor()", "a number", TypeError, "42", () => waitFor(42 as never, 10));
row("asCompleted()", "a number", TypeError, "42", () => asCompleted(42 as never), true);
row("asCompleted()", "a NaN timeout", RangeError, "NaN", ({ done }) => asCompleted([done], { timeout: NaN }), true);
row("taskGroup()", "a non-function body", TypeError, "42", () => taskGroup(42 as never));
asyncioRow("createTask()", "a TaskGroup not entered", Error, "TaskGroup <TaskGroup> has not been entered", () => new TaskGroup().createTask(coro()));
row("waitFor()", "an async function", TypeError, "async function asyncFn", () => waitFor(asyncFn as never, 10));
row("shield()", "an async function", TypeError, "async function asyncFn", () => shield(asyncFn as never));
row("reschedule()", "a NaN deadline", RangeError, "NaN", () => new Timeout(null).reschedule(NaN));
row("reschedule()", "a string deadline", TypeError, '"1"', () => new Timeout(null).reschedule("1" as never));
row("new Timeout()", "a string deadline", TypeError, '"1"', () => new Timeout("1" as never));

// ---- synchronisation primitives ---------------------------------------------------
asyncioRow("release()", "an unlocked Lock", Error, "Lock is not acquired.", () => new Lock().release());
row("new Condition()", "a non-lock", TypeError, "42", () => new Condition(42 as never));
asyncioRow("notify()", "a lock not held", Error, "cannot notify on un-acquired lock", () => new Condition().notify());
row("notify()", "a string count", TypeError, '"1"', () => new Condition().notify("1" as never));
row("waitFor()", "a non-function predicate", TypeError, "42", () => new Condition().waitFor(42 as never));
row("new Semaphore()", "a negative value", RangeError, "-1", () => new Semaphore(-1));
row("new Semaphore()", "a string value", TypeError, '"2"', () => new Semaphore("2" as never));
row("new BoundedSemaphore()", "a NaN value", RangeError, "NaN", () => new BoundedSemaphore(NaN));
asyncioRow("release()", "a BoundedSemaphore released too often", RangeError, "BoundedSemaphore released too many times", () => new BoundedSemaphore(1).release());
row("new Barrier()", "zero parties", RangeError, "0", () => new Barrier(0));
row("new Barrier()", "a string parties", TypeError, '"2"', () => new Barrier("2" as never));
row("withLock()", "a non-lock", TypeError, "42", () => withLock(42 as never, function* () {}));
row("withLock()", "a non-function body", TypeError, "42", () => withLock(new Lock(), 42 as never));
row("withSemaphore()", "a non-semaphore", TypeError, "42", () => withSemaphore(42 as never, function* () {}));
row("new Queue()", "a string maxsize", TypeError, '"3"', () => new Queue("3" as never));
row("new Queue()", "a NaN maxsize", RangeError, "NaN", () => new Queue(NaN));
row("new PriorityQueue()", "a string maxsize", TypeError, '"3"', () => new PriorityQueue("3" as never));
row("new LifoQueue()", "a string maxsize", TypeError, '"3"', () => new LifoQueue("3" as never));
row("getNowait()", "an empty queue", QueueEmpty, /empty/, () => new Queue().getNowait());
row("putNowait()", "a full queue", QueueFull, /full/, () => {
  const q = new Queue(1);
  q.putNowait(1);
  q.putNowait(2);
});
row("taskDone()", "no unfinished item", RangeError, /too many times/, () => new Queue().taskDone());

export function catalogue(): readonly Row[] {
  return rows;
}

/** The loop still runs a callback, a timer and a sleep after a row. */
function stillRuns(loop: EventLoop): void {
  const log: string[] = [];
  loop.callSoon(() => log.push("callback"));
  loop.callLater(5, () => log.push("timer"));
  loop._runUntilCompleteSync(function* () {
    yield* sleep(10);
    log.push("sleep");
  }());
  assert.equal(log, ["callback", "timer", "sleep"]);
}

function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return typeof value === "object" && value !== null && typeof (value as Coroutine<unknown>).throw === "function";
}

function check(r: Row, e: unknown): void {
  assert.ok(e !== undefined, `${r.call} with ${r.bad} did not throw`);
  assert.instance(e, r.error, `${r.call} with ${r.bad}: expected a ${r.error.name}, got ${String(e)}`);
  const message = (e as Error).message;
  if (r.asyncio !== undefined) return assert.is(message, r.asyncio);
  assert.ok(message.includes(r.call), `${r.call} with ${r.bad}: the message does not name the call: ${message}`);
  const named = typeof r.names === "string" ? message.includes(r.names) : r.names.test(message);
  assert.ok(named, `${r.call} with ${r.bad}: the message does not name ${r.names}: ${message}`);
}

bothCores("bad-input catalogue", (test, core) => {
  for (const r of rows) {
    test(`${r.call} - ${r.bad}`, async (ctx) => {
      const closed = ctx.newLoop();
      closed.close();
      const done = ctx.loop.createFuture<number>();
      done.setResult(1);
      const env: Env = { loop: ctx.loop, closed, other: ctx.newLoop(), done, core };
      let error: unknown;
      const call = () => {
        try {
          const out = r.run(env);
          // A call that returns a Promise may reject instead; nothing else may return.
          if (out instanceof Promise) return out.then(() => undefined, (e: unknown) => void (error = e));
        } catch (e) {
          error = e;
        }
        return undefined;
      };
      if (r.inTask) {
        ctx.loop._runUntilCompleteSync(function* () {
          // A coroutine a row returns (taskGroup(...)) is run here: its error is the row's.
          let out: unknown;
          try {
            out = r.run(env);
            if (isCoroutine(out)) yield* out;
            else if (out instanceof Promise) yield out.then(() => undefined, (e: unknown) => void (error = e));
          } catch (e) {
            error = e;
          }
        }());
      } else {
        const pending = call();
        if (pending !== undefined) await pending;
      }
      check(r, error);
      ctx.allowLive = true; // a row may leave a task or a waiter behind; the loop is closed after
      stillRuns(ctx.loop);
      ctx.errors.length = 0;
    });
  }
});

// ---- coverage ---------------------------------------------------------------------
// Calls that take no argument a user can get wrong, or whose every argument is accepted
// (a name is made a string, a message too): nothing for the catalogue to throw at.
const NOTHING_TO_REJECT = new Set([
  // the loop
  "time()", "createFuture()", "getTaskFactory()", "stop()", "isRunning()", "isClosed()", "toString()",
  "getExceptionHandler()", "getDebug()", "setDebug()",
  // futures and tasks
  "getLoop()", "done()", "cancelled()", "cancel()", "then()", "getName()", "setName()", "getCoro()",
  "cancelling()", "uncancel()", "when()", "getEventLoop()", "getRunningLoop()",
  // primitives (waiting has no argument; a state error has its asyncio row)
  "acquire()", "locked()", "wait()", "isSet()", "set()", "clear()", "notifyAll()", "reset()", "abort()",
  "qsize()", "empty()", "full()", "put()", "get()", "join()", "shutdown()", "iter()", "expired()",
  "new Lock()", "new Event()", "new TaskGroup()",
  // made by the loop (callSoon/callLater check the callback); a hot path, left unchecked
  "new Handle()", "new TimerHandle()",
]);

/** Every public function, constructor and method, as a catalogue `call` names it. */
function publicCalls(modules: Record<string, unknown>[]): Set<string> {
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

test("the catalogue covers every public call of wasyncio and wasyncio/testing", () => {
  const covered = new Set(rows.map((r) => r.call.replace(/^loop\./, "")));
  // wasyncio/node's methods on EventLoop (installed when another suite imports it) have their own catalogue.
  const node = new Set(["addReader()", "removeReader()", "addWriter()", "removeWriter()", "sockRecv()", "sockRecvInto()",
    "sockAccept()", "sockSendall()", "sockConnect()", "sockSendfile()", "getaddrinfo()", "getnameinfo()", "createServer()",
    "createConnection()", "createUnixServer()", "createUnixConnection()", "createDatagramEndpoint()"]);
  const missing = [...publicCalls([wasyncio, testing])].filter((c) => !covered.has(c) && !NOTHING_TO_REJECT.has(c) && !node.has(c));
  assert.equal(missing, [], `no catalogue row for: ${missing.join(", ")}`);
});
test.run();
