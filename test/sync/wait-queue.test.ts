// WaitQueue: the fair, cancellable queue of waiters every primitive is built on.
import * as assert from "uvu/assert";
import { sleep } from "../../src/index.js";
import { WaitQueue } from "../../src/sync/wait-queue.js";
import { bothCores, runIn } from "../helpers.js";
import { settle } from "./trace.js";

bothCores("WaitQueue", (test) => {
  test("park, unpark(n) in FIFO order, unparkAll, length; a lost wake-up goes to the next", ({ loop }) => {
    const q = new WaitQueue<string>();
    const log: string[] = [];
    runIn(loop, (function* () {
      const ts = ["a", "b", "c", "d"].map((n) => loop.createTask((function* () {
        try {
          log.push(`${n} got ${yield* q.wait(loop)}`);
        } catch (e) {
          log.push(`${n} cancelled`);
          throw e;
        }
      })()));
      yield* sleep(0);
      assert.is(q.length, 4);
      assert.is(q.unpark(1, "x"), 1);
      ts[0].cancel(); // woken, then cancelled before running: "x" goes to b
      yield* sleep(0);
      yield* sleep(0);
      assert.is(q.length, 2);
      assert.is(q.unparkAll("y"), 2);
      yield* settle(...ts);
      assert.is(q.length, 0);
      assert.is(q.unpark(3, "z"), 0);
    })());
    assert.equal(log, ["a cancelled", "b got x", "c got y", "d got y"]);
  });
});
