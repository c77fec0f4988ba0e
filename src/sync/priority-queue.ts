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

  /** @internal heapq.heappush: append, then move the item up past every parent it is less than. */
  protected override _put(item: T): void {
    const heap = this.#heap;
    heap.push(item);
    const end = heap.length - 1;
    let pos = end;
    try {
      while (pos > 0) {
        const parentPos = (pos - 1) >> 1;
        const parent = heap[parentPos];
        if (!this.#less(item, parent)) break;
        heap[pos] = parent;
        pos = parentPos;
      }
    } catch (e) {
      // An unorderable item: undo the moves and leave the queue as it was.
      const path = [end];
      while (path[path.length - 1] > pos) path.push((path[path.length - 1] - 1) >> 1);
      for (let j = path.length - 1; j > 0; j--) heap[path[j]] = heap[path[j - 1]];
      heap.pop();
      throw e;
    }
    heap[pos] = item;
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
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos];
      if (!this.#less(last, parent)) break;
      heap[pos] = parent;
      pos = parentPos;
    }
    heap[pos] = last;
    return top;
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

