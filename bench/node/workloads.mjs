// The Node-side workloads: wasyncio (either core), Node's own primitives, Effection 4.
//   node bench/node/workloads.mjs <system> <workload> [--n N] [--tasks T] [--warmup K]
//   node --expose-gc bench/node/workloads.mjs <system> <w5|w5g> --retained [--tasks T]
// W2i is W2 on wasyncio (Wasm core) as is (`wasyncio-wasm`) or observed: with a no-op
// instrument (`wasyncio-wasm+instrument`), a trace recorder (`+trace`), in debug mode (`+debug`),
// or with task-local context (`+context`: a ContextVar exists, so each task runs every step
// in a Context of its own, and each worker sets it once and reads it at every switch).
// `wasyncio-wasm+eager` runs W2, W5, W5g, W5h and W5s with `eagerTaskFactory` installed (every
// task's first step runs inside createTask). W5h: TASKS tasks of which 9 in 10 return at once
// (a cache hit) and 1 in 10 sleeps [0, 100) ms, all awaited with gather. W5s: TASKS tasks made
// and awaited one after another, each returning at once.
// Prints one JSON line: {"ms", "count", "phases"? (w4), "rssMB"? (w5, w5g, w5h), "retained"?
// (--retained)}. Exit 3 when the system cannot run the workload, 2 on a usage error. Every
// run asserts its correctness count.
//
// --retained measures what each parked task keeps alive, in its own process: a full GC
// before the tasks are made and another once every one of them is parked in its sleep.
// The forced collections (one of them over 100k live tasks) and the extra bookkeeping
// would show up in the time and would reset the heap's growth that peak RSS reflects, so
// a timed run never does this; the runner starts a separate process for it.
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { n: { type: "string" }, tasks: { type: "string" }, warmup: { type: "string" }, retained: { type: "boolean" } },
});
const [system, workload] = positionals;
/** The workloads that report peak RSS, which a warm-up run would already have set. */
const peakRss = workload === "w5" || workload === "w5g" || workload === "w5h";
const N = Number(values.n ?? 1_000_000);
const TASKS = Number(values.tasks ?? (peakRss || workload === "w5s" ? 100_000 : 1000));
const WARMUP = Number(values.warmup ?? (peakRss ? 0 : 1));
const RETAINED = values.retained === true;
if (RETAINED && workload !== "w5" && workload !== "w5g") usage(`--retained is for w5 and w5g, not ${workload}`);
if (RETAINED && typeof globalThis.gc !== "function") usage("--retained needs node --expose-gc");

function usage(message) {
  console.error(`bench/node/workloads.mjs: ${message}`);
  process.exit(2);
}

/** The suite's one pseudo-random sequence: delays in [0, 100) ms (same LCG in Python). */
function delays(seed, count) {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // exact mod 2^32, as Python's ints
    out[i] = (seed / 2 ** 32) * 100;
  }
  return out;
}

function check(got, want) {
  if (got !== want) throw new Error(`${system} ${workload}: counted ${got}, expected ${want}`);
  return got;
}

const now = () => performance.now();

// ---- retained memory (--retained) ---------------------------------------------------
// Off-heap memory is counted by what holds it, since Node does not count it alike on every
// version: ArrayBuffers (the TS core's typed arrays) from process.memoryUsage(), and Wasm
// memory from every instance made in this process (Node 20 and 24 count Wasm memory in
// `external`, Node 26 nowhere), seen by wrapping WebAssembly.Instance before wasyncio loads.
const wasmMemories = [];
if (RETAINED) {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = class extends Instance {
    constructor(module, imports) {
      super(module, imports);
      for (const value of Object.values(this.exports)) if (value instanceof WebAssembly.Memory) wasmMemories.push(value);
    }
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate(...args);
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) wasmMemories.push(value);
    return result;
  };
}

/** Memory after a full collection; two, so what the first one's finalizers freed is gone too. */
function collected() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  let wasm = 0;
  for (const memory of wasmMemories) wasm += memory.buffer.byteLength;
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers, wasm };
}

/**
 * Bytes per task kept alive since `before`, taken when `parked` of the TASKS tasks are
 * parked in their sleep (the runner reports a run where some were not).
 */
function retainedSince(before, parked) {
  const after = collected();
  const per = (k) => Math.round(((after[k] - before[k]) / TASKS) * 10) / 10;
  return { heap: per("heap"), arrayBuffers: per("arrayBuffers"), wasm: per("wasm"), parked };
}

