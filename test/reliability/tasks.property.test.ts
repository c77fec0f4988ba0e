// Property: random task programs with cancellation at random points keep asyncio's
// invariants. Tasks sleep, take a Lock, put to and get from a bounded Queue (some gets
// under a timeout, which cancels them, possibly right after they were woken), wait on an
// Event; timers and other tasks cancel tasks at random points. Whatever the interleaving:
//   - every task ends exactly once, and the `finally` of every task that started runs
//     (a task cancelled before its first step never enters its body, as in asyncio);
//   - the Lock is never held twice, and nobody holds it at the end;
//   - no queue item is lost or duplicated: items got + items left = items put;
//   - nobody is left waiting for what is there: at a quiet moment no getter waits while
//     the queue has items (a getter woken and then cancelled passed its item on), and no
//     acquirer waits while the Lock is free.
// fast-check prints the seed and the shrunk program of a failure (FC_SEED replays it).
import fc from "fast-check";
import * as assert from "uvu/assert";
import { CancelledError, Event, Lock, Queue, TimeoutError, sleep, waitFor, type Coroutine, type EventLoop, type Task } from "../../src/index.js";
import { bothCores, runIn } from "../helpers.js";
import { fcParams } from "./runs.js";

type Step =
  | { op: "sleep"; ms: number }
  | { op: "lock"; holdMs: number }
  | { op: "put" }
  | { op: "get" }
  | { op: "getWithin"; ms: number }
  | { op: "wait" }
  | { op: "cancel"; task: number };

interface Program {
  maxsize: number;
  tasks: Step[][];
  /** [time, task index] of each cancel() */
  cancels: [number, number][];
  /** when the Event is set, if ever */
  eventAt: number | null;
}

// Small times, so that puts, wake-ups, timeouts and cancels often meet in one iteration.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("sleep" as const), ms: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("lock" as const), holdMs: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("put" as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("get" as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("getWithin" as const), ms: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("wait" as const) }) },
  // A task cancelling another right after a put cancels a getter the put has just woken.
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), task: fc.nat(6) }) },
);

const program: fc.Arbitrary<Program> = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    maxsize: fc.integer({ min: 0, max: 2 }),
    tasks: fc.array(fc.array(step, { maxLength: 8 }), { minLength: n, maxLength: n }),
    cancels: fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 5 }),
    eventAt: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
  }),
);

/** After every program action: nothing happens past this time. */
const QUIET_AT = 10_000;

function runProgram(loop: EventLoop, p: Program): void {
  const lock = new Lock();
  const queue = new Queue<number>(p.maxsize);
  const event = new Event();
  let nextItem = 0;
  const put: number[] = [];
  const got: number[] = [];
  let holders = 0, gettersWaiting = 0, acquirersWaiting = 0;
  const ended: number[] = [];
  const started = new Set<number>();
  const finallyRan = new Set<number>();
  const problems: string[] = [];

  let tasks: Task<void>[] = [];
  function* perform(s: Step): Coroutine<void> {
    switch (s.op) {
      case "sleep":
        yield* sleep(s.ms);
        return;
      case "lock": {
        acquirersWaiting++;
        try {
          yield* lock.acquire();
        } finally {
          acquirersWaiting--;
        }
        try {
          if (++holders > 1) problems.push("the Lock is held twice");
          yield* sleep(s.holdMs);
        } finally {
          holders--;
          lock.release();
        }
        return;
      }
      case "put": {
        const item = nextItem++;
        yield* queue.put(item);
        put.push(item); // put() returned: the item is in the queue
        return;
      }
      case "get":
      case "getWithin": {
        gettersWaiting++;
        let item: number;
        try {
          item = s.op === "get" ? yield* queue.get() : yield* waitFor(queue.get(), s.ms);
        } catch (e) {
          if (e instanceof TimeoutError) return;
          throw e;
        } finally {
          gettersWaiting--;
        }
        got.push(item);
        return;
      }
      case "wait":
        yield* event.wait();
        return;
      case "cancel":
        tasks[s.task % tasks.length].cancel();
        return;
    }
  }

  runIn(loop, function* (): Coroutine<void> {
    tasks = p.tasks.map((steps, i) =>
      loop.createTask(function* (): Coroutine<void> {
        started.add(i);
        try {
          for (const s of steps) yield* perform(s);
        } finally {
          finallyRan.add(i);
        }
      }(), { name: `t${i}` }));
    tasks.forEach((t, i) => t.addDoneCallback(() => ended.push(i)));
    for (const [at, i] of p.cancels) loop.callLater(at, () => tasks[i].cancel());
    if (p.eventAt !== null) loop.callLater(p.eventAt, () => event.set());
    // A quiet moment: everything the program does is over; who still waits, waits for good.
    yield* sleep(QUIET_AT);
    if (queue.qsize() > 0 && gettersWaiting > 0) problems.push(`${gettersWaiting} getter(s) wait while the queue holds ${queue.qsize()}`);
    if (!lock.locked() && acquirersWaiting > 0) problems.push(`${acquirersWaiting} acquirer(s) wait while the Lock is free`);
    for (const t of tasks) t.cancel();
    for (const t of tasks) {
      try {
        yield* t;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
  }());

  const left: number[] = [];
  while (!queue.empty()) left.push(queue.getNowait());
  const gotAndLeft = [...got, ...left].sort((a, b) => a - b);
  assert.equal(problems, []);
  assert.equal(gotAndLeft, [...put].sort((a, b) => a - b), "items got + items left = items put");
  assert.equal([...ended].sort(), p.tasks.map((_, i) => i), "every task ended exactly once");
  assert.equal([...finallyRan].sort(), [...started].sort(), "the finally of every task that started ran");
  assert.not.ok(lock.locked(), "nobody holds the Lock at the end");
}

bothCores("task programs with random cancellation", (test) => {
  test("keep every task's end, every finally, the Lock and every queue item", ({ newLoop }) => {
    fc.assert(
      fc.property(program, (p) => {
        const loop = newLoop();
        try {
          runProgram(loop, p);
        } finally {
          loop.close();
        }
      }),
      fcParams(1000),
    );
  });
});
