// The timing wheel against a model. fast-check writes random programs of timerAdd (single
// and in bursts), timerCancel, push, tick, timerNext and sequence numbers about to wrap; each runs step by step on a model
// written to be obviously right (a list of timers, sorted when asked) and on every core:
// the TS core, the Wasm core (release build) and the Wasm core's debug build, each at 1,
// 4 and 64 ticks per ms. After every step: the core holds exactly the model's timers
// (timerCount, and which ids hold one: a cancelled id is free at once), and each tick
// fires the model's batch (the pushes, then the due timers by deadline, ties in
// scheduling order, never early); `next` steps check timerNext, exact.
//
// The debug build runs with assertions on, loaded through @assemblyscript/loader (which
// turns an assertion into an error with its message, file and line), and checks all of
// the wheel's invariants after every step (assembly/check.ts). One more run of it has its
// memory capped, so bursts run out of memory: every call that fails must fail whole (the
// model skips it, and the core must still agree with the model after).
//
// Ids come as the host's slot table hands them out (recycled LIFO), so a cancelled or
// fired id is soon scheduled again. fast-check prints the seed and the shrunk program of a
// failure (FC_SEED replays it).
import fc from "fast-check";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { instantiateSync } from "@assemblyscript/loader";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { JsCore } from "../../src/core/js.js";
import type { SchedulerCore } from "../../src/core/types.js";
import { WasmCore, wasmModule, type CoreExports } from "../../src/core/wasm.js";
import { fcParams } from "../reliability/runs.js";

// ---- the debug build -----------------------------------------------------------------

const ROOT = join(import.meta.dirname, "..", "..");
const DEBUG_WASM = join(ROOT, "build", "core.debug.wasm");
if (!existsSync(DEBUG_WASM)) execFileSync(process.execPath, ["scripts/build-wasm.mjs"], { cwd: ROOT, stdio: "inherit" });
const debugModule = new WebAssembly.Module(readFileSync(DEBUG_WASM));

interface DebugExports extends CoreExports {
  checkInvariants(): void;
}

/** A debug-build instance on its own memory, of at most `maxPages` pages. */
function debugInstance(maxPages = 65536): DebugExports {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: maxPages });
  return instantiateSync<DebugExports & Record<string, unknown>>(debugModule, { env: { memory } }).exports;
}

// ---- the programs --------------------------------------------------------------------

/** A deadline: now plus a delta, the deadline of an earlier timer (equal deadlines), or a fixed time. */
type When = { rel: number } | { same: number } | { abs: number };
type Dt = number | "next" | "justBefore" | "floor" | "half";
type Op =
  | { op: "add"; when: When }
  /** `n` timers: at one deadline, or spread over `range` ms from now (whole ms or fractions), by a seeded LCG. */
  | { op: "burst"; n: number; range: number; whole: boolean; equal: boolean; seed: number }
  /** Cancels the `k`-th live timer (modulo), or every `every`-th from there. */
  | { op: "cancel"; k: number; every: number }
  /** Cancels the earliest live timer (the run's front, or the near heap's top). */
  | { op: "cancelFirst" }
  | { op: "push"; n: number }
  /**
   * Moves the time on by `dt`, or to the next deadline, just before it, its whole ms (the
   * start of its slot at 1 tick per ms: the slot comes due but not all of it), or halfway
   * to it; then ticks.
   */
  | { op: "tick"; dt: Dt }
  | { op: "next" }
  /**
   * The next sequence number `k` short of 2^32 - 1: the records are renumbered at the add
   * after the next k. (Skipped while one is pending: the number only ever goes up.)
   */
  | { op: "nearWrap"; k: number };