// ---- wasyncio -----------------------------------------------------------------------
/** What W2i's variants add to the loop W2 runs on. */
const NOOP_INSTRUMENT = {
  beforeTaskStep() {},
  afterTaskStep() {},
  taskScheduled() {},
};

async function wasyncio(core, variant = null) {
  const wasyncioModule = await import("../../dist/index.js");
  const { run, getRunningLoop, sleep, gather, startTrace, ContextVar, eagerTaskFactory } = wasyncioModule;
  // Made before the tasks: each then copies the Context it is created in, as in asyncio.
  const requestId = variant === "context" ? new ContextVar("requestId") : null;
  const opts = { core, ...(variant === "debug" && { debug: true }) };
  /** The eager variant: every task of the loop starts eagerly. */
  const setUp = (loop) => {
    if (variant === "eager") loop.setTaskFactory(eagerTaskFactory);
  };
  /** W5h's unit: a cache hit (9 in 10) returns without waiting; a miss sleeps. */
  function* lookup(delay, i) {
    if (i % 10 !== 0) return i;
    return yield* sleep(delay, i);
  }
  function* sleeper(delay, i) {
    return yield* sleep(delay, i);
  }
  /** W5s's unit: returns at once. */
  function* immediate(i) {
    return i;
  }
  /** TASKS tasks, each `coroutine(delay, index)`, all awaited with gather. */
  const manyTasksRun = (coroutine) => () => run(function* () {
    const loop = getRunningLoop();
    setUp(loop);
    const d = delays(5, TASKS);
    const before = RETAINED ? collected() : null;
    let retained;
    const t0 = now();
    const tasks = [];
    for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(coroutine(d[i], i)));
    // Runs after every task's first step (the ready queue is FIFO), so each is parked in
    // its sleep, and after gather below has set up its callbacks on them.
    if (RETAINED) {
      loop.callSoon(() => {
        let parked = 0;
        for (let i = 0; i < TASKS; i++) if (!tasks[i].done()) parked++;
        retained = retainedSince(before, parked);
      });
    }
    const results = yield* gather(...tasks);
    let sum = 0;
    for (let i = 0; i < TASKS; i++) if (results[i] === i) sum++;
    return { ms: now() - t0, count: check(sum, TASKS), rssMB: rss(), ...(RETAINED && { retained }) };
  }, opts);
  return {
    w1a: () => run(function* () {
      const loop = getRunningLoop();
      const done = loop.createFuture();
      let count = 0;
      const cb = () => {
        if (++count === N) done.setResult();
      };
      const t0 = now();
      for (let i = 0; i < N; i++) loop.callSoon(cb);
      yield* done;
      return { ms: now() - t0, count: check(count, N) };
    }, opts),
    w1b: () => run(function* () {
      const loop = getRunningLoop();
      const done = loop.createFuture();
      let count = 0;
      const cb = () => {
        if (++count === N) done.setResult();
        else loop.callSoon(cb);
      };
      const t0 = now();
      loop.callSoon(cb);
      yield* done;
      return { ms: now() - t0, count: check(count, N) };
    }, opts),
    w2: () => run(function* () {
      const loop = getRunningLoop();
      setUp(loop);
      // W2i's observed variants (the variant is set only for w2i).
      if (variant === "instrument") loop.addInstrument(NOOP_INSTRUMENT);
      const recorder = variant === "trace" ? startTrace(loop) : null;
      const per = N / TASKS;
      let count = 0;
      function* worker() {
        for (let i = 0; i < per; i++) {
          yield* sleep(0);
          count++;
        }
      }
      /** W2i's `+context` worker: its value survives every switch (each task sees only its own). */
      function* contextWorker(id) {
        requestId.set(id);
        for (let i = 0; i < per; i++) {
          yield* sleep(0);
          if (requestId.get() === id) count++;
        }
      }
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(requestId === null ? worker() : contextWorker(i)));
      yield* gather(...tasks);
      const ms = now() - t0;
      if (variant === "instrument") loop.removeInstrument(NOOP_INSTRUMENT);
      // Every step is in the trace: one complete event per switch at least.
      if (recorder !== null && recorder.stop().traceEvents.length < N) throw new Error("the trace lost steps");
      return { ms, count: check(count, N) };
    }, opts),
    w3: () => run(function* () {
      const { Queue } = wasyncioModule;
      const loop = getRunningLoop();
      const q = new Queue(100);
      let total = 0;
      function* producer() {
        for (let i = 0; i < N; i++) yield* q.put(i);
      }
      function* consumer() {
        for (let i = 0; i < N; i++) total += yield* q.get();
      }
      const t0 = now();
      yield* gather(producer(), consumer());
      const ms = now() - t0;
      check(total, (N * (N - 1)) / 2);
      return { ms, count: N };
    }, opts),
    w4: () => run(function* () {
      const loop = getRunningLoop();
      const d = delays(1, N);
      const done = loop.createFuture();
      let count = 0;
      const cb = () => {
        if (++count === N / 2) done.setResult();
      };
      const handles = new Array(N);
      const t0 = now();
      for (let i = 0; i < N; i++) handles[i] = loop.callLater(d[i], cb);
      const t1 = now();
      for (let i = 0; i < N; i += 2) handles[i].cancel();
      const t2 = now();
      yield* done;
      const t3 = now();
      return { ms: t3 - t0, count: check(count, N / 2), phases: { schedule: t1 - t0, cancel: t2 - t1, dispatch: t3 - t2 } };
    }, opts),
    // W5: the task is the sleep operation itself; W5g: a generator per task around it.
    w5: manyTasksRun((d, i) => sleep(d, i)),
    w5g: manyTasksRun((d, i) => sleeper(d, i)),
    w5h: manyTasksRun((d, i) => lookup(d, i)),
    // W5s: each task made and awaited before the next; plain, each costs a trip through the
    // ready queue and a wakeup of the awaiting task, eager neither.
    w5s: () => run(function* () {
      const loop = getRunningLoop();
      setUp(loop);
      let sum = 0;
      const t0 = now();
      for (let i = 0; i < TASKS; i++) if ((yield* loop.createTask(immediate(i))) === i) sum++;
      return { ms: now() - t0, count: check(sum, TASKS) };
    }, opts),
  };
}

