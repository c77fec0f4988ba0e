// Context propagation, case by case, as CPython's contextvars behave under asyncio:
// the ContextTest cases of Lib/test/test_context.py (run, copy, get/set/reset, tokens,
// nesting, iteration, the HAMT), the context tests of test_asyncio/test_tasks.py
// (test_context_1..6, get_context), test_futures2.py's exception handler contexts, and
// where each asyncio primitive captures a context. Written here from the documented
// semantics; each test names the behaviour. Scheduler cases run on both cores in virtual
// time and record what they see in arrays.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  Context, ContextVar, Event, EventLoop, Future, LookupError, Queue, Runner, Task, TaskGroup, Token, copyContext, createTask,
  gather, shield, sleep, taskGroup, timeout, waitFor, type Coroutine, type ExceptionContext,
} from "../src/index.js";
import { _currentContext } from "../src/context.js";
import { ABSENT, HamtMap, type HamtKey } from "../src/util/hamt.js";
import { MiniLoop } from "./core-fixtures.js";
import { bothCores, caught, runIn } from "./helpers.js";

// ---- contextvars on their own (test_context.py, ContextTest) ----------------------------

const plain = suite("context propagation: ContextVar, Context and Token (test_context.py)");

plain("a ContextVar needs a string name; the name is read-only; vars are distinct even with equal names", () => {
  assert.throws(() => new ContextVar(1 as unknown as string), (e: Error) => e instanceof TypeError && /new ContextVar\(\) expected name to be a string, got 1/.test(e.message));
  assert.throws(() => new ContextVar("x", 5 as never), (e: Error) => e instanceof TypeError && /options to be an object/.test(e.message));
  const a = new ContextVar<number>("same"), b = new ContextVar<number>("same");
  assert.is(a.name, "same");
  assert.throws(() => { (a as { name: string }).name = "other" }, TypeError, "no setter");
  new Context().run(() => {
    a.set(1);
    assert.is(b.get(2), 2, "a var of the same name is another var");
  });
});

plain("the reprs: ContextVar with and without default, Token before and after use, Context with its size", () => {
  const v = new ContextVar<string>("v"), d = new ContextVar<string | null>("d", { default: null });
  assert.is(String(v), '<ContextVar name="v">');
  assert.is(String(d), '<ContextVar name="d" default=null>');
  new Context().run(() => {
    const t = v.set("x");
    assert.is(String(t), '<Token var=<ContextVar name="v">>');
    v.reset(t);
    assert.is(String(t), '<Token used var=<ContextVar name="v">>');
    assert.is(String(copyContext()), "<Context size=0>");
    d.set("y");
    assert.is(String(copyContext()), "<Context size=1>");
  });
});

plain("Context.get/has reject what is not a ContextVar with a TypeError naming the call", () => {
  const ctx = new Context();
  assert.throws(() => ctx.get(1 as never), (e: Error) => e instanceof TypeError && /^Context\.get\(\) expected a ContextVar, got 1/.test(e.message));
  assert.throws(() => ctx.has("v" as never), (e: Error) => e instanceof TypeError && /^Context\.has\(\) expected a ContextVar/.test(e.message));
  assert.throws(() => ctx.run(undefined as never), (e: Error) => e instanceof TypeError && /^Context\.run\(\) expected a function/.test(e.message));
});

plain("run passes its arguments and returns the result; a throw propagates and the previous context is current again", () => {
  const v = new ContextVar<string>("v", { default: "outer" });
  const ctx = new Context();
  assert.equal(ctx.run((a: number, b: string) => [a, b, v.get()], 1, "two"), [1, "two", "outer"]);
  class Boom extends Error {}
  const err = caught(() => ctx.run(() => { v.set("inside"); throw new Boom("x") }));
  assert.instance(err, Boom);
  assert.is(v.get(), "outer");
  assert.is(ctx.get(v), "inside", "the set before the throw stays in ctx");
});

