// The Node-side workloads: wasyncio (either core), Node's own primitives, Effection 4.
//   node bench/node/workloads.mjs <system> <workload> [--n N] [--tasks T] [--warmup K]
// Prints one JSON line: {"ms", "count", "phases"? (w4), "rssMB"? (w5)}. Exit 3 when the
// system cannot run the workload. Every run asserts its correctness count.
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { n: { type: "string" }, tasks: { type: "string" }, warmup: { type: "string" } },
});
const [system, workload] = positionals;
const N = Number(values.n ?? 1_000_000);
const TASKS = Number(values.tasks ?? (workload === "w5" ? 100_000 : 1000));
const WARMUP = Number(values.warmup ?? (workload === "w5" ? 0 : 1));

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

// ---- wasyncio -----------------------------------------------------------------------
async function wasyncio(core) {
  const wasyncioModule = await import("../../dist/index.js");
  const { run, getRunningLoop, sleep, gather } = wasyncioModule;
  const opts = { core };
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
      const per = N / TASKS;
      let count = 0;
      function* worker() {
        for (let i = 0; i < per; i++) {
          yield* sleep(0);
          count++;
        }
      }
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(worker()));
      yield* gather(...tasks);
      return { ms: now() - t0, count: check(count, N) };
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
    w5: () => run(function* () {
      const loop = getRunningLoop();
      const d = delays(5, TASKS);
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < TASKS; i++) tasks.push(loop.createTask(sleep(d[i], i)));
      const results = yield* gather(...tasks);
      let sum = 0;
      for (let i = 0; i < TASKS; i++) if (results[i] === i) sum++;
      return { ms: now() - t0, count: check(sum, TASKS), rssMB: rss() };
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
  "node-promises": {
    w5: async () => {
      const d = delays(5, TASKS);
      const t0 = now();
      const results = await Promise.all(Array.from({ length: TASKS }, async (_, i) => {
        await new Promise((r) => setTimeout(r, Math.round(d[i])));
        return i;
      }));
      let sum = 0;
      results.forEach((v, i) => (sum += v === i ? 1 : 0));
      return { ms: now() - t0, count: check(sum, TASKS), rssMB: rss() };
    },
  },
};

// ---- Effection 4 ----------------------------------------------------------------------
async function effection() {
  const { run, spawn, sleep } = await import("effection");
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
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < TASKS; i++) {
        tasks.push(yield* spawn(function* () {
          yield* sleep(Math.round(d[i]));
          return i;
        }));
      }
      let sum = 0;
      for (let i = 0; i < TASKS; i++) if ((yield* tasks[i]) === i) sum++;
      return { ms: now() - t0, count: check(sum, TASKS), rssMB: rss() };
    }),
  };
}

const systems = {
  "wasyncio-wasm": () => wasyncio("wasm"),
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