function rss() {
  return process.resourceUsage().maxRSS / 1024;
}

// ---- Node's own primitives ----------------------------------------------------------
function drain(schedule) {
  return () => new Promise((resolve) => {
    let count = 0;
    const cb = () => {
      if (++count === N) resolve({ ms: now() - t0, count });
    };
    const t0 = now();
    for (let i = 0; i < N; i++) schedule(cb);
  });
}

function chain(schedule) {
  return () => new Promise((resolve) => {
    let count = 0;
    const cb = () => {
      if (++count === N) resolve({ ms: now() - t0, count });
      else schedule(cb);
    };
    const t0 = now();
    schedule(cb);
  });
}

function switches(pause) {
  return async () => {
    const per = N / TASKS;
    let count = 0;
    const worker = async () => {
      for (let i = 0; i < per; i++) {
        await pause();
        count++;
      }
    };
    const t0 = now();
    await Promise.all(Array.from({ length: TASKS }, worker));
    return { ms: now() - t0, count: check(count, N) };
  };
}

async function promisesManyTasks() {
  const d = delays(5, TASKS);
  const before = RETAINED ? collected() : null;
  const t0 = now();
  const all = Promise.all(Array.from({ length: TASKS }, async (_, i) => {
    await new Promise((r) => setTimeout(r, Math.round(d[i])));
    return i;
  }));
  // Each async function ran up to its await synchronously: all are parked here.
  const retained = RETAINED ? retainedSince(before, TASKS) : undefined;
  const results = await all;
  let sum = 0;
  results.forEach((v, i) => (sum += v === i ? 1 : 0));
  return { ms: now() - t0, count: check(sum, TASKS), rssMB: rss(), ...(RETAINED && { retained }) };
}

