// The asyncio walkthrough's section "How does event loop work?", ported: an event loop is a queue of
// ready callbacks and a loop that runs them, one batch per iteration, until stopped.
// This minimal Loop is the user's own class; the library's real Tasks and Futures run on
// it, because they need only callSoon, createFuture, callExceptionHandler and getDebug.
// It has no timers and no I/O, so it is fully synchronous: runUntilComplete returns when
// the future is done, with no Promise.
//
// Run it: npx tsx examples/event-loop.ts
import { pathToFileURL } from "node:url";
import { Future, Task, ensureFuture, wait, type Awaitable, type Coroutine, type ExceptionContext } from "../src/index.js";

type Callback = (...args: any[]) => unknown;

function doneCallback<T>(fut: Future<T>): void {
  // getLoop() is typed as the small interface Future needs; here it is our Loop.
  (fut.getLoop() as Loop).stop();
}

/** Simple event loop prototype */
class Loop {
  // A JavaScript array serves as the deque: push appends, shift pops from the left.
  private _ready: [Callback, unknown[]][] = [];
  private _stopping = false;

  createTask<T>(coro: Coroutine<T>): Task<T> {
    const task = new Task(coro, { loop: this });
    return task;
  }

  // The library's helpers (sleep, wait, ...) ask the loop for their futures.
  createFuture<T>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  runUntilComplete<T>(fut: Awaitable<T>): void {
    // get task
    const task = ensureFuture(fut, this);
    // add task to ready queue
    task.addDoneCallback(doneCallback);
    // run tasks
    this.runForever();
    // remove task from ready queue
    task.removeDoneCallback(doneCallback);
  }

  /** Run tasks until stop */
  runForever(): void {
    try {
      while (true) {
        this._runOnce();
        if (this._stopping) {
          break;
        }
      }
    } finally {
      this._stopping = false;
    }
  }

  /** Append task to ready queue */
  callSoon(cb: Callback, ...args: unknown[]): void {
    this._ready.push([cb, args]);
  }

  callExceptionHandler(_c: ExceptionContext): void {
    // Nothing to report to in this prototype.
  }

  /** Run task at once */
  private _runOnce(): void {
    // Only the callbacks ready now: those they schedule wait for the next iteration.
    const ntodo = this._ready.length;
    for (let i = 0; i < ntodo; i++) {
      const [t, a] = this._ready.shift()!;
      t(...a);
    }
  }

  stop(): void {
    this._stopping = true;
  }

  close(): void {
    this._ready.length = 0;
  }

  getDebug(): boolean {
    return false;
  }
}

/**
 * The walkthrough's script. It has no timers, so `clock` changes nothing; it is accepted like the
 * other examples' options. `print` receives the lines (default console.log).
 */
export async function main(options: { clock?: "real" | "virtual"; print?: (line: string) => void } = {}): Promise<void> {
  const print = options.print ?? console.log;

  // Generator functions with no yield: coroutines that finish at their first step.
  function* foo(): Coroutine<void> {
    print("Foo");
  }

  function* bar(): Coroutine<void> {
    print("Bar");
  }

  const loop = new Loop();
  const tasks = [loop.createTask(foo()),
    loop.createTask(bar())];
  loop.runUntilComplete(
    wait(tasks));
  loop.close();
}

// Run main() only when this file is the program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
