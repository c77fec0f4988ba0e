// The read side of pauseReading/resumeReading, shared by the socket Transport, the read
// pipe and the memory transport. asyncio's transports stop reading when paused; a Node
// socket or stream has often read already (a chunk is on its way into the loop), and a
// BufferedProtocol may take only part of a chunk. What arrives meanwhile waits here and is
// delivered, in order, from a loop iteration after resumeReading().
import type { EventLoop } from "../base-loop.js";

/**
 * What a transport's reads go through while it is paused or behind earlier held items.
 * `receive` hands one item (a chunk or the transport's EOF marker) to the protocol and
 * returns the part it did not take (a BufferedProtocol whose buffer filled), or null;
 * `stopped` says the transport is closing (nothing more is delivered); `drained` runs
 * when the last held item has been delivered. @internal
 */
export class _ReadGate<T> {
  /** pauseReading() was called and resumeReading() not yet. */
  paused = false;
  #held: T[] | null = null;
  #flushQueued = false;

  constructor(
    private readonly loop: EventLoop,
    private readonly receive: (item: T) => T | null,
    private readonly stopped: () => boolean,
    private readonly drained: () => void = () => {},
  ) {}

  /** An item arrived: delivered now, or held behind the paused state or earlier items. */
  offer(item: T): void {
    if (this.stopped()) return;
    if (this.paused || this.#held !== null) {
      (this.#held ??= []).push(item);
      return;
    }
    const rest = this.receive(item);
    if (rest !== null) this.#held = [rest];
  }

  /** Whether items wait to be delivered. */
  get holding(): boolean {
    return this.#held !== null;
  }

  /** resumeReading(): the held items follow from the next loop iteration. */
  resume(): void {
    this.paused = false;
    if (this.#held !== null && !this.#flushQueued) {
      this.#flushQueued = true;
      this.loop._schedule(this.#flush, undefined);
    }
  }

  /** Forgets the held items (close, abort). */
  drop(): void {
    this.#held = null;
  }

  /** Hands the held items over, in order (startTls puts them back into the socket). */
  take(): T[] {
    const held = this.#held ?? [];
    this.#held = null;
    return held;
  }

  #flush = (): void => {
    this.#flushQueued = false;
    const held = this.#held;
    if (held === null) return;
    let i = 0;
    while (i < held.length && !this.paused && !this.stopped()) {
      const rest = this.receive(held[i++]);
      if (rest !== null) held[--i] = rest;
    }
    if (this.stopped() || this.#held !== held) return;
    if (i < held.length) {
      held.splice(0, i);
      return;
    }
    this.#held = null;
    this.drained();
  };
}
