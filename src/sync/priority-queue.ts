// PriorityQueue: asyncio's, a binary min-heap with Python's heapq algorithm, ordered by
// Python's `<` (../util/py-order.ts) unless given a comparator.
import { checkFunction } from "../checks.js";
import { pyLess } from "../util/py-order.js";
import { Queue, type QueueOptions } from "./queue.js";

/**
 * A queue that hands out the smallest item first: asyncio's `PriorityQueue`, a binary
 * min-heap with Python's `heapq` algorithm (so ties come out in the same order).
 *
 * By default items are ordered as Python orders them: numbers (and bigints, booleans) by
 * value, strings by code point, Dates by time, and arrays as Python tuples, element by
 * element: `[priority, value]` pairs order by priority, then by value. As in Python,
 * items that cannot be ordered (objects, or a number against a string) throw a TypeError
 * from `put()`: add a tie-breaking counter (`[priority, seq++, obj]`), or pass
 * `{ compare }` (a sort comparator) as the second argument.
 * @example
 * const q = new PriorityQueue<[number, string]>()
 * q.putNowait([2, "write"]); q.putNowait([1, "read"])
 * q.getNowait() // [1, "read"]
 * const byDeadline = new PriorityQueue<Job>(0, { compare: (a, b) => a.deadline - b.deadline })
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  #heap: T[] = [];
  #less: (a: T, b: T) => boolean;

  /**
   * A priority queue of at most `maxsize` items, smallest first.
   * @param maxsize as `Queue`'s
   * @param options.compare a sort comparator (default: Python's `<`, see above)
   */
  constructor(maxsize: number = 0, options?: QueueOptions<T>) {
    super(maxsize, options);
    const compare = options?.compare;
    if (compare === undefined) {
      this.#less = pyLess;
    } else {
      checkFunction("PriorityQueue() options.compare", compare);
      this.#less = (a, b) => compare(a, b) < 0;
    }
  }

  /** @internal heapq.heappush: the item goes in at the end, then up. */
  protected override _put(item: T): void {
    this.#siftUp(this.#heap.length, item);
  }

  /** @internal heapq.heappop: the last item replaces the root, goes down to a leaf, then up. */
  protected override _get(): T {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return last;
    const top = heap[0];
    const end = heap.length;
    let pos = 0;
    let child = 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !this.#less(heap[child], heap[right])) child = right;
      heap[pos] = heap[child];
      pos = child;
      child = 2 * pos + 1;
    }
    this.#siftUp(pos, last);
    return top;
  }

  /**
   * heapq's _siftdown: puts `item` at `pos` or above it, moving down every parent it is
   * less than. It compares first and moves after, so an item Python cannot order throws
   * with the heap as it was (the same comparisons as heapq's, so the same order).
   */
  #siftUp(pos: number, item: T): void {
    const heap = this.#heap;
    let to = pos;
    while (to > 0 && this.#less(item, heap[(to - 1) >> 1])) to = (to - 1) >> 1;
    while (pos > to) {
      const parentPos = (pos - 1) >> 1;
      heap[pos] = heap[parentPos];
      pos = parentPos;
    }
    heap[pos] = item;
  }

  /** @internal */
  protected override _qsize(): number {
    return this.#heap.length;
  }

  /** @internal */
  protected override _items(): T[] {
    return this.#heap.slice();
  }
}

