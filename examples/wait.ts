// The asyncio walkthrough's section "How does asyncio.wait work?", ported: a hand-written `wait` that
// wraps every awaitable in a future, waits on one shared `waiter` future that the last
// done callback completes, and then sorts the futures into done and pending.
//
// Run it: npx tsx examples/wait.ts
import { pathToFileURL } from "node:url";
import { EventLoop, Future, ensureFuture, getEventLoop, sleep, wait as libraryWait, type Awaitable, type Coroutine, type LoopLike } from "../src/index.js";

/** What `wait` needs of a loop: `getEventLoop()` is typed as the small LoopLike, whose `createFuture` is optional. */
type LoopWithFutures = LoopLike & { createFuture<T>(): Future<T> };

// A coroutine (a generator function), as the walkthrough's `async def`: nothing runs until a
// task steps it, so `wait([...])` can be built before the loop runs.
export function* wait<T>(fs: Iterable<Awaitable<T>>, loop?: LoopLike): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  const futures = new Set([...new Set(fs)].map((f) => ensureFuture(f)));
  const theLoop = (loop ?? getEventLoop()) as LoopWithFutures;

  const waiter = theLoop.createFuture<void>();
  let counter = futures.size;

  const onComplete = (_f: Future<T>): void => {
    counter -= 1;
    if (counter <= 0 && !waiter.done()) {
      waiter.setResult();
    }
  };

  for (const f of futures) {
    f.addDoneCallback(onComplete);
  }

  // wait all tasks done
  yield* waiter;

  const done = new Set<Future<T>>(), pending = new Set<Future<T>>();
  for (const f of futures) {
    f.removeDoneCallback(onComplete);
    if (f.done()) {
      done.add(f);
    } else {
      pending.add(f);
    }
  }
  return [done, pending];
}

/**
 * The walkthrough's script. `clock: "virtual"` jumps to the next timer instead of sleeping, so a
 * test runs it in microseconds; `print` receives the lines (default console.log).
 */
export async function main(options: { clock?: "real" | "virtual"; print?: (line: string) => void } = {}): Promise<void> {
  const print = options.print ?? console.log;

  function* slowTask(n: number): Coroutine<void> {
    yield* sleep(n * 1000);
    print(`sleep "${n}" sec`);
  }

  // The walkthrough's asyncio.get_event_loop(): a loop of our own, so that the clock can be chosen.
  const loop = new EventLoop({ clock: options.clock ?? "real" });

  try {
    print("---> wait");
    await loop.runUntilComplete(
      wait([1, 2].map((n) => slowTask(n))));
    print("---> asyncio.wait");
    // The library's own wait. Like asyncio's since 3.11 it takes futures and tasks, not
    // bare coroutines, so each coroutine is made a task first.
    await loop.runUntilComplete(
      libraryWait([1, 2].map((n) => loop.createTask(slowTask(n)))));
  } finally {
    loop.close();
  }
}

// Run main() only when this file is the program, not when another example imports `wait`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