// Deltas that meet the wheel's edges: slot and level boundaries (64^k ticks at 1 tick per
// ms), the span (2^36 ticks: 2^36 ms at 1, 2^30 ms at 64), past it (the overflow), huge,
// never, overdue.
const DELTAS = [
  0, 0, 0.25, 0.5, 0.999, 1, 1, 1.5, 2, 3, 10, 63, 63.5, 64, 65, 100, 4095, 4096, 4096.5, 262_143.75, 262_144,
  2 ** 24 + 0.5, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 0.5, 2 ** 36 - 1, 2 ** 36, 2 ** 37 + 0.75, 1e300, Infinity, -1, -1000, -Infinity,
];

const whenArb: fc.Arbitrary<When> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...DELTAS).map((rel) => ({ rel })) },
  { weight: 4, arbitrary: fc.double({ min: 0, max: 300, noNaN: true }).map((rel) => ({ rel })) },
  { weight: 2, arbitrary: fc.nat(50).map((same) => ({ same })) },
  { weight: 1, arbitrary: fc.constantFrom(0, 5, 5.5, 1e6, 2 ** 40).map((abs) => ({ abs })) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant("add" as const), when: whenArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("burst" as const),
      n: fc.constantFrom(2, 17, 31, 32, 33, 100, 700, 2500),
      range: fc.constantFrom(1, 5, 100, 5000, 1e6, 2 ** 37),
      whole: fc.boolean(),
      equal: fc.boolean(),
      seed: fc.nat(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("cancel" as const), k: fc.nat(1000), every: fc.constantFrom(0, 0, 0, 1, 2, 3, 7) }) },
  { weight: 2, arbitrary: fc.constant({ op: "cancelFirst" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("push" as const), n: fc.constantFrom(1, 3, 1100) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("tick" as const),
      dt: fc.oneof(
        fc.constantFrom<Dt>("next", "next", "justBefore", "floor", "floor", "half", 0, 0.25, 1, 3.5, 64, 5000, 2 ** 30),
        fc.double({ min: 0, max: 100, noNaN: true }),
      ),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ op: "next" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("nearWrap" as const), k: fc.nat(40) }) },
);

const programArb = fc.array(opArb, { minLength: 1, maxLength: 60, size: "medium" });

// ---- the model -----------------------------------------------------------------------

/** The host's side and the model: ids as a slot table hands them out, and the timers as a plain list. */
class Model {
  now = 0;
  readonly timers = new Map<number, { when: number; seq: number }>();
  readonly pushed: number[] = [];
  readonly whens: number[] = [];
  #seq = 0;
  #free: number[] = [];
  nextId = 0;
  #nextPush = 1_000_000;

  /** An id, LIFO as the slot table; give it back with free() if the core refused it. */
  alloc(): number {
    return this.#free.length > 0 ? this.#free.pop()! : this.nextId++;
  }
  free(id: number): void {
    this.#free.push(id);
  }
  pushId(): number {
    return this.#nextPush++;
  }