plain("nested run of two contexts: each sees only its own sets; the outer's values come back after the inner", () => {
  const v = new ContextVar<string>("v");
  const ctx1 = new Context(), ctx2 = new Context();
  const seen: unknown[] = [];
  ctx1.run(() => {
    v.set("spam");
    seen.push(v.get());
    ctx2.run(() => {
      seen.push(v.get("unset in ctx2"));
      v.set("ham");
      seen.push(v.get());
    });
    seen.push(v.get());
  });
  assert.equal(seen, ["spam", "unset in ctx2", "ham", "spam"]);
  assert.is(ctx1.get(v), "spam");
  assert.is(ctx2.get(v), "ham");
  assert.is(v.get("none at the top"), "none at the top");
});

plain("a context cannot be entered while entered (run inside its own run, directly or nested deeper)", () => {
  const ctx = new Context(), other = new Context();
  const direct = caught(() => ctx.run(ctx.run.bind(ctx), () => 0));
  assert.instance(direct, Error);
  assert.match((direct as Error).message, /cannot enter context: <Context size=0> is already entered/);
  const deeper = caught(() => ctx.run(() => other.run(() => ctx.run(() => 0))));
  assert.match(String(deeper), /already entered/);
  assert.is(ctx.run(() => "usable after"), "usable after");
  assert.is(other.run(() => "so is the other"), "so is the other");
});

plain("copyContext inside run snapshots that context; later sets in either do not reach the other", () => {
  const c = new ContextVar<number>("c", { default: 42 });
  const ctx1 = new Context();
  const seen: unknown[] = [];
  ctx1.run(() => {
    c.set(10);
    const ctx2 = copyContext();
    seen.push(ctx2.get(c));
    c.set(20);
    seen.push(ctx1.get(c), ctx2.get(c));
    ctx2.run(() => {
      seen.push(c.get());
      c.set(30);
      seen.push(c.get());
    });
    seen.push(ctx1.get(c), ctx2.get(c), c.get());
  });
  assert.equal(seen, [10, 20, 10, 10, 30, 20, 30, 20]);
});

plain("get/set/reset: Token.var, Token.oldValue (MISSING, then the previous value); reset restores or removes", () => {
  const c = new ContextVar<number>("c");
  new Context().run(() => {
    const t1 = c.set(1);
    assert.is(t1.var, c);
    assert.is(t1.oldValue, Token.MISSING);
    assert.is(copyContext().get(c), 1);
    const t2 = c.set(2);
    assert.is(t2.oldValue, 1);
    c.reset(t2);
    assert.is(c.get(), 1);
    c.reset(t1);
    assert.not.ok(copyContext().has(c));
    assert.instance(caught(() => c.get()), LookupError);
  });
});

plain("a token resets once; a token of another var, or made in another context, is refused (CPython's ValueError)", () => {
  const c = new ContextVar<number>("c", { default: 42 }), other = new ContextVar<number>("other");
  const ctx = new Context();
  const inCtx = ctx.run(() => c.set(1));
  const e1 = caught(() => c.reset(inCtx));
  assert.instance(e1, RangeError);
  assert.match((e1 as Error).message, /a Token created in the current Context/);
  assert.is(ctx.get(c), 1, "the refused reset changed nothing");
  ctx.run(() => {
    const e2 = caught(() => other.reset(inCtx as unknown as Token<number>));
    assert.instance(e2, RangeError);
    assert.match((e2 as Error).message, /created by <ContextVar name="other">/);
    c.reset(inCtx);
    const e3 = caught(() => c.reset(inCtx));
    assert.match(String(e3), /has already been used once/);
  });
  assert.is(ctx.get(c), undefined);
  // A copy of the context the token was made in is another context, too.
  const ctx2 = new Context();
  const t = ctx2.run(() => c.set(5));
  assert.instance(caught(() => ctx2.copy().run(() => c.reset(t))), RangeError);
});

plain("a Token resets its var when disposed (Python 3.14's `with var.set(x):`), also with `using`", () => {
  const c = new ContextVar<string>("c", { default: "before" });
  const seen: string[] = [];
  new Context().run(() => {
    {
      using _t = c.set("inside");
      seen.push(c.get());
    }
    seen.push(c.get());
    const t = c.set("again");
    t[Symbol.dispose]();
    seen.push(c.get());
    assert.match(String(caught(() => t[Symbol.dispose]())), /already been used once/);
  });
  assert.equal(seen, ["inside", "before", "before"]);
});

