// wasyncio/testing's loopStats (src/testing/inspect.ts): what a loop holds, on both cores.
import * as assert from "uvu/assert";
import { EventLoop, sleep } from "../../src/index.js";
import { advance, loopStats } from "../../src/testing/index.js";
import { bothCores, caught, runIn } from "../helpers.js";

bothCores("loopStats", (test) => {
  test("counts the ids in use, the slot table's size, the core and its timer records", ({ loop, core }) => {
    const empty = loopStats(loop);
    assert.equal({ ...empty, slotCapacity: 0 }, { liveIds: 0, slotCapacity: 0, core, timers: 0 });
    assert.ok(empty.slotCapacity > 0);
    loop.callSoon(() => {});
    const timer = loop.callLater(10, () => {});
    assert.equal({ liveIds: loopStats(loop).liveIds, timers: loopStats(loop).timers }, { liveIds: 2, timers: 1 });
    timer.cancel();
    advance(10, loop);
    runIn(loop, sleep(0));
    assert.is(loopStats(loop).liveIds, 0);
  });

  test("a closed loop holds nothing and still names its core", ({ newLoop, core }) => {
    const loop = newLoop();
    loop.callLater(5, () => {});
    loop.close();
    assert.equal(loopStats(loop), { liveIds: 0, slotCapacity: 0, core, timers: 0 });
  });

  test("anything but an EventLoop is a TypeError naming the call", () => {
    const e = caught(() => loopStats({} as EventLoop));
    assert.instance(e, TypeError);
    assert.is((e as Error).message, "loopStats() expected an EventLoop, got Object");
  });
});
