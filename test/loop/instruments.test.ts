// Instruments (loop.addInstrument): Trio's hooks fire where Trio fires them, in order, on
// both cores; a hook that throws is reported and its instrument removed; no instrument
// leaves the loop's hook field null (the hot path's one check).
import * as assert from "uvu/assert";
import { CancelledError, EventLoop, sleep, type Coroutine, type Instrument, type Task } from "../../src/index.js";
import { bothCores, caught, runIn } from "../helpers.js";

/** An instrument with every hook, writing "hook arg" lines into `log`. */
function recorder(loop: EventLoop, log: string[]): Instrument {
  const n = (t: Task<any>) => t.getName();
  return {
    beforeRun: () => log.push("beforeRun"),
    afterRun: () => log.push("afterRun"),
    taskSpawned: (t) => log.push(`spawned ${n(t)}`),
    taskScheduled: (t) => log.push(`scheduled ${n(t)}`),
    beforeTaskStep: (t) => log.push(`before ${n(t)}`),
    afterTaskStep: (t) => log.push(`after ${n(t)}`),
    taskExited: (t) => log.push(`exited ${n(t)}`),
    beforeIoWait: (ms) => log.push(`beforeIoWait ${ms} at ${loop.time()}`),
    afterIoWait: (ms) => log.push(`afterIoWait ${ms} at ${loop.time()}`),
  };
}

function* parent(loop: EventLoop): Coroutine<number> {
  const child = loop.createTask((function* () {
    yield* sleep(10);
    return 1;
  })(), { name: "child" });
  return yield* child;
}