plain("a mutable value is shared, a set is not: a copy that sets a new array leaves the original's", () => {
  const c = new ContextVar<number[]>("c");
  const outer = new Context();
  outer.run(() => {
    c.set([]);
    copyContext().run(() => {
      c.set([]);
      c.get().push(42);
      assert.equal(c.get(), [42]);
    });
    assert.equal(c.get(), []);
  });
});

plain("iteration: keys, values and entries agree; iterating is a snapshot that later sets do not change", () => {
  const vs = Array.from({ length: 40 }, (_, i) => new ContextVar<number>(`it${i}`));
  const ctx = new Context();
  ctx.run(() => vs.forEach((v, i) => v.set(i * 10)));
  assert.is(ctx.size, 40);
  const keys = [...ctx.keys()], values = [...ctx.values()], entries = [...ctx];
  assert.equal(entries.map(([k]) => k), keys);
  assert.equal(entries.map(([, v]) => v), values);
  assert.equal(new Set(keys), new Set(vs));
  for (const [k, v] of entries) assert.is(v, vs.indexOf(k as ContextVar<number>) * 10);
  const seen: unknown[] = [];
  ctx.run(() => {
    for (const [k] of copyContext()) {
      seen.push(k);
      const extra = new ContextVar<number>("added while iterating");
      extra.set(1);
    }
  });
  assert.is(seen.length, 40, "the sets during the loop did not reach its snapshot");
  assert.is(ctx.size, 80, "the 40 sets made while iterating are in ctx");
});

// ---- the persistent map (CPython's HAMT tests, for our keys) ---------------------------

const hamt = suite("context propagation: the persistent map under collisions of hash prefixes");

/** A key with a chosen hash: the trie's keys carry their own. */
const key = (hash: number): HamtKey => ({ _hash: hash | 0 });

hamt("keys sharing 5, 10 ... 30 low bits nest down to the last level, and unnest on delete", () => {
  // Hashes equal in their low `k` bits (k = 5..30) and different above: the pairs nest.
  const hashes = [0, 1 << 5, 1 << 10, 1 << 15, 1 << 20, 1 << 25, 1 << 30, (1 << 31) >>> 0, 0x7fffffff, 0xffffffff];
  const keys = hashes.map(key);
  let m = HamtMap.EMPTY;
  const history: HamtMap[] = [m];
  keys.forEach((k, i) => { m = m.set(k, i); history.push(m); });
  assert.is(m.size, keys.length);
  keys.forEach((k, i) => assert.is(m.lookup(k), i));
  assert.is(m.lookup(key(1 << 29)), ABSENT, "a hash on the shared path but not a key");
  // Persistence: every earlier map still holds exactly its own keys.
  history.forEach((old, n) => keys.forEach((k, i) => assert.is(old.lookup(k), i < n ? i : ABSENT)));
  // Deleting in another order: every step agrees with a Map.
  const model = new Map(keys.map((k, i) => [k, i]));
  for (const i of [6, 0, 9, 3, 7, 1, 8, 2, 5, 4]) {
    const before = m;
    m = m.delete(keys[i]);
    model.delete(keys[i]);
    assert.is(before.lookup(keys[i]), i, "delete left the old map alone");
    assert.is(m.size, model.size);
    for (const k of keys) assert.is(m.lookup(k), model.has(k) ? model.get(k) : ABSENT);
    assert.equal(new Map(m.entries()), model);
  }
  assert.is(m, HamtMap.EMPTY, "deleting the last key gives the empty map");
});

hamt("no-op changes return the same map: a set to the same value, a delete of an absent key", () => {
  const a = key(7), b = key(7 + (1 << 20));
  const m = HamtMap.EMPTY.set(a, "x").set(b, "y");
  assert.is(m.set(a, "x"), m);
  assert.is(m.set(b, "y"), m);
  assert.is(m.delete(key(99)), m);
  assert.is(m.delete(key(7 + (1 << 25))), m, "absent, though on the same path");
  assert.is.not(m.set(a, "z"), m);
  assert.is(m.set(a, "z").size, 2, "replacing a value keeps the size");
  assert.is(HamtMap.EMPTY.delete(a), HamtMap.EMPTY);
});

