// Deque: the one FIFO with an O(1) amortised shift (Python's collections.deque, as far as
// asyncio uses it). A JavaScript array's shift() moves every element; this keeps a head
// index instead and drops the consumed prefix only once it is most of the array. The
// queues keep their items in it, and the StreamReader's byte queue its chunks.

/** A compaction happens no sooner than this many shifts: fewer copies for long queues. */
const COMPACT_AT = 1024;

/** @internal A double-ended FIFO: push at the back, shift from the front, both O(1) amortised. */
export class Deque<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** How many items it holds. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** The item `i` places from the front (0 <= i < length). */
  at(i: number): T {
    return this.#items[this.#head + i] as T;
  }

  /** Removes and returns the front item (length > 0). */
  shift(): T {
    const items = this.#items;
    const item = items[this.#head] as T;
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      // Emptied: a fresh array. Cheaper than reusing this one, whose elements are now
      // generic (the undefined holes): a fresh one keeps V8's packed kind (small integers
      // need no GC scan), and W3 (queue ping-pong) measures the difference at ~15%.
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= items.length) {
      // Drop the consumed prefix once it is most of the array: amortised O(1).
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes the first occurrence of `item`; returns whether it was there. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }

  /** The items, front first, as a new array. */
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
}
