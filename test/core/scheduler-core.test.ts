// The scheduler cores, driven directly: the same suite for the Wasm and the TS core.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { JsCore } from "../../src/core/js.js";
import type { SchedulerCore } from "../../src/core/types.js";
import { WasmCore, wasmModule } from "../../src/core/wasm.js";
import { WASM_BASE64 } from "../../src/core/wasm-binary.generated.js";
import { CORES } from "../helpers.js";

function makeCore(kind: (typeof CORES)[number], released: number[] = []): SchedulerCore {
  const release = (id: number) => void released.push(id);
  return kind === "js" ? new JsCore(release) : new WasmCore(wasmModule()!, release);
}

function batch(core: SchedulerCore, now: number): number[] {
  const n = core.tick(now);
  return Array.from({ length: n }, (_, i) => core.batchAt(i));
}

for (const kind of CORES) {
  const test = suite(`core [${kind}]`);

  test("wasm module compiles with no imports and is under 4 KB", () => {
    const m = wasmModule();
    assert.ok(m);
    assert.ok(atob(WASM_BASE64).length < 4096, `core is ${atob(WASM_BASE64).length} bytes`);
    assert.equal(WebAssembly.Module.imports(m!), []);
  });

  test(".push() / .tick() - FIFO, one batch per tick, pushes during a batch wait for the next", () => {
    const core = makeCore(kind);
    for (let i = 0; i < 5; i++) core.push(i);
    assert.is(core.pending(), 5);
    const n = core.tick(0);
    assert.is(n, 5);
    core.push(100); // pushed while the batch "runs"
    assert.equal(Array.from({ length: n }, (_, i) => core.batchAt(i)), [0, 1, 2, 3, 4]);
    assert.equal(batch(core, 0), [100]);
    assert.equal(batch(core, 0), []);
  });

  test(".push() - the ring grows past its first capacity, mid-batch too, keeping order", () => {
    const core = makeCore(kind);
    for (let i = 0; i < 3000; i++) core.push(i);
    const n = core.tick(0);
    // Push 100,000 more while the 3,000 of the batch are still unread.
    for (let i = 0; i < 100_000; i++) core.push(10_000 + i);
    const first = Array.from({ length: n }, (_, i) => core.batchAt(i));
    assert.equal(first, Array.from({ length: 3000 }, (_, i) => i));
    const second = batch(core, 0);
    assert.is(second.length, 100_000);
    assert.ok(second.every((id, i) => id === 10_000 + i));
  });

  test(".tick() - ring positions wrap many times over a long run", () => {
    const core = makeCore(kind);
    let next = 0, expect = 0;
    for (let round = 0; round < 2000; round++) {
      for (let i = 0; i < 37; i++) core.push(next++);
      for (const id of batch(core, 0)) assert.is(id, expect++);
    }
    assert.is(expect, 2000 * 37);
  });

  test(".timerAdd() - timers fire by deadline, ties in scheduling order, behind pushed ids", () => {
    const core = makeCore(kind);
    core.timerAdd(1, 10);
    core.timerAdd(2, 5);
    core.timerAdd(3, 10);
    core.timerAdd(4, 5);
    core.push(9);
    assert.is(core.timerNext(), 5);
    assert.equal(batch(core, 4.999), [9]);
    assert.equal(batch(core, 5), [2, 4]);
    assert.equal(batch(core, 100), [1, 3]);
    assert.is(core.timerNext(), Infinity);
  });

  test(".tick() - a timer added after a tick with an earlier deadline than the heap's top still fires on time", () => {
    const core = makeCore(kind);
    core.timerAdd(1, 100);
    assert.equal(batch(core, 0), []);
    core.timerAdd(2, 5); // earlier than the top the core last reported
    core.push(7);
    assert.equal(batch(core, 4), [7]);
    assert.equal(batch(core, 5), [2]);
    core.timerCancel(1);
    core.timerAdd(3, 50);
    assert.equal(batch(core, 49.5), []);
    assert.equal(batch(core, 1000), [3]);
    assert.is(core.timerNext(), Infinity);
  });

  test(".timerCancel() - a cancelled timer never fires and its id is released once", () => {
    const released: number[] = [];
    const core = makeCore(kind, released);
    core.timerAdd(1, 10);
    core.timerAdd(2, 20);
    core.timerCancel(1);
    assert.equal(released, []); // lazy: still in the heap
    assert.is(core.timerNext(), 20); // the cancelled top is dropped
    assert.equal(released, [1]);
    assert.equal(batch(core, 30), [2]);
    assert.equal(released, [1]);
  });

  test(".timerCancel() - the heap is rebuilt when more than half of at least 100 are cancelled", () => {
    const released: number[] = [];
    const core = makeCore(kind, released);
    for (let id = 0; id < 200; id++) core.timerAdd(id, 1000 + id);
    for (let id = 0; id < 100; id++) core.timerCancel(id * 2);
    assert.is(core.timerCount(), 200); // exactly half: no rebuild yet
    core.timerCancel(1);
    assert.is(core.timerCount(), 99);
    assert.is(released.length, 101);
    const fired = batch(core, 10_000);
    assert.equal(fired, Array.from({ length: 99 }, (_, i) => 3 + 2 * i));
  });

  test(".timerAdd() - sequence numbers are renumbered before they wrap, ties stay FIFO", () => {
    const core = makeCore(kind);
    core.timerSetSeq(0xffffffff - 3);
    for (let id = 0; id < 10; id++) core.timerAdd(id, 50);
    core.timerAdd(10, 40);
    assert.equal(batch(core, 100), [10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test(".tick() - more due timers than the ring has room for: all come out, in order, behind the pushes", () => {
    // tick counts the live due timers first (a walk of the heap's due part) and grows the
    // ring once to fit them: a wrong count would lose or overwrite ids.
    const released: number[] = [];
    const core = makeCore(kind, released);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 100;
    const when: number[] = [];
    for (let id = 0; id < 5000; id++) core.timerAdd(id, (when[id] = Math.floor(random()) / 2));
    for (let id = 0; id < 5000; id += 3) core.timerCancel(id);
    const dueBetween = (after: number, upTo: number) => when
      .map((w, id) => ({ w, id }))
      .filter(({ w, id }) => id % 3 !== 0 && w > after && w <= upTo)
      .sort((a, b) => a.w - b.w || a.id - b.id)
      .map(({ id }) => id);
    // Pushes and due timers make one more than a power of two: a count short by one would
    // grow the ring to 2,048 and overwrite the first id.
    const pushed = Array.from({ length: 2049 - dueBetween(-1, 20).length }, (_, i) => 100_000 + i);
    assert.ok(pushed.length > 0 && pushed.length < 1024);
    for (const id of pushed) core.push(id);
    let prev = -1;
    for (const now of [20, 35.5, 100]) {
      const due = dueBetween(prev, now);
      assert.equal(batch(core, now), prev < 0 ? [...pushed, ...due] : due);
      core.batchDone();
      prev = now;
    }
    assert.is(released.length, 1667);
    assert.is(core.timerCount(), 0);
  });

  test(".timerAdd() - ids beyond the first flag table grow it", () => {
    const core = makeCore(kind);
    core.timerAdd(1_000_000, 5);
    core.timerAdd(3, 5);
    core.timerCancel(1_000_000);
    assert.equal(batch(core, 5), [3]);
  });

  test("1,000,000 timers: schedule, cancel every second one, fire the rest in order", () => {
    const released: number[] = [];
    const core = makeCore(kind, released);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 100;
    const when = new Float64Array(1_000_000);
    for (let id = 0; id < 1_000_000; id++) core.timerAdd(id, (when[id] = random()));
    for (let id = 0; id < 1_000_000; id += 2) core.timerCancel(id);
    assert.ok(core.timerCount() <= 1_000_000);
    let fired = 0, last = -1, lastId = -1;
    for (let t = 0; t <= 100; t += 1) {
      for (const id of batch(core, t)) {
        assert.ok(id % 2 === 1);
        assert.ok(when[id] >= last && when[id] <= t);
        if (when[id] === last) assert.ok(id > lastId);
        last = when[id];
        lastId = id;
        fired++;
      }
    }
    assert.is(fired, 500_000);
    assert.is(released.length, 500_000);
    assert.is(core.timerCount(), 0);
  });

  test(".reset() - empties the core for reuse", () => {
    const core = makeCore(kind);
    core.push(1);
    core.timerAdd(2, 1);
    core.reset();
    assert.is(core.pending(), 0);
    assert.is(core.timerCount(), 0);
    assert.equal(batch(core, 10), []);
  });

  test.run();
}