hamt("stress: 2000 keys whose hashes collide in many prefixes, random sets and deletes agree with a Map", () => {
  let seed = 2024;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  // Hashes from a few low patterns and many high ones: deep shared paths everywhere.
  const keys = Array.from({ length: 2000 }, (_, i) => key(((i % 7) * 3) | ((i >>> 3) << 17) | ((i & 7) << 29)));
  const unique = new Set(keys.map((k) => k._hash >>> 0));
  assert.is(unique.size, keys.length, "the test's hashes are distinct, as ContextVars' are");
  const model = new Map<HamtKey, number>();
  let m = HamtMap.EMPTY;
  for (let step = 0; step < 20000; step++) {
    const k = keys[rnd(keys.length)];
    if (rnd(3) === 0) { m = m.delete(k); model.delete(k); } else { m = m.set(k, step); model.set(k, step); }
    if (step % 1000 === 0) {
      assert.is(m.size, model.size);
      for (const kk of keys) assert.is(m.lookup(kk), model.has(kk) ? model.get(kk) : ABSENT);
    }
  }
  assert.equal(new Map(m.entries()), model);
});

plain.run();
hamt.run();

// ---- asyncio: where a context is captured ------------------------------------------------

const cvar = new ContextVar<string>("cvar", { default: "nope" });

