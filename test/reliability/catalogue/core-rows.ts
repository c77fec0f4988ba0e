// The catalogue's rows for wasyncio and wasyncio/testing: the loop, futures and tasks,
// the combinators, the synchronisation primitives.
import {
  Barrier, BoundedSemaphore, Condition, EventLoop, Future, InvalidStateError, LifoQueue, Lock, PriorityQueue,
  Queue, QueueEmpty, QueueFull, Semaphore, Task, TaskGroup, Timeout, allTasks, asCompleted, createTask, currentTask,
  createEagerTaskFactory, eagerTaskFactory,
  ensureFuture, gather, newEventLoop, run, runSync, setEventLoop, shield, sleep, taskGroup, timeout, timeoutAt,
  toAbortSignal, wait, waitFor, withLock, withSemaphore, wrapPromise, type Coroutine,
  captureCallGraph, dumpTasks, formatCallGraph, printCallGraph, startTrace,
  CancelScope, Context, ContextVar, LookupError, Runner, cancelScope, InlineExecutor, WorkerPool, toThread,
} from "../../../src/index.js";
import * as testing from "../../../src/testing/index.js";
import { table, type ErrorClass } from "./harness.js";

export const { rows, row, asyncioRow } = table();

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
row("createTask()", "a non-boolean eagerStart", TypeError, "options.eagerStart", ({ loop }) => loop.createTask(coro(), { eagerStart: "yes" as never }));
row("createTask()", "a non-boolean eagerStart", TypeError, "options.eagerStart", () => createTask(coro(), { eagerStart: 1 as never }), true);
row("new Task()", "a non-boolean eagerStart", TypeError, "options.eagerStart", ({ loop }) => new Task(coro(), { loop, eagerStart: "yes" as never }));
row("createEagerTaskFactory()", "a non-function", TypeError, "customTaskConstructor", () => createEagerTaskFactory(42 as never));
row("eagerTaskFactory()", "a non-coroutine", TypeError, "42", ({ loop }) => eagerTaskFactory(loop, 42 as never, {}));
row("eagerTaskFactory()", "a non-loop", TypeError, "loop", () => eagerTaskFactory(42 as never, coro(), {}));
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
row("loopStats()", "a non-loop", TypeError, "42", () => testing.loopStats(42 as never));

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

// ---- contexts, runners, cancel scopes ---------------------------------------------
row("new ContextVar()", "a number for the name", TypeError, "42", () => new ContextVar(42 as never));
row("new ContextVar()", "a number for options", TypeError, "options", () => new ContextVar("v", 42 as never));
asyncioRow("get()", "a ContextVar with no value and no default", LookupError, '<ContextVar name="unset">', () => new ContextVar("unset").get());
row("reset()", "a non-token", TypeError, "Token", () => new ContextVar("v").reset(42 as never));
row("reset()", "a token used twice", Error, /already been used once/, () => {
  const v = new ContextVar<number>("v");
  new Context().run(() => {
    const token = v.set(1);
    v.reset(token);
    v.reset(token);
  });
});
row("get()", "a non-variable, on a Context", TypeError, "42", () => new Context().get(42 as never));
row("has()", "a non-variable", TypeError, "42", () => new Context().has(42 as never));
row("run()", "a non-function, on a Context", TypeError, "42", () => new Context().run(42 as never));
asyncioRow("run()", "a Context already entered", Error, "cannot enter context: <Context size=0> is already entered", () => {
  const ctx = new Context();
  ctx.run(() => ctx.run(noop));
});
row("createTask()", "a non-Context context", TypeError, "options.context", ({ loop }) => loop.createTask(coro(), { context: {} as never }));
row("callSoon()", "a non-Context context", TypeError, "options.context", ({ loop }) => loop.callSoon({ context: 42 as never }, noop));
row("new Runner()", "a number for options", TypeError, "options", () => new Runner(42 as never));
row("new Runner()", "a non-function loopFactory", TypeError, "options.loopFactory", () => new Runner({ loopFactory: 1 as never }));
row("closeSync()", "a runner on the real clock", RangeError, "virtual clock", () => {
  const runner = new Runner();
  runner.getLoop();
  try {
    runner.closeSync();
  } finally {
    void runner.close();
  }
});
row("new CancelScope()", "a number for options", TypeError, "options", () => new CancelScope(42 as never));
row("new CancelScope()", "a string deadline", TypeError, "deadline", () => new CancelScope({ deadline: "1" as never }));
row("new CancelScope()", "a number for shield", TypeError, "shield", () => new CancelScope({ shield: 1 as never }));
row("cancelScope()", "a non-function body", TypeError, "42", () => cancelScope(42 as never));

