// Event: asyncio's, on both cores, in virtual time.
// The "trace" tests replay event orders recorded from CPython (see ./trace.ts).
import * as assert from "uvu/assert";
import { sleep, type Coroutine } from "../../src/index.js";
import { Event } from "../../src/sync/event.js";
import { bothCores, runIn } from "../helpers.js";
import { settle, ticker } from "./trace.js";

bothCores("Event", (test) => {
  test("trace: set() wakes every waiter in order; clear(); wait() on a set event is done at once", ({ loop }) => {
    const log: string[] = [];
    const ev = new Event();
    runIn(loop, (function* () {
      function* w(name: string): Coroutine<void> {
        log.push(`${name} wait`);
        const r = yield* ev.wait();
        log.push(`${name} woke ${r}`);
      }
      const ts = ["a", "b", "c"].map((n) => loop.createTask(w(n)));
      const tk = loop.createTask(ticker(log, 5));
      yield* sleep(0);
      ev.set();
      log.push(`set ${ev.isSet()}`);
      ev.clear();
      log.push(`cleared ${ev.isSet()}`);
      yield* settle(...ts, tk);
      const d = loop.createTask(w("d"));
      yield* sleep(0);
      log.push(`d done ${d.done()}`);
      ev.set();
      yield* d;
    })());
    assert.equal(log, [
      "a wait", "b wait", "c wait", "t0", "set true", "cleared false", "t1", "a woke true", "b woke true",
      "c woke true", "t2", "t3", "t4", "d wait", "d done false", "d woke true",
    ]);
  });

  test("a cancelled waiter leaves; set() twice is harmless; toString", ({ loop }) => {
    const ev = new Event();
    runIn(loop, (function* () {
      const a = loop.createTask((function* () { yield* ev.wait(); })());
      const b = loop.createTask((function* () { return yield* ev.wait(); })());
      yield* sleep(0);
      assert.is(String(ev), "<Event [unset, waiters:2]>");
      a.cancel();
      yield* sleep(0);
      assert.ok(a.cancelled());
      assert.is(String(ev), "<Event [unset, waiters:1]>");
      ev.set();
      ev.set();
      assert.is(yield* b, true);
      assert.is(String(ev), "<Event [set]>");
      const f = ev.wait();
      assert.ok(f.done());
    })());
  });

  test("await ev.wait() from an async function", async ({ loop }) => {
    const ev = new Event();
    const log: string[] = [];
    const waiter = loop.createTask((function* () {
      const f = ev.wait();
      f.then((v) => log.push(`then ${v}`));
      yield* sleep(10);
      ev.set();
      yield* f;
    })());
    await loop.runUntilComplete(waiter);
    await Promise.resolve();
    assert.equal(log, ["then true"]);
  });
  test("trace: Event - a waiter cancelled right after set() raises; the others wake", ({ loop }) => {
    const log: string[] = [];
    const ev = new Event();
    runIn(loop, (function* () {
      function* w(name: string): Coroutine<void> {
        try {
          yield* ev.wait();
          log.push(`${name} woke`);
        } catch (e) {
          log.push(`${name} cancelled`);
          throw e;
        }
      }
      const a = loop.createTask(w("a"));
      const b = loop.createTask(w("b"));
      const tk = loop.createTask(ticker(log, 5));
      yield* sleep(0);
      ev.set();
      a.cancel();
      log.push("set+cancel a");
      yield* settle(a, b, tk);
    })());
    assert.equal(log, ["t0", "set+cancel a", "t1", "a cancelled", "b woke", "t2", "t3", "t4"]);
  });
});
