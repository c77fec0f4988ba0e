// W7: 1,000 CPU jobs of ~5 ms through wasyncio, from the built package:
//   toThread  toThread() on the default executor (a WorkerPool sized to the cores)
//   piscina   loop.runInExecutor(pool, { module, name: "burnJob" }, ms) with a Piscina pool
//             as the executor (sized and kept as in piscina.mjs, Piscina used directly)
// Prints one JSON line: wall ms, and the ideal (jobs x ms / cores) it is compared with. Run
// in a fresh process per sample:
//   node bench/w7/w7.mjs [jobs] [ms] [toThread|piscina]
import { availableParallelism } from "node:os";
import pkg from "piscina";
import { gather, getRunningLoop, run, toThread } from "wasyncio";

const JOBS = Number(process.argv[2] ?? 1000);
const MS = Number(process.argv[3] ?? 5);
const MODE = process.argv[4] ?? "toThread";
if (MODE !== "toThread" && MODE !== "piscina") throw new Error(`W7: mode ${MODE}? (toThread|piscina)`);
const jobs = new URL("./jobs.mjs", import.meta.url);
const cores = availableParallelism();

let submit, label, pool = null;
if (MODE === "toThread") {
  const burn = { module: jobs, name: "burn" };
  submit = (ms) => toThread(burn, ms);
  label = "wasyncio toThread";
} else {
  pool = new pkg.Piscina({ minThreads: cores, maxThreads: cores });
  // Piscina takes the job's module and export as its `filename` and `name` options, and
  // calls the export with the job `{ module, name, args }`.
  const burnJob = { module: jobs, name: "burnJob" };
  submit = (ms) => getRunningLoop().runInExecutor(pool, burnJob, ms);
  label = `wasyncio runInExecutor(Piscina ${pkg.version})`;
}

const t0 = performance.now();
const done = await run(function* () {
  // Start the pool's workers first (start-up is not the per-job cost under test).
  yield* gather(...Array.from({ length: cores }, () => submit(0)));
  const t1 = performance.now();
  const results = yield* gather(...Array.from({ length: JOBS }, () => submit(MS)));
  return { results, wall: performance.now() - t1 };
});
if (pool) await pool.destroy();
const count = done.results.filter(Boolean).length;
if (count !== JOBS) throw new Error(`W7 ${MODE}: counted ${count}, expected ${JOBS}`);
const ideal = (JOBS * MS) / cores;
console.log(JSON.stringify({ runtime: `${label} (node ${process.versions.node})`, jobs: JOBS, ms: MS, cores, count, wallMs: +done.wall.toFixed(1), idealMs: ideal, overheadPerJobMs: +(((done.wall - ideal) * cores) / JOBS).toFixed(3), totalMs: +(performance.now() - t0).toFixed(1) }));
