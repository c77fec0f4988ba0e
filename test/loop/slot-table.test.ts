// The slot table (src/loop/slot-table.ts), through the loop: ids are recycled, and a
// handle names its slot by (id, generation), so a stale one never cancels the slot's
// next occupant.
import * as assert from "uvu/assert";
import { EventLoop, type Handle, sleep } from "../../src/index.js";
import { loopStats } from "../../src/testing/index.js";
import { _setSlotGeneration } from "../../src/testing/inspect.js";
import { bothCores, runIn } from "../helpers.js";

bothCores("slot table", (test) => {
  test("Handle - a stale handle cannot cancel the callback that reuses its id", ({ loop }) => {
    const log: string[] = [];
    const old = loop.callSoon(() => log.push("old"));
    loop._runOnce();
    const fresh = loop.callSoon(() => log.push("fresh"));
    assert.is(fresh._id, old._id); // the id was recycled...
    old.cancel(); // ...but the old generation cannot touch it
    loop._runOnce();
    assert.equal(log, ["old", "fresh"]);
    const oldTimer = loop.callLater(1, () => log.push("timer"));
    oldTimer.cancel(); // the core removes the timer at once: its id is free
    const reuse = loop.callLater(1, () => log.push("reused"));
    assert.is(reuse._id, oldTimer._id);
    oldTimer.cancel();
    runIn(loop, sleep(5));
    assert.equal(log, ["old", "fresh", "reused"]);
  });

  test("ids are recycled: 2,000,000 handles with no growth of live ids", ({ loop }) => {
    let count = 0;
    const cb = () => count++;
    const capacity = loopStats(loop).slotCapacity;
    for (let round = 0; round < 2000; round++) {
      for (let i = 0; i < 500; i++) loop.callSoon(cb);
      for (let i = 0; i < 500; i++) loop.callLater(i % 7, cb).cancel();
      loop._runOnce();
      assert.ok(loopStats(loop).liveIds <= 1000);
    }
    runIn(loop, sleep(10));
    assert.is(count, 1_000_000);
    assert.is(loopStats(loop).liveIds, 0);
    assert.is(loopStats(loop).slotCapacity, capacity);
  });
});

// Issue 10, bug 2: a handle names its slot by (id, generation). A u32 generation wrapped
// to 0 after 2^32 reuses of the slot (a few minutes of a busy loop, whose LIFO free list
// reuses one slot over and over), and a handle from generation 0 then cancelled the slot's
// new occupant. Now a slot released at its last generation is retired instead.
bothCores("slot generations", (test) => {
  /** A handle of generation 0 whose callback has run (so the slot is free, at generation 1). */
  function staleHandle(loop: EventLoop, events: string[], make: (fn: () => void) => Handle): Handle {
    // A slot that goes back to the free list (a slot table left by a closed loop may hold
    // retired slots, at their last generation): the next call takes it again.
    let first: Handle;
    do {
      first = make(() => events.push("zero"));
      runAll(loop);
    } while (first._gen === 2 ** 32 - 1);
    _setSlotGeneration(loop, first._id, 0);
    const stale = make(() => events.push("first"));
    assert.is(stale._id, first._id);
    assert.is(stale._gen, 0);
    runAll(loop);
    return stale;
  }
  const runAll = (loop: EventLoop) => loop._advance(1);

  test("a stale Handle cannot cancel what reuses its slot after 2^32 reuses", ({ loop }) => {
    const events: string[] = [];
    const stale = staleHandle(loop, events, (fn) => loop.callSoon(fn));
    // As if the slot had been reused 2^32 - 1 times since.
    _setSlotGeneration(loop, stale._id, 2 ** 32 - 1);
    const last = loop.callSoon(() => events.push("last"));
    assert.is(last._id, stale._id);
    runAll(loop);
    const next = loop.callSoon(() => events.push("next"));
    stale.cancel(); // its callback ran long ago: a no-op
    last.cancel();
    runAll(loop);
    assert.equal(events.filter((e) => e !== "zero"), ["first", "last", "next"]);
  });

  test("a stale TimerHandle cannot cancel what reuses its slot after 2^32 reuses", ({ loop }) => {
    const events: string[] = [];
    const stale = staleHandle(loop, events, (fn) => loop.callLater(1, fn));
    _setSlotGeneration(loop, stale._id, 2 ** 32 - 1);
    const last = loop.callLater(1, () => events.push("last"));
    assert.is(last._id, stale._id);
    runAll(loop);
    const next = loop.callLater(1, () => events.push("next"));
    const soon = loop.callSoon(() => events.push("soon"));
    stale.cancel();
    last.cancel();
    runAll(loop);
    assert.equal(events.filter((e) => e !== "zero"), ["first", "last", "soon", "next"]);
    assert.not.ok(next.cancelled() || soon.cancelled());
  });
});
