// W7's job: ~5 ms of CPU on whatever thread runs it (a busy wait on the clock, so each
// runtime's job costs the same wall time and only the dispatch overhead differs).
export function burn(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n >= 0;
}

// The same job for a Piscina pool behind loop.runInExecutor(): wasyncio hands the executor
// the job `{ module, name, args }` as Piscina's task, and Piscina calls the export with that
// one argument.
export function burnJob(job) {
  return burn(job.args[0]);
}
