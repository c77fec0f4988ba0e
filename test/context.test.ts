// Task-local context (Python's contextvars with asyncio): ContextVar/Context/Token on their
// own, then where asyncio captures a context, on both cores in virtual time. The cases
// follow CPython's documented semantics (test_context.py, test_asyncio/test_context.py).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Context, ContextVar, LookupError, Task, Token, copyContext, createTask, formatCallGraph, shield, sleep, taskGroup, type Coroutine } from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";

const vars = suite("contextvars: ContextVar, Token, Context");

vars("get: the value, else the default given, else the var's default, else LookupError", () => {
  const a = new ContextVar<number>("a");
  const b = new ContextVar<number>("b", { default: 7 });
  const u = new ContextVar<number | undefined>("u", { default: undefined });
  assert.instance(caught(() => a.get()), LookupError);
  assert.match(String(caught(() => a.get())), /ContextVar name="a"/);
  assert.is(a.get(3), 3);
  assert.is(b.get(), 7);
  assert.is(b.get(9), 9, "the argument wins over the var's default, as in Python");
  assert.is(u.get(), undefined, "an undefined default is a default");
  new Context().run(() => {
    const t = a.set(1);
    assert.is(a.get(), 1);
    assert.is(a.get(3), 1);
    assert.is(t.var, a);
    assert.is(t.oldValue, Token.MISSING);
    const t2 = a.set(2);
    assert.is(t2.oldValue, 1);
    a.reset(t2);
    assert.is(a.get(), 1);
    a.reset(t);
    assert.instance(caught(() => a.get()), LookupError, "reset to MISSING removes the value");
  });
});

vars("reset errors as CPython's: used twice, another var, another context, not a token", () => {
  const a = new ContextVar<number>("a"), b = new ContextVar<number>("b");
  new Context().run(() => {
    const t = a.set(1);
    assert.throws(() => b.reset(t as unknown as Token<number>), (e: Error) => e instanceof RangeError && /created by <ContextVar name="b">/.test(e.message));
    const other = new Context().run(() => a.set(5));
    assert.throws(() => a.reset(other), (e: Error) => e instanceof RangeError && /current Context/.test(e.message));
    a.reset(t);
    assert.throws(() => a.reset(t), (e: Error) => !(e instanceof TypeError) && /already been used once/.test(e.message));
    assert.throws(() => a.reset({} as Token<number>), (e: Error) => e instanceof TypeError && /ContextVar.reset\(\) expected a Token/.test(e.message));
  });
  assert.throws(() => new ContextVar(3 as unknown as string), (e: Error) => e instanceof TypeError && /new ContextVar\(\) expected name/.test(e.message));
});

vars("Context.run: sets stay in that context; copy() is independent; get/has/size/iteration", () => {
  const a = new ContextVar<string>("a"), b = new ContextVar<string>("b", { default: "bd" });
  const ctx = new Context();
  assert.is(ctx.size, 0);
  const r = ctx.run((x: string, y: string) => {
    a.set(x);
    b.set(y);
    return a.get() + b.get();
  }, "1", "2");
  assert.is(r, "12");
  assert.instance(caught(() => a.get()), LookupError, "the run's sets stay in ctx");
  assert.is(ctx.get(a), "1");
  assert.is(ctx.get(b), "2");
  assert.is(ctx.size, 2);
  assert.ok(ctx.has(a));
  assert.equal(new Set(ctx.keys()), new Set([a, b]));
  assert.equal(new Set(ctx.values()), new Set(["1", "2"]));
  assert.equal(new Map(ctx), new Map<ContextVar<string>, unknown>([[a, "1"], [b, "2"]]));
  assert.equal(new Map(ctx.entries()), new Map(ctx));
  const copy = ctx.copy();
  copy.run(() => a.set("changed"));
  assert.is(ctx.get(a), "1", "the copy's set does not reach the original");
  assert.is(copy.get(a), "changed");
  const empty = new Context();
  assert.is(empty.get(b), undefined, "Context.get ignores the var's default");
  assert.is(empty.get(b, "x"), "x");
  assert.not.ok(empty.has(b));
  assert.is(String(empty), "<Context size=0>");
  assert.throws(() => empty.get({} as ContextVar<string>), (e: Error) => e instanceof TypeError && /Context.get\(\) expected a ContextVar/.test(e.message));
  assert.throws(() => empty.run(5 as unknown as () => void), (e: Error) => e instanceof TypeError && /Context.run\(\) expected a function/.test(e.message));
});

