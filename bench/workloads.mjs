// The workloads, each asserting its own correctness count. Run in a child process:
//   node bench/workloads.mjs <workload> <core>   → prints one JSON line {ms}
import { EventLoop, sleep } from "../dist/index.js";

const N = Number(process.env.BENCH_N ?? 1_000_000);

function check(name, got, want) {
  if (got !== want) throw new Error(`${name}: counted ${got}, expected ${want}`);
}

/** Deterministic pseudo-random delays in [0, 100) ms. */
function lcg(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 100;
}

export const WORKLOADS = {
  /** W1a: N no-op callbacks scheduled at once, then drained. */
  w1a(loop) {
    let count = 0;
    const cb = () => count++;
    for (let i = 0; i < N; i++) loop.callSoon(cb);
    loop._runUntilCompleteSync(sleep(0));
    check("w1a", count, N);
  },
  /** W1b: each callback schedules the next, N hops (one loop iteration each). */
  w1b(loop) {
    let count = 0;
    const cb = () => {
      if (++count < N) loop.callSoon(cb);
    };
    loop.callSoon(cb);
    loop._runUntilCompleteSync(sleep(1));
    check("w1b", count, N);
  },
  /** W2: 1,000 tasks each doing N/1,000 `yield* sleep(0)`. */
  w2(loop) {
    let count = 0;
    const per = N / 1000;
    function* worker() {
      for (let i = 0; i < per; i++) {
        yield* sleep(0);
        count++;
      }
    }
    const tasks = [];
    for (let i = 0; i < 1000; i++) tasks.push(loop.createTask(worker()));
    loop._runUntilCompleteSync((function* () {
      for (const t of tasks) yield* t;
    })());
    check("w2", count, N);
  },
  /** W4: N callLater timers with random delays, every second one cancelled, the rest fired. */
  w4(loop) {
    let count = 0;
    const cb = () => count++;
    const random = lcg(1);
    const handles = new Array(N);
    for (let i = 0; i < N; i++) handles[i] = loop.callLater(random(), cb);
    for (let i = 0; i < N; i += 2) handles[i].cancel();
    loop._runUntilCompleteSync(sleep(100));
    check("w4", count, N / 2);
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name, core] = process.argv.slice(2);
  const work = WORKLOADS[name];
  if (!work) throw new Error(`unknown workload ${name}`);
  const run = () => {
    const loop = new EventLoop({ core, clock: "virtual" });
    const t0 = performance.now();
    work(loop);
    const ms = performance.now() - t0;
    loop.close();
    return ms;
  };
  run(); // warm-up in the same process: the JIT's first compile is not what we measure
  console.log(JSON.stringify({ ms: run() }));
}