bothCores("loop.addInstrument()", (test) => {
  test("every hook fires where Trio's does: spawn before schedule, exit inside the last step, idle around the virtual jump", ({ loop }) => {
    const log: string[] = [];
    loop.addInstrument(recorder(loop, log));
    const main = loop.createTask(parent(loop), { name: "main" });
    assert.is(runIn(loop, main), 1);
    assert.equal(log, [
      "spawned main", "scheduled main",
      "beforeRun",
      "before main", "spawned child", "scheduled child", "after main",
      "before child", "after child", // parks in sleep(10)
      "beforeIoWait 10 at 0", "afterIoWait 10 at 10", // the virtual clock's jump is the idle wait
      "scheduled child", // its sleep's timer fired
      "before child", "scheduled main", "exited child", "after child",
      "before main", "exited main", "after main",
      "afterRun",
    ]);
  });

  test("taskScheduled: every entry into the ready queue (a bare yield, a cancelled sleep unparked)", ({ loop }) => {
    const log: string[] = [];
    const task = loop.createTask((function* () {
      yield;
      try {
        yield* sleep(100);
      } catch (e) {
        assert.instance(e, CancelledError);
      }
    })(), { name: "t" });
    loop._runOnce(); // first step: the bare yield
    loop._runOnce(); // parks in sleep(100)
    loop.addInstrument({ taskScheduled: (t) => log.push(`scheduled ${t.getName()} at ${loop.time()}`) });
    loop.callLater(5, () => task.cancel());
    runIn(loop, task);
    assert.equal(log, ["scheduled t at 5"]);
  });

  test("run() on the host (virtual clock): beforeRun/afterRun around runForever; the jump after the host's turn is an idle wait", async ({ loop }) => {
    const log: string[] = [];
    loop.addInstrument(recorder(loop, log));
    await loop.runUntilComplete(sleep(7));
    assert.equal(log.slice(0, 4), ["spawned Task-" + log[0].split("-")[1], "scheduled Task-" + log[0].split("-")[1], "beforeRun", "before Task-" + log[0].split("-")[1]]);
    assert.is(log[log.length - 1], "afterRun");
    assert.equal(log.filter((l) => l.includes("IoWait")), ["beforeIoWait 7 at 0", "afterIoWait 7 at 7"]);
    assert.is(log.indexOf("afterIoWait 7 at 7"), log.indexOf("beforeIoWait 7 at 0") + 1);
  });

  test("a hook that throws is reported to the exception handler and its instrument removed; the others go on", ({ loop, errors }) => {
    const calls: string[] = [];
    const bad: Instrument = {
      beforeTaskStep() {
        calls.push("bad");
        throw new Error("hook broke");
      },
    };
    const good: Instrument = { beforeTaskStep: () => void calls.push("good") };
    loop.addInstrument(bad);
    loop.addInstrument(good);
    runIn(loop, loop.createTask((function* () {
      yield;
      yield;
    })()));
    assert.equal(calls, ["bad", "good", "good", "good"]);
    assert.is(errors.length, 1);
    assert.match(errors[0].message, /^Exception raised when calling beforeTaskStep\(\) on instrument <Instrument>; the instrument was removed$/);
    assert.is((errors[0].exception as Error).message, "hook broke");
    assert.is(errors[0].instrument, bad);
    errors.length = 0;
    assert.throws(() => loop.removeInstrument(bad), /removeInstrument\(\): the instrument is not installed/);
    loop.removeInstrument(good);
  });

  test("the only instrument's hook throws: it is removed and the loop is back to no instruments", ({ loop, errors }) => {
    loop.addInstrument({
      taskSpawned() {
        throw new Error("no");
      },
    });
    runIn(loop, loop.createTask(sleep(0)));
    assert.is(errors.length, 1);
    errors.length = 0;
    assert.is(loop._instruments, null);
  });

  test("adding twice installs once; removing the last leaves no instruments (the hot path's null check)", ({ loop }) => {
    let steps = 0;
    const counter: Instrument = { beforeTaskStep: () => void steps++ };
    assert.is(loop._instruments, null);
    loop.addInstrument(counter);
    loop.addInstrument(counter);
    runIn(loop, loop.createTask(sleep(0)));
    assert.is(steps, 2); // its step and its resumption after the switch
    loop.removeInstrument(counter);
    assert.is(loop._instruments, null);
    runIn(loop, loop.createTask(sleep(0)));
    assert.is(steps, 2);
  });

  test("an instrument added inside a hook sees the hooks after it; one removed inside a hook sees none", ({ loop }) => {
    const log: string[] = [];
    const late: Instrument = { afterTaskStep: (t) => void log.push(`late after ${t.getName()}`) };
    const first: Instrument = {
      beforeTaskStep(t) {
        log.push(`first before ${t.getName()}`);
        loop.addInstrument(late);
        loop.removeInstrument(first);
      },
    };
    loop.addInstrument(first);
    runIn(loop, loop.createTask(sleep(0), { name: "t" }));
    assert.equal(log, ["first before t", "late after t", "late after t"]);
    loop.removeInstrument(late);
  });

  test("bad input: addInstrument(42) and removeInstrument(null) name the call", ({ loop }) => {
    assert.is((caught(() => loop.addInstrument(42 as never)) as Error).message, "addInstrument() expected an object, got 42");
    assert.instance(caught(() => loop.addInstrument(42 as never)), TypeError);
    assert.is((caught(() => loop.removeInstrument(null as never)) as Error).message, "removeInstrument() expected an object, got null");
    assert.throws(() => loop.removeInstrument({}), /not installed/);
  });
});

bothCores("loop.addInstrument() on the real clock", (test) => {
  test("the host sleep until the next timer is the idle wait: beforeIoWait(timeout) then afterIoWait(timeout)", async ({ newLoop }) => {
    const loop = newLoop({ clock: "real" });
    const log: string[] = [];
    loop.addInstrument({
      beforeIoWait: (ms) => void log.push(`before ${ms > 0 && ms <= 3 ? "≤3" : ms}`),
      afterIoWait: (ms) => void log.push(`after ${ms > 0 && ms <= 3 ? "≤3" : ms}`),
    });
    await loop.runUntilComplete(sleep(3));
    // Waits come in pairs, each with the timeout the loop slept for (the sleep's remainder).
    assert.ok(log.length >= 2 && log.length % 2 === 0, log.join(", "));
    for (let i = 0; i < log.length; i += 2) {
      assert.is(log[i], "before ≤3");
      assert.is(log[i + 1], "after ≤3");
    }
  });
});
