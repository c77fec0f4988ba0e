// The asyncio walkthrough's section "What is Task?", ported: a Task is a Future that supervises a
// coroutine. It steps the generator; whatever future the generator yields gets a done
// callback that steps it again with that future's result (or throws its exception in).
// The library's own Task is the complete version of this prototype.
//
// Run it: npx tsx examples/what-is-a-task.ts
import { pathToFileURL } from "node:url";
import { EventLoop, Future, sleep, type Coroutine, type LoopLike, wait } from "../src/index.js";

/** Simple prototype of Task */
class MyTask<T = unknown> extends Future<T> {
  private _gen: Coroutine<T>;

  constructor(gen: Coroutine<T>, { loop }: { loop: LoopLike }) {
    super({ loop });
    this._gen = gen;
    this.getLoop().callSoon(this._step);
  }

  // Arrow functions, so that `this._step` and `this._wakeup` are bound, as Python's
  // bound methods are when passed as callbacks.
  private _step = (val?: unknown, exc?: unknown): void => {
    let r: IteratorResult<unknown, T>;
    try {
      if (exc !== undefined) {
        r = this._gen.throw(exc);
      } else {
        r = this._gen.next(val);
      }
    } catch (e) {
      this.setException(e);
      return;
    }
    // Python ends a generator with StopIteration; JavaScript with `done: true`.
    if (r.done) {
      this.setResult(r.value);
    } else {
      // `yield* fut` yields the future itself, so this is the future the coroutine waits on.
      const f = r.value as Future<unknown>;
      f.addDoneCallback(
        this._wakeup);
    }
  };

  private _wakeup = (fut: Future<unknown>): void => {
    let res: unknown;
    try {
      res = fut.result();
    } catch (e) {
      this._step(undefined, e);
      return;
    }
    this._step(res, undefined);
  };
}

/**
 * The walkthrough's script. `clock: "virtual"` jumps to the next timer instead of sleeping, so a
 * test runs it in microseconds; `print` receives the lines (default console.log).
 */
export async function main(options: { clock?: "real" | "virtual"; print?: (line: string) => void } = {}): Promise<void> {
  const print = options.print ?? console.log;

  function* foo(): Coroutine<void> {
    yield* sleep(3000);
    // The walkthrough's output shows "hello Foo": a typo of its own, since its code prints "Hello Foo".
    print("Hello Foo");
  }

  function* bar(): Coroutine<void> {
    yield* sleep(1000);
    print("Hello Bar");
  }

  // The walkthrough's asyncio.get_event_loop(): a loop of our own, so that the clock can be chosen.
  const loop = new EventLoop({ clock: options.clock ?? "real" });
  const tasks = [new MyTask(foo(), { loop }),
    loop.createTask(bar())];
  // The walkthrough's asyncio.wait: the library's own.
  await loop.runUntilComplete(
    wait(tasks));
  loop.close();
}

// Run main() only when this file is the program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
