// What only the host can deliver to a loop: the open servers, transports and awaited
// sleeps (told when the loop closes, as asyncio's ResourceWarning), and the promises
// wrapPromise adopted. runSync, which has no host, says which one it would wait for.
import type { _Resource } from "../events.js";

/** @internal */
export class Resources {
  /** Open servers and transports, reported if still open at close(). */
  #open: Set<_Resource> | null = null;
  /** Promises adopted by wrapPromise and not settled yet (what runSync cannot wait for). */
  #promisesPending = 0;

  add(resource: _Resource): void {
    (this.#open ??= new Set()).add(resource);
  }

  delete(resource: _Resource): void {
    this.#open?.delete(resource);
  }

  /** A Promise the loop waits on was made (+1) or settled (-1). */
  promisePending(delta: 1 | -1): void {
    this.#promisesPending += delta;
  }

  /** The loop closed: each resource still open is told (and forgotten). */
  closeAll(): void {
    const open = this.#open;
    this.#open = null;
    if (open === null) return;
    for (const resource of open) {
      try {
        resource._loopClosed();
      } catch {
        // A report must not stop the close.
      }
    }
  }

  /** Why runSync cannot go on: nothing is scheduled, and only the host (if anything) could wake `fut`. */
  deadlock(fut: unknown): Error {
    const host = this.#promisesPending > 0 ? "a Promise" : this.#open !== null && this.#open.size > 0 ? "I/O" : null;
    if (host !== null) return new Error(`runSync(): ${fut} waits on ${host}, which only a real host can deliver: use run()`);
    return new Error(`runSync(): the loop has nothing scheduled, so ${fut} can never finish (it waits on a future nobody sets, or on sleep(Infinity))`);
  }
}
