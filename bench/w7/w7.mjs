// W7: 1,000 CPU jobs of ~5 ms through toThread() (the default WorkerPool, sized to the
// cores), from the built package. Prints one JSON line: wall ms, and the ideal
// (jobs x ms / cores) it is compared with. Run in a fresh process per sample:
//   node bench/w7/w7.mjs [jobs] [ms]
import { availableParallelism } from "node:os";
import { gather, run, toThread } from "wasyncio";

const JOBS = Number(process.argv[2] ?? 1000);
const MS = Number(process.argv[3] ?? 5);
const burn = { module: new URL("./jobs.mjs", import.meta.url), name: "burn" };
const cores = availableParallelism();

const t0 = performance.now();
const done = await run(function* () {
  // Start the pool's workers first (start-up is not the per-job cost under test).
  yield* gather(...Array.from({ length: cores }, () => toThread(burn, 0)));
  const t1 = performance.now();
  const results = yield* gather(...Array.from({ length: JOBS }, () => toThread(burn, MS)));
  return { results, wall: performance.now() - t1 };
});
if (!done.results.every(Boolean) || done.results.length !== JOBS) throw new Error("W7: a job did not run");
const ideal = (JOBS * MS) / cores;
console.log(JSON.stringify({ runtime: `wasyncio toThread (node ${process.versions.node})`, jobs: JOBS, ms: MS, cores, wallMs: +done.wall.toFixed(1), idealMs: ideal, overheadPerJobMs: +(((done.wall - ideal) * cores) / JOBS).toFixed(3), totalMs: +(performance.now() - t0).toFixed(1) }));