vars("copyContext snapshots the current context; the context is restored after run() throws", () => {
  const a = new ContextVar<number>("a", { default: 0 });
  const outer = new Context();
  outer.run(() => {
    a.set(1);
    const snap = copyContext();
    a.set(2);
    assert.is(snap.get(a), 1);
    assert.throws(() => snap.run(() => { a.set(3); throw new Error("boom") }), /boom/);
    assert.is(a.get(), 2, "outer is current again after the throw");
    assert.is(snap.get(a), 3);
  });
  assert.is(a.get(), 0);
});

vars("re-entering a context already entered throws, as CPython's RuntimeError", () => {
  const ctx = new Context();
  const err = ctx.run(() => caught(() => ctx.run(() => 1)));
  assert.match(String(err), /cannot enter context: <Context size=0> is already entered/);
  assert.is(ctx.run(() => 2), 2, "enterable again once exited");
  const inner = ctx.run(() => ctx.copy().run(() => "a copy is another context"));
  assert.is(inner, "a copy is another context");
});

vars("the persistent map: many vars set and reset in random order agree with a Map", () => {
  const vs = Array.from({ length: 300 }, (_, i) => new ContextVar<number>(`v${i}`));
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const model = new Map<ContextVar<number>, number>();
  const ctx = new Context();
  const tokens: Token<number>[] = [];
  ctx.run(() => {
    for (let step = 0; step < 5000; step++) {
      const v = vs[rnd(vs.length)];
      if (rnd(3) > 0 || tokens.length === 0) {
        const t = v.set(step);
        assert.is(t.oldValue, model.has(v) ? model.get(v) : Token.MISSING);
        model.set(v, step);
        tokens.push(t);
      } else {
        // Undo the newest set (LIFO, so its old value is the model's previous one).
        const t = tokens.pop()!;
        t.var.reset(t);
        if (t.oldValue === Token.MISSING) model.delete(t.var);
        else model.set(t.var, t.oldValue);
      }
      if (step % 250 === 0) {
        const snap = copyContext();
        assert.is(snap.size, model.size);
        for (const w of vs) assert.is(snap.get(w, -1), model.has(w) ? model.get(w) : -1);
      }
    }
    while (tokens.length > 0) {
      const t = tokens.pop()!;
      t.var.reset(t);
    }
  });
  assert.is(ctx.size, 0, "every set undone: the map is empty again");
});

vars.run();

const requestId = new ContextVar<string>("requestId", { default: "none" });