bothCores("context propagation: tasks (test_tasks.py test_context_*)", (test) => {
  test("test_context_1: a task made before the creator's set sees the old value; its sets stay in it", ({ loop }) => {
    const log: string[] = [];
    function* sub(): Coroutine<void> {
      yield* sleep(10);
      log.push(`sub sees ${cvar.get()}`);
      cvar.set("something else");
    }
    function* main(): Coroutine<void> {
      log.push(`main sees ${cvar.get()}`);
      const subtask = createTask(sub());
      cvar.set("yes");
      log.push(`main sees ${cvar.get()}`);
      yield* subtask;
      log.push(`main after sub sees ${cvar.get()}`);
    }
    runIn(loop, main());
    assert.equal(log, ["main sees nope", "main sees yes", "sub sees nope", "main after sub sees yes"]);
    assert.is(cvar.get(), "nope");
  });

  test("test_context_2: a done callback's set does not reach the task that added it; each wait resumes in the task's values", ({ loop }) => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const onDone = () => { log.push(`cb sees ${cvar.get()}`); cvar.set("something else") };
      for (let j = 0; j < 2; j++) {
        const fut = loop.createFuture<void>();
        fut.addDoneCallback(onDone);
        cvar.set(`yes${j}`);
        loop.callSoon(() => fut.setResult());
        yield* fut;
        log.push(`main ${cvar.get()}`);
        for (let i = 0; i < 3; i++) {
          cvar.set(`yes${i}-${j}`);
          yield* sleep(1);
          assert.is(cvar.get(), `yes${i}-${j}`);
        }
      }
    }
    runIn(loop, main());
    assert.equal(log, ["cb sees nope", "main yes0", "cb sees yes2-0", "main yes1"]);
    assert.is(cvar.get(), "nope");
  });

  test("test_context_3: 100 tasks interleaving on random sleeps each keep their own value", ({ loop }) => {
    const n = new ContextVar<number>("n", { default: -1 });
    let seed = 7;
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % k);
    const mismatches: string[] = [];
    let checks = 0;
    function* sub(num: number): Coroutine<void> {
      for (let i = 0; i < 10; i++) {
        n.set(num + i);
        yield* sleep(1 + rnd(50));
        if (n.get() !== num + i) mismatches.push(`${num + i} saw ${n.get()}`);
        checks++;
      }
    }
    function* main(): Coroutine<void> {
      const tasks = Array.from({ length: 100 }, () => loop.createTask(sub(rnd(11))));
      yield* gather(...tasks);
    }
    runIn(loop, main());
    assert.equal(mismatches, []);
    assert.is(checks, 1000);
    assert.is(n.get(), -1);
  });

  test("test_context_4/5/6: a task given a context runs in it, so its sets land there (new Task, createTask, loop.createTask)", ({ loop }) => {
    const v = new ContextVar<number>("v");
    function* coro(val: number): Coroutine<void> {
      yield* sleep(0);
      v.set(val);
    }
    const makers: [string, (c: Coroutine<void>, ctx: Context) => Task<void>][] = [
      ["new Task", (c, ctx) => new Task(c, { loop, context: ctx })],
      ["createTask", (c, ctx) => createTask(c, { context: ctx })],
      ["loop.createTask", (c, ctx) => loop.createTask(c, { context: ctx })],
    ];
    for (const [what, make] of makers) {
      const ret = runIn<unknown[]>(loop, (function* () {
        const ret: unknown[] = [];
        const ctx = copyContext();
        ret.push(ctx.get(v));
        const t1 = make(coro(1), ctx);
        assert.is(t1.getContext(), ctx, what);
        yield* t1;
        ret.push(ctx.get(v));
        yield* make(coro(2), ctx);
        ret.push(ctx.get(v));
        return ret;
      })());
      assert.equal(ret, [undefined, 1, 2], what);
    }
  });

  test("a task made inside ctx.run() copies ctx: the sets of the task do not reach ctx", ({ loop }) => {
    const v = new ContextVar<number>("v5");
    const ret = runIn<unknown[]>(loop, (function* () {
      const ret: unknown[] = [];
      const ctx = copyContext();
      ctx.run(() => v.set(0));
      const t1 = ctx.run(() => createTask((function* () { ret.push(`t1 sees ${v.get()}`); v.set(1) })()));
      assert.is.not(t1.getContext(), ctx);
      yield* t1;
      ret.push(ctx.get(v));
      return ret;
    })());
    assert.equal(ret, ["t1 sees 0", 0]);
  });

  test("getContext: the context given, else a copy made at creation (not the creator's own)", ({ loop }) => {
    const ctx = new Context();
    const given = new Task(sleep(0), { loop, context: ctx });
    runIn(loop, given);
    assert.is(given.getContext(), ctx);
    runIn(loop, (function* () {
      cvar.set("creator");
      const child = createTask(sleep(0));
      assert.is.not(child.getContext(), _currentContext());
      assert.is(child.getContext().get(cvar), "creator");
      cvar.set("after");
      assert.is(child.getContext().get(cvar), "creator", "the copy was taken at creation");
      yield* child;
    })());
  });

  test("finally and except blocks of a cancelled task run in the task's context (bpo-93740)", ({ loop }) => {
    const log: string[] = [];
    function* worker(): Coroutine<void> {
      cvar.set("inner");
      try {
        yield* sleep(1000);
      } catch (e) {
        log.push(`except ${cvar.get()}`);
        throw e;
      } finally {
        log.push(`finally ${cvar.get()}`);
      }
    }
    runIn(loop, (function* () {
      cvar.set("outer");
      const t = createTask(worker());
      yield* sleep(1);
      t.cancel();
      yield* sleep(1);
      log.push(`main ${cvar.get()} ${t.cancelled()}`);
    })());
    assert.equal(log, ["except inner", "finally inner", "main outer true"]);
  });

  test("TaskGroup.createTask: each child copies the group's task context at creation, or runs in the one given", ({ loop }) => {
    const log: string[] = [];
    const shared = new Context();
    runIn(loop, (function* () {
      cvar.set("parent");
      yield* taskGroup(function* (tg: TaskGroup) {
        tg.createTask((function* () { cvar.set("a"); yield* sleep(2); log.push(`a ${cvar.get()}`) })());
        cvar.set("parent2");
        tg.createTask((function* () { log.push(`b starts ${cvar.get()}`); yield* sleep(1); log.push(`b ${cvar.get()}`) })());
        tg.createTask((function* () { cvar.set("s1"); yield* sleep(3) })(), { context: shared });
        tg.createTask((function* () { yield* sleep(4); log.push(`s2 sees ${cvar.get()}`) })(), { context: shared });
      });
      log.push(`parent ${cvar.get()}`);
    })());
    assert.equal(log, ["b starts parent2", "b parent2", "a a", "s2 sees s1", "parent parent2"]);
  });

  test("Runner.run(main, { context }) runs the main task in that context; mains without one share the runner's own", ({ core }) => {
    const runner = new Runner({ loopFactory: () => new EventLoop({ clock: "virtual", core }) });
    const ctx = new Context();
    ctx.run(() => cvar.set("given"));
    const seen = runner.runSync(function* () { const s = cvar.get(); cvar.set("set by main"); return s }, { context: ctx });
    assert.is(seen, "given");
    assert.is(ctx.get(cvar), "set by main");
    const again = runner.runSync(function* () { cvar.set("second"); return cvar.get() });
    assert.is(again, "second");
    assert.is(runner.runSync(function* () { return cvar.get() }), "second", "as asyncio's Runner: one main's set is the next one's");
    assert.is(cvar.get(), "nope");
    assert.throws(() => runner.runSync(sleep(0), { context: {} as Context }), (e: Error) => e instanceof TypeError && /options\.context to be a Context/.test(e.message));
    runner.closeSync();
  });
});

