// Differential property: random programs of callSoon / callLater / callAt / cancel / stop,
// some scheduled from inside callbacks, run in the same order on the Wasm core, on the
// TypeScript core, and on a model written to be obviously right: asyncio's _run_once over
// a list of ready callbacks and a list of timers sorted by (when, seq).
//
//   one iteration = the ready callbacks as they are at its start (a snapshot), then the
//   timers due at its start time in (when, seq) order; what those schedule runs in the
//   next iteration; cancelled ones are skipped.
//
// The loops run on the virtual clock, synchronously: each run ends when stop() was called
// (at the end of that iteration) or when nothing is left to run (then the clock has jumped
// to each timer in turn). The driver runs again after a stop, until nothing is left.
// fast-check prints the seed and the shrunk program of a failure (FC_SEED replays it).
import fc from "fast-check";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EventLoop } from "../../src/index.js";
import { loopStats } from "../../src/testing/index.js";
import { _schedulerCore } from "../../src/testing/inspect.js";
import { runIn } from "../helpers.js";
import { fcParams } from "./runs.js";

type Op =
  | { op: "soon"; body: Op[] }
  | { op: "later"; delay: number; body: Op[] }
  | { op: "at"; when: number; body: Op[] }
  /** `n` callbacks in a row, each soon or after `delay` (past the cores' first capacities). */
  | { op: "burst"; n: number; delay: number | null }
  /** Cancels the `target`-th handle made so far (modulo their count), or every `every`-th from there. */
  | { op: "cancel"; target: number; every: number }
  | { op: "stop" };

interface Program {
  ops: Op[];
  /** Starts the cores' timer sequence numbers this close to 2^32, to renumber mid-program. */
  seqBeforeWrap: number | null;
}

// Delays that meet: equal deadlines, 0.1 + 0.2 against 0.3, negative (= 0), never (Infinity).
const DELAYS = [0, 0, 1, 1, 2, 3, 0.5, 1.5, 0.1, 0.2, 0.3, -1, 10, Infinity];
// callAt: absolute times, some already past when the call is made.
const WHENS = [0, 0.3, 1, 2, 2.5, 3, 5, 12];

const { op: opArb } = fc.letrec<{ op: Op; body: Op[] }>((tie) => ({
  op: fc.oneof(
    { maxDepth: 3, depthIdentifier: "program" },
    // The first ones are leaves: past maxDepth only they are drawn.
    { weight: 3, arbitrary: fc.record({ op: fc.constant("cancel" as const), target: fc.nat(40), every: fc.constantFrom(0, 0, 0, 1, 2, 3) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("stop" as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("burst" as const), n: fc.constantFrom(2, 3, 120, 300, 1100), delay: fc.option(fc.constantFrom(...DELAYS), { nil: null }) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant("soon" as const), body: tie("body") }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant("later" as const), delay: fc.constantFrom(...DELAYS), body: tie("body") }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("at" as const), when: fc.constantFrom(...WHENS), body: tie("body") }) },
  ),
  body: fc.array(tie("op"), { maxLength: 3, depthIdentifier: "program" }),
}));

const programArb: fc.Arbitrary<Program> = fc.record({
  ops: fc.array(opArb, { maxLength: 10 }),
  seqBeforeWrap: fc.option(fc.nat(20), { nil: null, freq: 2 }),
});

/** What a program needs of a loop: the model and the real loops both provide it. */
interface Sched {
  time(): number;
  callSoon(fn: () => void): { cancel(): void };
  callLater(delay: number, fn: () => void): { cancel(): void };
  callAt(when: number, fn: () => void): { cancel(): void };
  stop(): void;
}

/** Runs `ops` on `s`, recording each callback as it runs ("c<n>@<time>", n in creation order). */
class Interpreter {
  readonly log: string[] = [];
  readonly handles: { cancel(): void }[] = [];
  stopCalled = false;
  #next = 0;

  constructor(readonly s: Sched) {}

  exec(ops: Op[]): void {
    for (const o of ops) {
      switch (o.op) {
        case "soon":
          this.#schedule(o.body, (fn) => this.s.callSoon(fn));
          break;
        case "later":
          this.#schedule(o.body, (fn) => this.s.callLater(o.delay, fn));
          break;
        case "at":
          this.#schedule(o.body, (fn) => this.s.callAt(o.when, fn));
          break;
        case "burst":
          for (let i = 0; i < o.n; i++) {
            this.#schedule([], o.delay === null ? (fn) => this.s.callSoon(fn) : (fn) => this.s.callLater(o.delay!, fn));
          }
          break;
        case "cancel": {
          const n = this.handles.length;
          if (n === 0) break;
          if (o.every === 0) this.handles[o.target % n].cancel();
          else for (let i = o.target % n; i < n; i += o.every) this.handles[i].cancel();
          break;
        }
        case "stop":
          this.stopCalled = true;
          this.s.stop();
          break;
      }
    }
  }

