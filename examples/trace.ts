// A trace of a small crawler, written as Chrome Trace Event JSON: open the file in
// https://ui.perfetto.dev (or chrome://tracing) to see each task as a track of steps, an
// arrow from the step that spawned it, the timer callback, and where the loop sat idle.
// The loop runs on the virtual clock, so the trace is the same on every run.
//
// Run it: npx tsx examples/trace.ts [out.json]   (default: a file in the temp dir)
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { EventLoop, Queue, gather, sleep, startTrace, type Coroutine } from "../src/index.js";

/**
 * Three workers take five "pages" from a queue and "fetch" each (a sleep as long as the
 * page is slow); a heartbeat timer ticks once. Writes the trace to `path` and returns it.
 */
export async function main(options: { path?: string; print?: (line: string) => void } = {}): Promise<string> {
  const print = options.print ?? console.log;
  const path = options.path ?? join(mkdtempSync(join(tmpdir(), "wasyncio-trace-")), "trace.json");
  const loop = new EventLoop({ clock: "virtual" });
  const recorder = startTrace(loop);
  try {
    function* worker(queue: Queue<number>, fetched: number[]): Coroutine<void> {
      for (;;) {
        const page = yield* queue.get();
        yield* sleep(page * 10);
        fetched.push(page);
        queue.taskDone();
      }
    }
    function* crawl(): Coroutine<number[]> {
      const queue = new Queue<number>();
      for (const page of [3, 1, 4, 1, 5]) queue.putNowait(page);
      const fetched: number[] = [];
      const workers = [1, 2, 3].map((i) => loop.createTask(worker(queue, fetched), { name: `worker-${i}` }));
      loop.callLater(25, function heartbeat() {});
      yield* queue.join();
      for (const w of workers) w.cancel();
      yield* gather(...workers, { returnExceptions: true });
      return fetched;
    }
    const fetched = await loop.runUntilComplete(loop.createTask(crawl(), { name: "crawler" }));
    const trace = recorder.stop();
    writeFileSync(path, JSON.stringify(trace));
    print(`fetched ${fetched.join(", ")} by ${loop.time()} ms (virtual)`);
    print(`${trace.traceEvents.length} trace events written to ${path}`);
    return path;
  } finally {
    loop.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main({ path: process.argv[2] });