bothCores("context propagation: gather, shield, waitFor, timeout", (test) => {
  test("gather: each coroutine runs in its own copy of the gatherer's context; none leaks to siblings or the gatherer", ({ loop }) => {
    const log: string[] = [];
    function* child(name: string): Coroutine<string> {
      log.push(`${name} starts ${cvar.get()}`);
      cvar.set(name);
      yield* sleep(1);
      return `${name}:${cvar.get()}`;
    }
    const res = runIn<string[]>(loop, (function* () {
      cvar.set("gatherer");
      const r = yield* gather(child("a"), child("b"));
      log.push(`gatherer ${cvar.get()}`);
      return r;
    })());
    assert.equal(res, ["a:a", "b:b"]);
    assert.equal(log, ["a starts gatherer", "b starts gatherer", "gatherer gatherer"]);
  });

  test("shield: the coroutine runs in a task of its own, copying the caller's context at the call", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      cvar.set("caller");
      const r = yield* shield((function* () { log.push(`inner ${cvar.get()}`); cvar.set("inner"); yield* sleep(1); return cvar.get() })());
      log.push(`caller ${cvar.get()} got ${r}`);
    })());
    assert.equal(log, ["inner caller", "caller caller got inner"]);
  });

  test("waitFor(coro): the coroutine runs inline in the caller's task (asyncio 3.12), so its sets are the caller's", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      cvar.set("caller");
      yield* waitFor((function* () { log.push(`inner ${cvar.get()}`); cvar.set("inner"); yield* sleep(1) })(), 100);
      log.push(`after coro ${cvar.get()}`);
      const t = createTask((function* () { cvar.set("task"); yield* sleep(1) })());
      yield* waitFor(t, 100);
      log.push(`after task ${cvar.get()}`);
    })());
    assert.equal(log, ["inner caller", "after coro inner", "after task inner"]);
  });

  test("timeout(): the body is part of the task, before, in and after the scope; a timed-out body's sets remain", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      cvar.set("before");
      yield* timeout(10, function* () { log.push(`body ${cvar.get()}`); cvar.set("body"); yield* sleep(1) });
      log.push(`after ${cvar.get()}`);
      try {
        yield* timeout(5, function* () { cvar.set("expiring"); yield* sleep(100) });
      } catch {
        log.push(`timed out ${cvar.get()}`);
      }
    })());
    assert.equal(log, ["body before", "after body", "timed out expiring"]);
  });
});

