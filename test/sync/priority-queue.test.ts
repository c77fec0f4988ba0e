// PriorityQueue: asyncio's, heapq's order with Python's `<` (or a comparator), on both
// cores. The orders marked "CPython 3.13.0" were recorded by running the same program
// with asyncio (python3.13) and are matched item for item.
import * as assert from "uvu/assert";
import { sleep } from "../../src/index.js";
import { PriorityQueue } from "../../src/sync/priority-queue.js";
import { bothCores, caught, runIn } from "../helpers.js";

bothCores("PriorityQueue", (test) => {
  test("PriorityQueue: numbers, [priority, value] pairs with ties, strings by code point (CPython 3.13.0)", () => {
    const q = new PriorityQueue<unknown>();
    for (const x of [5, 1, 4, 1, 3, 9, 2, 6]) q.putNowait(x);
    assert.equal(Array.from({ length: q.qsize() }, () => q.getNowait()), [1, 1, 2, 3, 4, 5, 6, 9]);
    for (const x of [[2, "b"], [1, "z"], [2, "a"], [1, "a"], [0, "q"], [2, "a", 1], [2]]) q.putNowait(x);
    assert.equal(
      Array.from({ length: q.qsize() }, () => q.getNowait()),
      [[0, "q"], [1, "a"], [1, "z"], [2], [2, "a"], [2, "a", 1], [2, "b"]],
    );
    for (const x of ["b", "a", "B", "ab", "", "\uffff", "\u{10000}", "é"]) q.putNowait(x);
    assert.equal(
      Array.from({ length: q.qsize() }, () => q.getNowait()),
      ["", "B", "a", "ab", "b", "é", "\uffff", "\u{10000}"],
    );
  });

  test("PriorityQueue: numbers, bigints and booleans compare by value; nested arrays; Dates", () => {
    const q = new PriorityQueue<unknown>();
    for (const x of [3n, 2.5, true, 0, -1n, false]) q.putNowait(x);
    // CPython 3.13.0's heapq gives [-1, False, 0, True, 2.5, 3] for the same pushes.
    assert.equal(Array.from({ length: 6 }, () => q.getNowait()), [-1n, false, 0, true, 2.5, 3n]);
    for (const x of [[1, [2, "b"]], [1, [2, "a"]], [1, [1, "z"]], [0, [9]]]) q.putNowait(x);
    assert.equal(Array.from({ length: 4 }, () => q.getNowait()), [[0, [9]], [1, [1, "z"]], [1, [2, "a"]], [1, [2, "b"]]]);
    const d1 = new Date(2000, 1, 1), d2 = new Date(1999, 1, 1);
    q.putNowait(d1);
    q.putNowait(d2);
    assert.is(q.getNowait(), d2);
    assert.is(q.getNowait(), d1);
  });

  test("PriorityQueue: ties keep heapq's order; equal pairs with the same object payload are fine", () => {
    // Items that compare equal come out in the order heapq's algorithm gives.
    const q = new PriorityQueue<{ p: number; id: string }>(0, { compare: (a, b) => a.p - b.p });
    const ids = ["a", "b", "c", "d", "e", "f", "g"];
    const ps = [1, 1, 0, 1, 0, 1, 1];
    ids.forEach((id, i) => q.putNowait({ p: ps[i], id }));
    // CPython 3.13.0's heapq, with the same keys and a __lt__ on p only, pops this order.
    assert.equal(Array.from({ length: 7 }, () => q.getNowait().id), ["c", "e", "a", "f", "g", "b", "d"]);
    const shared = { x: 1 };
    const q2 = new PriorityQueue<[number, object]>();
    q2.putNowait([1, shared]);
    q2.putNowait([1, shared]);
    q2.putNowait([0, {}]);
    assert.is(q2.getNowait()[0], 0);
    assert.is(q2.getNowait()[1], shared);
  });

  test("PriorityQueue: items Python cannot order throw TypeError and leave the queue unchanged", () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait(1);
    q.putNowait(2);
    q.putNowait(3);
    const e = caught(() => q.putNowait("x"));
    assert.instance(e, TypeError);
    assert.match((e as Error).message, /compare/);
    assert.is(q.qsize(), 3);
    assert.is(String(q), "<PriorityQueue maxsize=0 _queue=[1, 2, 3] tasks=3>");
    assert.throws(() => q.putNowait([1]), (err: unknown) => err instanceof TypeError);
    assert.throws(() => q.putNowait({}), (err: unknown) => err instanceof TypeError);
    assert.throws(() => q.putNowait(null), (err: unknown) => err instanceof TypeError);
    assert.equal([q.getNowait(), q.getNowait(), q.getNowait()], [1, 2, 3]);
    // A failure high up the heap: the moves made so far are undone.
    const deep = new PriorityQueue<unknown[]>();
    for (const x of [[1, "a"], [2, "b"], [3, "c"], [4, "d"]]) deep.putNowait(x);
    const before = String(deep);
    assert.throws(() => deep.putNowait([1, 5]), (err: unknown) => err instanceof TypeError);
    assert.is(String(deep), before);
    deep.putNowait([0, 0]);
    assert.equal(Array.from({ length: 5 }, () => deep.getNowait()), [[0, 0], [1, "a"], [2, "b"], [3, "c"], [4, "d"]]);
    const pairs = new PriorityQueue<[number, object]>();
    pairs.putNowait([1, {}]);
    assert.throws(() => pairs.putNowait([1, {}]), (err: unknown) => err instanceof TypeError);
    assert.is(pairs.qsize(), 1);
  });

  test("PriorityQueue: blocked getters are served first come, each the smallest item (CPython 3.13.0)", ({ loop }) => {
    const log: string[] = [];
    const q = new PriorityQueue<number>();
    runIn(loop, (function* () {
      const ts = ["a", "b", "c"].map((n) => loop.createTask((function* () {
        log.push(`${n} got ${yield* q.get()}`);
      })()));
      yield* sleep(0);
      q.putNowait(3);
      q.putNowait(1);
      q.putNowait(2);
      log.push(`qsize=${q.qsize()}`);
      for (const t of ts) yield* t;
    })());
    assert.equal(log, ["qsize=3", "a got 1", "b got 2", "c got 3"]);
  });
});