  add(id: number, when: number): void {
    this.timers.set(id, { when, seq: this.#seq++ });
    this.whens.push(when);
  }
  cancel(id: number): void {
    this.timers.delete(id);
    this.free(id);
  }
  /** Live ids by (when, seq). */
  sorted(): number[] {
    return [...this.timers].sort(([, a], [, b]) => a.when - b.when || a.seq - b.seq || 0).map(([id]) => id);
  }
  next(): number {
    let min = Infinity;
    for (const { when } of this.timers.values()) if (when < min) min = when;
    return min;
  }
  /** asyncio's order: the pushes, then every timer due at now (never +Infinity), by (when, seq). */
  tick(): number[] {
    const due = [...this.timers]
      .filter(([, t]) => t.when <= this.now && t.when !== Infinity)
      .sort(([, a], [, b]) => (a.when < b.when ? -1 : a.when > b.when ? 1 : a.seq - b.seq))
      .map(([id]) => id);
    for (const id of due) this.timers.delete(id);
    const batch = [...this.pushed.splice(0), ...due];
    for (const id of due) this.free(id); // the host frees a timer's slot when it runs
    return batch;
  }
}

function lcg(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

// ---- running a program in lockstep -----------------------------------------------------

interface Subject {
  name: string;
  core: SchedulerCore & { _timerHeld(id: number): boolean };
  check?: () => void;
  /** Its memory is capped: calls that allocate may fail (whole). */
  mayFail?: boolean;
}

function isOutOfMemory(e: unknown): boolean {
  return e instanceof RangeError && /cannot grow its memory/.test(e.message);
}

function lockstep(program: Op[], s: Subject): void {
  const m = new Model(), core = s.core;
  let step = 0;
  const where = () => `[${s.name}] step ${step} of ${JSON.stringify(program)}`;
  /** assert.equal, with the message made only on a failure (it prints the whole program). */
  const same = (actual: unknown, expected: unknown, what: () => string) => {
    if (typeof expected === "object" ? JSON.stringify(actual) !== JSON.stringify(expected) : !Object.is(actual, expected)) {
      assert.equal(actual, expected, `${what()}, ${where()}`);
    }
  };
  /** Runs a core call that may run out of memory: false (and the model unchanged) if it did. */
  const attempt = (fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (e) {
      if (s.mayFail && isOutOfMemory(e)) return false;
      throw e;
    }
  };
  /** Adds until the renumbering a nearWrap set up has happened. */
  let wrapIn = 0;
  const add = (when: number) => {
    const id = m.alloc();
    if (attempt(() => core.timerAdd(id, when))) {
      m.add(id, when);
      if (wrapIn > 0) wrapIn--;
    } else {
      m.free(id);
    }
  };
  const cancel = (id: number) => {
    core.timerCancel(id);
    m.cancel(id);
  };
  const tick = () => {
    let got: number[] | null = null;
    attempt(() => {
      const n = core.tick(m.now);
      got = Array.from({ length: n }, (_, i) => core.batchAt(i));
      core.batchDone();
    });
    if (got === null) return; // failed whole: the pushes wait, the timers stay
    same(got, m.tick(), () => `batch at ${m.now}`);
  };
  const verify = () => {
    same(core.timerCount(), m.timers.size, () => "timerCount");
    const ids = m.nextId <= 300 || step === program.length ? m.nextId + 2 : 0;
    for (let id = 0; id < ids; id++) same(core._timerHeld(id), m.timers.has(id), () => `id ${id} held`);
    try {
      s.check?.();
    } catch (e) {
      throw new Error(`${(e as Error).message}, ${where()}`);
    }
  };

  for (const o of program) {
    step++;
    switch (o.op) {
      case "add": {
        const w = o.when;
        add("rel" in w ? m.now + w.rel : "same" in w ? (m.whens.length > 0 ? m.whens[w.same % m.whens.length] : m.now) : w.abs);
        break;
      }
      case "burst": {
        const random = lcg(o.seed);
        const at = m.now + random() * o.range;
        for (let i = 0; i < o.n; i++) {
          const d = random() * o.range;
          add(o.equal ? at : m.now + (o.whole ? Math.floor(d) : d));
        }
        break;
      }
      case "cancel": {
        const live = [...m.timers.keys()];
        if (live.length === 0) break;
        if (o.every === 0) cancel(live[o.k % live.length]);
        else for (let i = o.k % live.length; i < live.length; i += o.every) cancel(live[i]);
        break;
      }
      case "cancelFirst": {
        const first = m.sorted()[0];
        if (first !== undefined) cancel(first);
        break;
      }
      case "push":
        for (let i = 0; i < o.n; i++) {
          const id = m.pushId();
          if (attempt(() => core.push(id))) m.pushed.push(id);
        }
        break;
      case "tick": {
        const next = m.next();
        if (o.dt === "next") m.now = Math.max(m.now, next === Infinity ? m.now : next);
        else if (o.dt === "justBefore") m.now = Math.max(m.now, next === Infinity ? m.now : next - Math.max(1e-6, Math.abs(next) * 1e-15));
        else if (o.dt === "floor") m.now = Math.max(m.now, next === Infinity ? m.now : Math.floor(next));
        else if (o.dt === "half") m.now = Math.max(m.now, next === Infinity ? m.now : m.now + (next - m.now) / 2);
        else m.now += o.dt;
        tick();
        break;
      }
      case "next":
        same(core.timerNext(), m.next(), () => "timerNext");
        break;
      case "nearWrap":
        // The order of the timers held must not change: the model has nothing to do.
        if (wrapIn === 0) {
          core.timerSetSeq(0xffffffff - o.k);
          wrapIn = o.k + 1;
        }
        break;
    }
    verify();
  }
  // The end: jump from deadline to deadline (as the virtual clock does) a few times, then
  // to the largest time there is: every finite timer fires, +Infinity never does.
  step++;
  for (let jumps = 0; jumps < 30; jumps++) {
    const next = m.next();
    same(core.timerNext(), next, () => "timerNext at the end");
    if (next === Infinity) break;
    m.now = Math.max(m.now, next);
    tick();
  }
  m.now = Number.MAX_VALUE;
  tick();
  same(core.timerNext(), m.next(), () => "timerNext at the end");
  for (const id of [...m.timers.keys()]) cancel(id);
  verify();
  assert.is(core.timerCount(), 0);
}

// ---- the suite -------------------------------------------------------------------------

const RESOLUTIONS = [1, 4, 64];

function subjects(): Subject[] {
  const list: Subject[] = [];
  for (const r of RESOLUTIONS) {
    list.push({ name: `ts core, ${r} ticks/ms`, core: new JsCore(r) });
    list.push({ name: `wasm core, ${r} ticks/ms`, core: new WasmCore(wasmModule()!, r) });
    const ex = debugInstance();
    list.push({ name: `wasm debug build, ${r} ticks/ms`, core: new WasmCore(null, r, ex), check: () => ex.checkInvariants() });
  }
  // Three pages: the first layout and a few hundred timers, then the bursts run out.
  for (const r of [1, 64]) {
    const ex = debugInstance(3);
    list.push({ name: `wasm debug build, ${r} ticks/ms, 192 KiB`, core: new WasmCore(null, r, ex), check: () => ex.checkInvariants(), mayFail: true });
  }
  return list;
}

const test = suite("timing wheel: every core at 1, 4 and 64 ticks per ms against a model");

test("random programs of add, burst, cancel, push, tick and next", () => {
  fc.assert(
    fc.property(programArb, (program) => {
      for (const s of subjects()) lockstep(program, s);
    }),
    { ...fcParams(150), includeErrorInReport: true },
  );
});

test("the capped debug build does run out of memory in bursts (the out-of-memory paths are reached)", () => {
  const ex = debugInstance(3);
  const core = new WasmCore(null, 1, ex);
  let added = 0;
  assert.throws(() => {
    for (; added < 100_000; added++) core.timerAdd(added, 10 + (added % 5000) * 0.37);
  }, isOutOfMemory);
  ex.checkInvariants();
  assert.is(core.timerCount(), added);
  // A tick whose due timers do not fit the ring: it fails whole.
  for (let i = 0; ; i++) {
    try {
      core.push(1_000_000 + i);
    } catch (e) {
      assert.ok(isOutOfMemory(e));
      break;
    }
  }
  assert.throws(() => core.tick(1e9), isOutOfMemory);
  ex.checkInvariants();
  assert.is(core.timerCount(), added);
});

test("an assertion in the debug build reads as a sentence with its file and line (through the loader)", () => {
  const core = new WasmCore(null, 1, debugInstance());
  core.timerAdd(3, 10);
  // Cancelling an id that holds no timer is the caller's bug: undefined in release, caught here.
  assert.throws(() => core.timerCancel(4), (e: unknown) => e instanceof Error && /abort: timerCancel: the id holds no timer at assembly\/timers\.ts:\d+:\d+/.test(e.message));
  assert.throws(() => core.timerAdd(3, 20), (e: unknown) => e instanceof Error && /the id already holds a timer/.test(e.message));
});

test.run();