// ---- introspection, instruments, traces -------------------------------------------
row("addInstrument()", "a number", TypeError, "42", ({ loop }) => loop.addInstrument(42 as never));
row("removeInstrument()", "a number", TypeError, "42", ({ loop }) => loop.removeInstrument(42 as never));
row("removeInstrument()", "one not installed", Error, /not installed/, ({ loop }) => loop.removeInstrument({}));
row("startTrace()", "a non-loop", TypeError, "42", () => startTrace(42 as never));
row("dumpTasks()", "a non-loop", TypeError, "42", () => dumpTasks(42 as never));
row("printStack()", "a string limit", TypeError, "options.limit", ({ loop }) => {
  const task = loop.createTask(coro());
  try {
    task.printStack({ limit: "1" as never });
  } finally {
    task.cancel();
  }
});
row("printStack()", "a file with no write()", TypeError, "options.file", ({ loop }) => {
  const task = loop.createTask(coro());
  try {
    task.printStack({ file: 42 as never });
  } finally {
    task.cancel();
  }
});
for (const [call, fn] of [["captureCallGraph()", captureCallGraph], ["formatCallGraph()", formatCallGraph], ["printCallGraph()", printCallGraph]] as const) {
  row(call, "a non-future", TypeError, "42", () => fn(42 as never));
  row(call, "a negative depth", TypeError, "options.depth", ({ done }) => fn(done, { depth: -1 }));
  row(call, "a fractional limit", TypeError, "options.limit", ({ done }) => fn(done, { limit: 1.5 }));
  row(call, "no future outside a loop", Error, "outside a running event loop", () => fn());
}

// ---- wasyncio/testing: the seeded shuffle, the memory network, stream checks ------------
row("new EventLoop()", "a negative shuffle seed", RangeError, "options.shuffle", () => new EventLoop({ shuffle: -1 }));
row("new EventLoop()", "a string shuffle seed", TypeError, "options.shuffle", () => new EventLoop({ shuffle: "1" as never }));
row("withShuffle()", "a negative count", RangeError, "seeds", () => testing.withShuffle(-1, noop));
row("withShuffle()", "a non-function body", TypeError, "42", () => testing.withShuffle(2, 42 as never));
row("createMemoryNetwork()", "a number for options", TypeError, "options", () => testing.createMemoryNetwork(42 as never));
row("createMemoryNetwork()", "a negative latency", RangeError, "options.latencyMs", () => testing.createMemoryNetwork({ latencyMs: -1 }));
row("latency()", "a negative latency", RangeError, "-1", () => testing.createMemoryNetwork().latency(-1));
row("latency()", "a string latency", TypeError, '"5"', () => testing.createMemoryNetwork().latency("5" as never));
row("reset()", "a non-connection", TypeError, "42", () => testing.createMemoryNetwork().reset(42 as never));
row("halfClose()", "a non-connection", TypeError, "42", () => testing.createMemoryNetwork().halfClose(42 as never));
row("memoryStreamPair()", "a number for options", TypeError, "options", () => testing.memoryStreamPair(42 as never));
row("memoryTransportPair()", "a non-protocol", TypeError, "protocolA", () => testing.memoryTransportPair(42 as never, {}));
row("checkTwoWayStream()", "a non-function", TypeError, "42", () => testing.checkTwoWayStream(42 as never));

// ---- executors ------------------------------------------------------------------------
row("runInExecutor()", "a non-executor", TypeError, "42", ({ loop }) => loop.runInExecutor(42 as never, noop));
row("runInExecutor()", "a function name for fn", TypeError, '"fib"', ({ loop }) => loop.runInExecutor(new InlineExecutor(), "fib" as never));
row("runInExecutor()", "a closed loop", Error, /closed/, ({ closed }) => closed.runInExecutor(new InlineExecutor(), noop));
row("setDefaultExecutor()", "a non-executor", TypeError, "42", ({ loop }) => loop.setDefaultExecutor(42 as never));
row("shutdownDefaultExecutor()", "a string timeout", TypeError, '"5"', ({ loop }) => loop.shutdownDefaultExecutor("5" as never));
row("shutdownDefaultExecutor()", "a NaN timeout", RangeError, "NaN", ({ loop }) => loop.shutdownDefaultExecutor(NaN));
row("WorkerPool.close()", "a string cancelJobs", TypeError, '"yes"', () => new WorkerPool({ maxWorkers: 1 }).close({ cancelJobs: "yes" as never }));
row("toThread()", "a function name for fn", TypeError, '"fib"', () => toThread("fib" as never));
row("new WorkerPool()", "no workers", TypeError, "maxWorkers", () => new WorkerPool({ maxWorkers: 0 }));
row("new WorkerPool()", "a string count", TypeError, "maxWorkers", () => new WorkerPool({ maxWorkers: "2" as never }));
row("run()", "a function as a WorkerPool job", TypeError, "export it from a module", () => new WorkerPool({ maxWorkers: 1 }).run({ fn: noop, args: [] }));