bothCores("contextvars with asyncio: where a context is captured", (test) => {
  test("a value set in a task never leaks to its creator; each task has its own copy", ({ loop }) => {
    const log: string[] = [];
    function* child(name: string): Coroutine<void> {
      log.push(`${name} starts with ${requestId.get()}`);
      requestId.set(name);
      yield* sleep(1);
      log.push(`${name} sees ${requestId.get()}`);
    }
    function* main(): Coroutine<void> {
      requestId.set("main");
      const a = createTask(child("a"));
      requestId.set("main2");
      const b = createTask(child("b"));
      yield* a;
      yield* b;
      log.push(`main sees ${requestId.get()}`);
    }
    runIn(loop, main());
    assert.equal(log, ["a starts with main", "b starts with main2", "a sees a", "b sees b", "main sees main2"]);
    assert.is(requestId.get(), "none", "the top level never saw main's sets");
  });

  test("callbacks run in the context current when they were scheduled, and their sets stay there", ({ loop }) => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      requestId.set("at-callSoon");
      loop.callSoon((x: number) => { log.push(`soon ${x} ${requestId.get()}`); requestId.set("by-callback") }, 1);
      requestId.set("at-callLater");
      loop.callLater(5, () => log.push(`later ${requestId.get()}`));
      requestId.set("at-callAt");
      loop.callAt(loop.time() + 3, (a: string, b: string) => log.push(`at ${a}${b} ${requestId.get()}`), "x", "y");
      requestId.set("main");
      yield* sleep(10);
      log.push(`main ${requestId.get()}`);
    }
    runIn(loop, main());
    assert.equal(log, ["soon 1 at-callSoon", "at xy at-callAt", "later at-callLater", "main main"]);
  });

  test("callSoon/callLater/callAt({ context }) run in that exact context: its sets are kept", ({ loop }) => {
    const ctx = new Context();
    ctx.run(() => requestId.set("in-ctx"));
    const log: string[] = [];
    loop.callSoon({ context: ctx }, (n: number) => { log.push(`soon ${n} ${requestId.get()}`); requestId.set("set-by-soon") }, 1);
    loop.callLater(2, { context: ctx }, () => { log.push(`later ${requestId.get()}`); requestId.set("set-by-later") });
    loop.callAt(4, { context: ctx }, (a: string) => log.push(`at ${a} ${requestId.get()}`), "z");
    loop.callAt(5, {}, () => log.push(`copy ${requestId.get()}`));
    runIn(loop, sleep(10));
    assert.equal(log, ["soon 1 in-ctx", "later set-by-soon", "at z set-by-later", "copy none"]);
    assert.is(ctx.get(requestId), "set-by-later");
    assert.is(requestId.get(), "none");
  });

  test("a callback wrapped to run in its context keeps its name in the Handle's repr", ({ loop }) => {
    function tick() {}
    assert.is(String(loop.callSoon(tick)), "<Handle tick()>");
    assert.is(String(loop.callSoon({ context: new Context() }, tick)), "<Handle tick()>");
    assert.match(String(loop.callLater(5, tick)), /^<TimerHandle when=5 tick\(\)>$/);
    runIn(loop, sleep(5));
  });

  test("a done callback wrapped to run in its context still shows who awaits through it in a call graph (shield)", ({ loop }) => {
    new ContextVar("in use");   // contexts are captured from now on
    let graph = "";
    runIn(loop, (function* () {
      const inner = createTask(sleep(10), { name: "inner" });
      const outer = shield(inner);
      yield* sleep(1);
      graph = formatCallGraph(inner);
      yield* outer;
    })());
    assert.match(graph, /Future\(id=/, `the shield's outer future awaits inner:\n${graph}`);
  });

  test("callSoon's options are checked", ({ loop }) => {
    assert.throws(() => loop.callSoon({ context: 5 } as never, () => {}), (e: Error) => e instanceof TypeError && /callSoon\(\) expected options.context to be a Context/.test(e.message));
    assert.throws(() => loop.callSoon({ contxt: new Context() } as never, () => {}), (e: Error) => e instanceof TypeError && /callSoon\(\) got an unknown option "contxt"|'contxt'/.test(e.message));
    assert.throws(() => loop.callLater(1, { context: new Context() }, 5 as never), (e: Error) => e instanceof TypeError && /callLater\(\) expected a function/.test(e.message));
    assert.throws(() => loop.callAt(1, 5 as never), (e: Error) => e instanceof TypeError && /^callAt\(\) expected a function, got 5$/.test(e.message));
    assert.throws(() => loop.createTask(sleep(1), { context: {} as Context }), (e: Error) => e instanceof TypeError && /options.context to be a Context/.test(e.message));
  });

  test("done callbacks run in the context current when they were added (or the one given)", ({ loop }) => {
    const log: string[] = [];
    const fut = loop.createFuture<number>();
    const given = new Context();
    given.run(() => requestId.set("given"));
    function* main(): Coroutine<void> {
      requestId.set("adder");
      fut.addDoneCallback((f) => { log.push(`cb ${f.result()} ${requestId.get()}`); requestId.set("by-cb") });
      fut.addDoneCallback(() => { log.push(`given ${requestId.get()}`); requestId.set("by-given") }, { context: given });
      const removed = () => log.push("removed");
      fut.addDoneCallback(removed);
      assert.is(fut.removeDoneCallback(removed), 1, "a callback wrapped in a context is still found by removeDoneCallback");
      requestId.set("later");
      loop.callSoon(() => fut.setResult(1));
      yield* sleep(1);
      log.push(`main ${requestId.get()}`);
    }
    runIn(loop, main());
    assert.equal(log, ["cb 1 adder", "given given", "main later"]);
    assert.is(given.get(requestId), "by-given");
  });

  test("createTask({ context }) runs every step in that exact context: two tasks sharing it see each other's sets", ({ loop }) => {
    const shared = new Context();
    const log: string[] = [];
    function* writer(): Coroutine<void> {
      requestId.set("w1");
      yield* sleep(2);
      log.push(`writer sees ${requestId.get()}`);
    }
    function* reader(): Coroutine<void> {
      yield* sleep(1);
      log.push(`reader sees ${requestId.get()}`);
      requestId.set("r1");
    }
    function* main(): Coroutine<void> {
      requestId.set("main");
      const w = createTask(writer(), { context: shared });
      const r = loop.createTask(reader(), { context: shared });
      assert.is(w.getContext(), shared);
      yield* w;
      yield* r;
      log.push(`main sees ${requestId.get()}`);
    }
    runIn(loop, main());
    assert.equal(log, ["reader sees w1", "writer sees r1", "main sees main"]);
    assert.is(shared.get(requestId), "r1");
    const own = new Task(sleep(0), { loop });
    assert.is.not(own.getContext(), shared);
    runIn(loop, own);
  });

  test("TaskGroup.createTask({ context }) and the default copy", ({ loop }) => {
    const ctx = new Context();
    const log: string[] = [];
    function* main(): Coroutine<void> {
      requestId.set("main");
      yield* taskGroup(function* (tg) {
        tg.createTask((function* () { requestId.set("in-ctx"); yield* sleep(1) })(), { context: ctx });
        tg.createTask((function* () { log.push(`copy sees ${requestId.get()}`); requestId.set("child"); yield* sleep(1) })());
      });
      log.push(`main sees ${requestId.get()}`);
    }
    runIn(loop, main());
    assert.equal(log, ["copy sees main", "main sees main"]);
    assert.is(ctx.get(requestId), "in-ctx");
  });

  test("a task cannot run() its own context: it is entered during the task's steps", ({ loop }) => {
    const ctx = new Context();
    let err: unknown;
    runIn(loop, loop.createTask((function* () {
      err = caught(() => ctx.run(() => 0));
      yield* sleep(0);
    })(), { context: ctx }));
    assert.match(String(err), /cannot enter context/);
    assert.is(ctx.run(() => "free again"), "free again");
  });

  test("callbacks the task schedules with its own context run after its step, with its values", ({ loop }) => {
    const log: string[] = [];
    const ctx = new Context();
    runIn(loop, loop.createTask((function* () {
      requestId.set("t");
      loop.callSoon({ context: ctx }, () => log.push(`cb ${requestId.get()}`));
      yield* sleep(1);
    })(), { context: ctx }));
    assert.equal(log, ["cb t"]);
  });
});

