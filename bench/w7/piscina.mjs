// W7 with Piscina used directly (no wasyncio): the same 1,000 jobs of ~5 ms, `pool.run(ms,
// { name: "burn" })` gathered with Promise.all. The pool is sized as toThread()'s WorkerPool
// (one thread per core) and keeps its threads (minThreads = maxThreads: with Piscina's
// default minThreads of cores / 2 and idleTimeout 0 it would end the extra ones between the
// warm-up and the batch); its other options are Piscina's defaults. Prints one JSON line,
// as w7.mjs does:
//   node bench/w7/piscina.mjs [jobs] [ms]
import { availableParallelism } from "node:os";
import pkg from "piscina";

const { Piscina } = pkg;
const JOBS = Number(process.argv[2] ?? 1000);
const MS = Number(process.argv[3] ?? 5);
const cores = availableParallelism();
const pool = new Piscina({ filename: new URL("./jobs.mjs", import.meta.url).href, minThreads: cores, maxThreads: cores });

const t0 = performance.now();
// Start the pool's threads first (start-up is not the per-job cost under test).
await Promise.all(Array.from({ length: cores }, () => pool.run(0, { name: "burn" })));
const t1 = performance.now();
const results = await Promise.all(Array.from({ length: JOBS }, () => pool.run(MS, { name: "burn" })));
const wall = performance.now() - t1;
await pool.destroy();
const count = results.filter(Boolean).length;
if (count !== JOBS) throw new Error(`W7 piscina: counted ${count}, expected ${JOBS}`);
const ideal = (JOBS * MS) / cores;
console.log(JSON.stringify({ runtime: `Piscina ${pkg.version} (node ${process.versions.node})`, jobs: JOBS, ms: MS, cores, count, wallMs: +wall.toFixed(1), idealMs: ideal, overheadPerJobMs: +(((wall - ideal) * cores) / JOBS).toFixed(3), totalMs: +(performance.now() - t0).toFixed(1) }));
