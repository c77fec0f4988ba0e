// What only the host can deliver to a loop: the open servers, transports and awaited
// sleeps (told when the loop closes, as asyncio's ResourceWarning), and the promises
// wrapPromise adopted. runSync, which has no host, says which one it would wait for.
import type { _Resource } from "../events.js";
import { _holdsWeakly } from "./unclosed.js";

/** @internal */
export class Resources {
  /**
   * Open servers and transports, reported if still open at close(). Debug mode's tracked
   * ones (unclosed.ts) are held by WeakRef, so one the program dropped can be collected
   * and reported then; `#refs` finds each one's WeakRef. Without debug mode both stay empty.
   */
  #open: Set<_Resource | WeakRef<_Resource>> | null = null;
  #refs: WeakMap<_Resource, WeakRef<_Resource>> | null = null;
  /** Promises adopted by wrapPromise and not settled yet (what runSync cannot wait for). */
  #promisesPending = 0;

  add(resource: _Resource): void {
    const open = (this.#open ??= new Set());
    if (!_holdsWeakly(resource)) {
      open.add(resource);
      return;
    }
    const ref = new WeakRef(resource);
    (this.#refs ??= new WeakMap()).set(resource, ref);
    open.add(ref);
  }

  delete(resource: _Resource): void {
    const refs = this.#refs;
    const ref = refs === null ? undefined : refs.get(resource);
    this.#open?.delete(ref ?? resource);
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
    const weak = this.#refs !== null;
    this.#refs = null;
    for (const entry of open) {
      // A tracked one already collected is reported by the registry instead.
      const resource = weak && entry instanceof WeakRef ? entry.deref() : entry as _Resource;
      if (resource === undefined) continue;
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