bothCores("context propagation: wakeups and callbacks", (test) => {
  test("Queue: a getter woken by a put resumes in its own context, never the putter's", ({ loop }) => {
    const q = new Queue<number>();
    const log: string[] = [];
    function* getter(name: string): Coroutine<void> {
      cvar.set(name);
      const item = yield* q.get();
      log.push(`${name} got ${item} in ${cvar.get()}`);
    }
    runIn(loop, (function* () {
      const g1 = createTask(getter("g1")), g2 = createTask(getter("g2"));
      yield* sleep(1);
      cvar.set("putter");
      q.putNowait(1);
      loop.callSoon(() => { cvar.set("callback putter"); q.putNowait(2) });
      yield* gather(g1, g2);
      log.push(`putter ${cvar.get()}`);
    })());
    assert.equal(log, ["g1 got 1 in g1", "g2 got 2 in g2", "putter putter"]);
  });

  test("Event: every waiter resumes in its own context; the setter's values reach none of them", ({ loop }) => {
    const ev = new Event();
    const log: string[] = [];
    function* waiter(name: string): Coroutine<void> {
      cvar.set(name);
      yield* ev.wait();
      log.push(`${name} ${cvar.get()}`);
    }
    runIn(loop, (function* () {
      const ws = ["w1", "w2", "w3"].map((n) => createTask(waiter(n)));
      yield* sleep(1);
      loop.callLater(5, () => { cvar.set("setter"); ev.set() });
      yield* gather(...ws);
    })());
    assert.equal(log, ["w1 w1", "w2 w2", "w3 w3"]);
  });

  test("callSoon/callLater/callAt capture the context at the call: later sets of the scheduler are not seen", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      cvar.set("at soon");
      loop.callSoon(() => log.push(`soon ${cvar.get()}`));
      cvar.set("at later");
      loop.callLater(3, () => log.push(`later ${cvar.get()}`));
      cvar.set("at at");
      loop.callAt(loop.time() + 2, () => log.push(`at ${cvar.get()}`));
      cvar.set("changed");
      yield* sleep(5);
    })());
    assert.equal(log, ["soon at soon", "at at at", "later at later"]);
  });

  test("a value a callback sets does not leak into the next callback, nor into the scheduler", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      cvar.set("task");
      for (let i = 0; i < 3; i++) loop.callSoon(() => { log.push(`cb${i} ${cvar.get()}`); cvar.set(`cb${i}`) });
      loop.callLater(1, () => { log.push(`timer ${cvar.get()}`); cvar.set("timer") });
      loop.callLater(1, () => log.push(`timer2 ${cvar.get()}`));
      yield* sleep(2);
      log.push(`task ${cvar.get()}`);
    })());
    loop.callSoon(() => { log.push(`top ${cvar.get()}`); cvar.set("top cb") });
    loop.callSoon(() => log.push(`top2 ${cvar.get()}`));
    runIn(loop, sleep(0));
    assert.equal(log, ["cb0 task", "cb1 task", "cb2 task", "timer task", "timer2 task", "task task", "top nope", "top2 nope"]);
    assert.is(cvar.get(), "nope");
  });

  test("done callbacks capture at add time: a set after addDoneCallback is not seen; a task made in one copies the callback's", ({ loop }) => {
    const log: string[] = [];
    runIn(loop, (function* () {
      const fut = loop.createFuture<number>();
      cvar.set("at add");
      fut.addDoneCallback(() => {
        log.push(`cb ${cvar.get()}`);
        cvar.set("in cb");
        loop.createTask((function* () { log.push(`task from cb ${cvar.get()}`) })());
      });
      cvar.set("after add");
      loop.callLater(1, () => fut.setResult(1));
      yield* fut;
      yield* sleep(1);
      const done = loop.createFuture<number>();
      done.setResult(2);
      cvar.set("adding to a done future");
      done.addDoneCallback(() => log.push(`late cb ${cvar.get()}`));
      cvar.set("after");
      yield* sleep(1);
    })());
    assert.equal(log, ["cb at add", "task from cb in cb", "late cb adding to a done future"]);
  });

  test("a callback scheduled from a task with callSoon({ context }) runs in that context, not the task's", ({ loop }) => {
    const log: string[] = [];
    const other = new Context();
    other.run(() => cvar.set("other"));
    runIn(loop, (function* () {
      cvar.set("task");
      loop.callSoon({ context: other }, () => log.push(`cb ${cvar.get()}`));
      yield* sleep(0);
    })());
    assert.equal(log, ["cb other"]);
  });

  test("a loop's user exception handler runs in the failing task's context (test_task_exc_handler_correct_context)", ({ loop, errors }) => {
    const seen: string[] = [];
    loop.setExceptionHandler((_l, c: ExceptionContext) => { seen.push(`${c.message} ${cvar.get()}`); errors.push(c) });
    runIn(loop, (function* () {
      cvar.set("main");
      const t = createTask((function* () { cvar.set("bar"); yield* sleep(0); throw new Error("1/0") })());
      yield* sleep(1);
      assert.ok(t.done());
    })());
    loop.close();
    assert.equal(seen, ["Task exception was never retrieved bar"]);
    errors.length = 0;
  });

  test("a loop's user exception handler runs in the failing callback's context (test_handle_exc_handler_correct_context)", ({ loop, errors }) => {
    const seen: string[] = [];
    loop.setExceptionHandler((_l, c: ExceptionContext) => { seen.push(`${c.message} ${cvar.get()}`); errors.push(c) });
    runIn(loop, (function* () {
      cvar.set("main");
      loop.callSoon(function callback() { cvar.set("bar"); throw new Error("1/0") });
      loop.callSoon({ context: new Context() }, function unset() { throw new Error("x") });
      yield* sleep(1);
      seen.push(`main ${cvar.get()}`);
    })());
    assert.equal(seen, ["Exception in callback <Handle callback()> bar", "Exception in callback <Handle unset()> nope", "main main"]);
    errors.length = 0;
  });

  test("Handle.getContext(): the context a scheduled callback will run in", ({ loop }) => {
    const ctx = new Context();
    const h1 = loop.callSoon({ context: ctx }, () => {});
    assert.is(h1.getContext(), ctx);
    const h2 = runIn<ReturnType<typeof loop.callSoon>>(loop, (function* () {
      cvar.set("task");
      const h = loop.callLater(5, () => {});
      cvar.set("later");
      yield* sleep(0);
      return h;
    })());
    assert.is(h2.getContext().get(cvar), "task");
    runIn(loop, sleep(10));
  });
});