const nodeSystems = {
  "node-setImmediate": { w1a: drain(setImmediate), w1b: chain(setImmediate) },
  "node-queueMicrotask": { w1a: drain(queueMicrotask), w1b: chain(queueMicrotask) },
  "node-await-null": { w2: switches(() => null) },
  "node-await-setImmediate": { w2: switches(() => new Promise((r) => setImmediate(r))) },
  // setTimeout keys its timer lists by duration: whole milliseconds, its natural use.
  "node-setTimeout": {
    w4: () => new Promise((resolve) => {
      const d = delays(1, N);
      let count = 0, t2 = 0;
      const t0 = now();
      const cb = () => {
        if (++count === N / 2) {
          const t3 = now();
          resolve({ ms: t3 - t0, count, phases: { schedule: t1 - t0, cancel: t2 - t1, dispatch: t3 - t2 } });
        }
      };
      const handles = new Array(N);
      for (let i = 0; i < N; i++) handles[i] = setTimeout(cb, Math.round(d[i]));
      const t1 = now();
      for (let i = 0; i < N; i += 2) clearTimeout(handles[i]);
      t2 = now();
    }),
  },
  // Node's bounded queue of objects: an objectMode stream with highWaterMark 100, written
  // with backpressure ('drain') and read with for await.
  "node-stream": {
    w3: async () => {
      const { PassThrough } = await import("node:stream");
      const stream = new PassThrough({ objectMode: true, highWaterMark: 100 });
      const t0 = now();
      const producer = (async () => {
        for (let i = 0; i < N; i++) {
          if (!stream.write(i)) await new Promise((r) => stream.once("drain", r));
        }
        stream.end();
      })();
      let total = 0, count = 0;
      for await (const v of stream) {
        total += v;
        count++;
      }
      await producer;
      check(total, (N * (N - 1)) / 2);
      return { ms: now() - t0, count };
    },
  },
  // An async function per task, in W5 and W5g alike (its unit already is one).
  "node-promises": { w5: promisesManyTasks, w5g: promisesManyTasks },
};

// ---- Effection 4 ----------------------------------------------------------------------
async function effection() {
  const { run, spawn, sleep, withResolvers } = await import("effection");
  return {
    w2: () => run(function* () {
      const per = N / TASKS;
      let count = 0;
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < TASKS; i++) {
        tasks.push(yield* spawn(function* () {
          for (let k = 0; k < per; k++) {
            yield* sleep(0);
            count++;
          }
        }));
      }
      for (const t of tasks) yield* t;
      return { ms: now() - t0, count: check(count, N) };
    }),
    w5: () => run(function* () {
      const d = delays(5, TASKS);
      const before = RETAINED ? collected() : null;
      // Effection starts a spawned task later, not inside spawn(): --retained waits until
      // the last one has started (then every one is parked, or already done: counted).
      let started = 0, finished = 0;
      const allStarted = RETAINED ? withResolvers() : null;
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < TASKS; i++) {
        tasks.push(yield* spawn(function* () {
          if (RETAINED && ++started === TASKS) allStarted.resolve();
          yield* sleep(Math.round(d[i]));
          if (RETAINED) finished++;
          return i;
        }));
      }
      let retained;
      if (RETAINED) {
        yield* allStarted.operation;
        retained = retainedSince(before, started - finished);
      }
      let sum = 0;
      for (let i = 0; i < TASKS; i++) if ((yield* tasks[i]) === i) sum++;
      return { ms: now() - t0, count: check(sum, TASKS), rssMB: rss(), ...(RETAINED && { retained }) };
    }),
  };
}

/** W2i: W2 on the Wasm core, plain or with `variant` (see the top of this file). */
const w2i = (variant) => async () => ({ w2i: (await wasyncio("wasm", variant)).w2 });

const systems = {
  "wasyncio-wasm": async () => {
    const impl = await wasyncio("wasm");
    return { ...impl, w2i: impl.w2 };
  },
  "wasyncio-wasm+instrument": w2i("instrument"),
  "wasyncio-wasm+trace": w2i("trace"),
  "wasyncio-wasm+debug": w2i("debug"),
  "wasyncio-wasm+context": w2i("context"),
  "wasyncio-wasm+eager": async () => {
    const { w2, w5, w5g, w5h, w5s } = await wasyncio("wasm", "eager");
    return { w2, w5, w5g, w5h, w5s };
  },
  "wasyncio-js": () => wasyncio("js"),
  effection,
  ...Object.fromEntries(Object.entries(nodeSystems).map(([k, v]) => [k, async () => v])),
};

const make = systems[system];
if (make === undefined) {
  console.error(`unknown system ${system}; one of ${Object.keys(systems).join(", ")}`);
  process.exit(2);
}
const impl = (await make())[workload];
if (impl === undefined) {
  console.error(`${system} has no ${workload}`);
  process.exit(3);
}
for (let i = 0; i < WARMUP; i++) await impl();
console.log(JSON.stringify(await impl()));