  #schedule(body: Op[], make: (fn: () => void) => { cancel(): void }): void {
    const name = `c${this.#next++}`;
    this.handles.push(make(() => {
      this.log.push(`${name}@${this.s.time()}`);
      this.exec(body);
    }));
  }
}

// ---- the model ---------------------------------------------------------------------

interface Item {
  fn: () => void;
  cancelled: boolean;
  when: number;
  seq: number;
}

/** asyncio's loop, spelled out: a ready list, a timer list, _run_once. No heap, no ring, no ids. */
class Model implements Sched {
  now = 0;
  ready: Item[] = [];
  timers: Item[] = [];
  stopping = false;
  #seq = 0;

  time(): number {
    return this.now;
  }
  callSoon(fn: () => void) {
    return this.#handle(this.ready, fn, 0);
  }
  callLater(delay: number, fn: () => void) {
    return this.#handle(this.timers, fn, this.now + (delay > 0 ? delay : 0));
  }
  callAt(when: number, fn: () => void) {
    return this.#handle(this.timers, fn, when);
  }
  stop(): void {
    this.stopping = true;
  }

  #handle(list: Item[], fn: () => void, when: number) {
    const item: Item = { fn, cancelled: false, when, seq: this.#seq++ };
    list.push(item);
    return { cancel: () => void (item.cancelled = true) };
  }

  /** One run (runForever until stop, or until nothing is left): "stopped" or "idle". */
  run(): "stopped" | "idle" {
    for (;;) {
      if (!this.stopping && this.ready.length === 0) {
        const live = this.timers.filter((t) => !t.cancelled).map((t) => t.when);
        const next = Math.min(Infinity, ...live);
        if (next === Infinity) return "idle";
        if (next > this.now) this.now = next;
      }
      this.runOnce();
      if (this.stopping) {
        this.stopping = false;
        return "stopped";
      }
    }
  }

  runOnce(): void {
    const batch = this.ready;
    this.ready = [];
    const due = this.timers.filter((t) => t.when <= this.now).sort((a, b) => a.when - b.when || a.seq - b.seq);
    this.timers = this.timers.filter((t) => t.when > this.now);
    batch.push(...due);
    for (const item of batch) {
      if (item.cancelled) continue;
      item.cancelled = true; // ran: a later cancel() is a no-op
      item.fn();
    }
  }
}

function runModel(p: Program): string[] {
  const model = new Model();
  const it = new Interpreter(model);
  it.exec(p.ops);
  for (;;) {
    const how = model.run();
    it.log.push(`${how}@${model.now}`);
    if (how === "idle") return it.log;
  }
}

// ---- the real loops ------------------------------------------------------------------

function runLoop(p: Program, core: "wasm" | "js"): string[] {
  const loop = new EventLoop({ clock: "virtual", core });
  const errors: unknown[] = [];
  loop.setExceptionHandler((_l, c) => void errors.push(c.exception ?? c.message));
  try {
    if (p.seqBeforeWrap !== null) _schedulerCore(loop).timerSetSeq(0xffffffff - p.seqBeforeWrap);
    const it = new Interpreter(loop);
    it.exec(p.ops);
    // Never done: each run ends by stop() or because nothing is left.
    const never = loop.createFuture<never>();
    for (;;) {
      try {
        runIn(loop, never);
      } catch {
        // "stopped before the future completed", or "nothing left that could complete it".
      }
      const how = it.stopCalled ? "stopped" : "idle";
      it.stopCalled = false;
      it.log.push(`${how}@${loop.time()}`);
      if (how === "idle") break;
    }
    never.cancel();
    // Timers that never fire (Infinity) are still held: cancel everything, and every id is
    // free at once (a cancel removes the timer from the core when it is made).
    for (const h of it.handles) h.cancel();
    assert.is(loopStats(loop).liveIds, 0, `[${core}] ids still held at the end`);
    assert.is(loopStats(loop).timers, 0, `[${core}] timers still held at the end`);
    assert.equal(errors, [], `[${core}] the exception handler was called`);
    return it.log;
  } finally {
    loop.close();
  }
}

const test = suite("scheduler: Wasm core, TS core and a model run programs in one order");

test("callSoon / callLater / callAt / cancel / stop, from the top and from callbacks", () => {
  fc.assert(
    fc.property(programArb, (p) => {
      const expected = runModel(p);
      assert.equal(runLoop(p, "wasm"), expected, "Wasm core against the model");
      assert.equal(runLoop(p, "js"), expected, "TS core against the model");
    }),
    fcParams(2000),
  );
});

test.run();