// Before the first ContextVar exists a task makes no Context (every one would be empty);
// the first var made inside a step gives that task its own at once. A fresh process is
// the only place with no ContextVar yet: this file made some at import.
// A child Node process, imported only where there is one to spawn.
const { runChild } = typeof process === "undefined" ? { runChild: null } : await import("./host.js");
if (!runChild) console.log("not in browser: test/context.test.ts, its fresh-process test (the first ContextVar made in a step)");
const fresh = suite("contextvars: the first ContextVar, made inside a task's step (fresh process)");

fresh("a set right after stays in the task, also inside a run() of the coroutine's; later tasks copy as usual", async () => {
  const script = `
    import { Context, ContextVar, EventLoop, createTask, sleep } from WASYNCIO;
    (async () => {
    const log = [];
    const loop = new EventLoop({ clock: "virtual" });
    let v, w;
    const outer = new Context();
    const early = loop.createTask((function* () { yield* sleep(1); v.set("early"); log.push("early " + v.get()); })());
    await loop.runUntilComplete((function* () {
      outer.run(() => { v = new ContextVar("v", { default: "none" }); w = new ContextVar("w", { default: "none" }); v.set("in-run") });
      v.set("main");
      log.push("main " + v.get());
      const child = createTask((function* () { log.push("child " + v.get()); v.set("child") })());
      yield* sleep(0);
      yield* child;
      yield* early;
      log.push("main again " + v.get());
    })());
    log.push("outside " + v.get() + " " + outer.get(v));
    loop.close();
    console.log(JSON.stringify(log));
    })();`;
  const { status, stdout: out, stderr } = runChild!(script);
  assert.is(status, 0, stderr);
  assert.equal(JSON.parse(out), ["main main", "child main", "early early", "main again main", "outside none in-run"]);
});

if (runChild) fresh.run();