bothCores("context propagation: a loop of the user's own (LoopLike)", (test) => {
  test("tasks and done callbacks on a custom loop run in their contexts", () => {
    const mini = new MiniLoop();
    const log: string[] = [];
    const ctx = new Context();
    ctx.run(() => cvar.set("ctx"));
    const fut = new Future<number>({ loop: mini });
    const t1 = new Task((function* () {
      cvar.set("t1");
      fut.addDoneCallback(() => { log.push(`cb ${cvar.get()}`); cvar.set("cb") });
      yield* fut;
      log.push(`t1 ${cvar.get()}`);
    })(), { loop: mini });
    const t2 = new Task((function* () {
      log.push(`t2 starts ${cvar.get()}`);
      cvar.set("t2");
      yield undefined;
      fut.setResult(1);
      yield undefined;
      log.push(`t2 ${cvar.get()}`);
    })(), { loop: mini, context: ctx });
    mini.runUntilDone(t1);
    mini.runUntilDone(t2);
    assert.equal(log, ["t2 starts ctx", "cb t1", "t1 t1", "t2 t2"]);
    assert.is(ctx.get(cvar), "t2");
    assert.is(cvar.get(), "nope");
  });
});

// Before the first ContextVar exists nothing is captured (every context is empty and
// alike). A fresh process is the only place with no ContextVar yet: this file made some.
// A child Node process, imported only where there is one to spawn.
const { runChild } = typeof process === "undefined" ? { runChild: null } : await import("./host.js");
if (!runChild) console.log("not in browser: test/context-propagation.test.ts, its fresh-process test (callbacks scheduled before the first ContextVar)");
const fresh = suite("context propagation: callbacks scheduled before the first ContextVar (fresh process)");

fresh("a callback scheduled before any ContextVar existed runs in a context of its own: its sets reach no later callback", async () => {
  const script = `
    import { ContextVar, EventLoop, sleep } from WASYNCIO;
    (async () => {
    const log = [];
    for (const core of ["wasm", "js"]) {
      const loop = new EventLoop({ clock: "virtual", core });
      let v;
      loop.callSoon(() => { v = new ContextVar("v" + core, { default: "none" }); v.set("first"); log.push(core + " first " + v.get()); });
      loop.callSoon(() => { log.push(core + " second " + v.get()); v.set("second"); });
      loop.callLater(1, () => log.push(core + " timer " + v.get()));
      const fut = loop.createFuture();
      fut.addDoneCallback(() => log.push(core + " done cb " + v.get()));
      loop.callSoon(() => fut.setResult(1));
      await loop.runUntilComplete(sleep(2));
      log.push(core + " top " + v.get());
      loop.close();
    }
    console.log(JSON.stringify(log));
    })();`;
  const { status, stdout: out, stderr } = runChild!(script);
  assert.is(status, 0, stderr);
  const log = JSON.parse(out);
  for (const core of ["wasm", "js"]) {
    assert.equal(log.filter((l: string) => l.startsWith(core)), [
      `${core} first first`, `${core} second none`, `${core} done cb none`, `${core} timer none`, `${core} top none`,
    ]);
  }
});

if (runChild) fresh.run();
