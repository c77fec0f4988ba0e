// captureCallGraph / formatCallGraph / printCallGraph (asyncio 3.14's graph) and the
// debug-mode suspension stacks behind task.getStack()/printStack(), on both cores.
import { readFileSync } from "node:fs";
import * as assert from "uvu/assert";
import {
  Future, Task, captureCallGraph, createTask, formatCallGraph, gather, printCallGraph, shield, sleep, taskGroup, type FutureCallGraph,
} from "../src/index.js";
import { bothCores, caught, runIn } from "./helpers.js";

const THIS_FILE = new URL(import.meta.url).pathname;
/** The line of this file holding `marker` (1-based). */
function lineOf(marker: string): number {
  return readFileSync(THIS_FILE, "utf8").split("\n").findIndex((l) => l.includes(marker)) + 1;
}
function names(g: FutureCallGraph): unknown {
  return { f: g.future instanceof Task ? g.future.getName() : g.future.constructor.name, by: g.awaitedBy.map(names) };
}

function* worker(): Generator<unknown, void, unknown> {
  yield* sleep(10); // MARK-worker-sleep
}

bothCores("call graph", (test) => {
  test("a task suspended in `yield* sleep(10)` shows this file and the line of the yield* (debug mode)", ({ newLoop }) => {
    const loop = newLoop({ debug: true });
    const t = loop.createTask(worker(), { name: "w" });
    loop._runOnce();
    const g = captureCallGraph(t)!;
    assert.equal(g.callStack.map((e) => [e.frame.name, e.frame.file, e.frame.line]), [["worker", THIS_FILE, lineOf("MARK-worker-sleep")]]);
    const stack = t.getStack();
    assert.ok(stack[stack.length - 2].includes(`${THIS_FILE}:${lineOf("MARK-worker-sleep")}`), stack.join("\n"));
    assert.is(stack[stack.length - 1], "sleeping until 10");
    const out: string[] = [];
    t.printStack({ file: { write: (s) => out.push(s) } });
    assert.match(out[0], /^Stack for <Task pending name="w"> \(most recent call last\):\n/);
    runIn(loop, t);
    assert.equal(t.getStack(), []);
  });

  test("outside debug mode no frames are recorded: the awaited chain only", ({ loop }) => {
    const t = loop.createTask(worker());
    loop._runOnce();
    assert.equal(captureCallGraph(t)!.callStack, []);
    assert.equal(t.getStack(), ["sleeping until 10"]);
    runIn(loop, t);
  });

  test("task awaiting task, a gather of tasks, shield, TaskGroup children, a plain future awaited by two tasks", ({ newLoop }) => {
    const loop = newLoop({ debug: true });
    const plain = loop.createFuture<number>();
    const seen: Record<string, unknown> = {};
    const main = loop.createTask((function* () {
      const a = createTask(worker(), { name: "a" });
      const b = createTask((function* () { yield* a })(), { name: "b" });
      const g1 = createTask(worker(), { name: "g1" }), g2 = createTask(worker(), { name: "g2" });
      const gathering = createTask((function* () { yield* gather(g1, g2) })(), { name: "gathering" });
      const inner = createTask(worker(), { name: "inner" });
      const shielding = createTask((function* () { yield* shield(inner) })(), { name: "shielding" });
      const p1 = createTask((function* () { yield* plain })(), { name: "p1" });
      const p2 = createTask((function* () { yield* plain })(), { name: "p2" });
      yield* taskGroup(function* (tg) {
        const child = tg.createTask(worker(), { name: "child" });
        yield* sleep(0);
        yield* sleep(0);
        seen.a = names(captureCallGraph(a)!);
        seen.g1 = names(captureCallGraph(g1)!);
        seen.inner = names(captureCallGraph(inner)!);
        seen.plain = names(captureCallGraph(plain)!);
        seen.child = names(captureCallGraph(child)!);
        plain.setResult(1);
      });
      yield* gather(b, gathering, shielding, p1, p2);
    })(), { name: "main" });
    runIn(loop, main);
    assert.equal(seen.a, { f: "a", by: [{ f: "b", by: [] }] });
    assert.equal(seen.g1, { f: "g1", by: [{ f: "GatheringFuture", by: [{ f: "gathering", by: [] }] }] });
    assert.equal(seen.inner, { f: "inner", by: [{ f: "Future", by: [{ f: "shielding", by: [] }] }] });
    assert.equal(seen.plain, { f: "Future", by: [{ f: "p1", by: [] }, { f: "p2", by: [] }] });
    assert.equal(seen.child, { f: "child", by: [{ f: "main", by: [] }] });
  });

  test("formatCallGraph mirrors asyncio's layout; the current task's stack is live; depth and limit", ({ newLoop }) => {
    const loop = newLoop({ debug: true });
    let text = "", graph: FutureCallGraph | undefined, limited: FutureCallGraph | undefined;
    function* inner(): Generator<unknown, void, unknown> {
      yield* sleep(0); // the parent awaits the child from its first step on
      text = formatCallGraph(); // MARK-format
      graph = captureCallGraph(null, { depth: 1 });
      limited = captureCallGraph(null, { limit: 1 });
      yield* sleep(0);
    }
    function* outer(): Generator<unknown, void, unknown> {
      yield* inner(); // MARK-outer
    }
    const child = loop.createTask(outer(), { name: "child" });
    const parent = loop.createTask((function* () { yield* child })(), { name: "parent" });
    runIn(loop, parent);
    const lines = text.split("\n");
    assert.match(lines[0], /^\* Task\(name='child', id=0x[0-9a-f]+\)$/);
    assert.is(lines[1], "  + Call stack:");
    assert.is(lines[2], `  |   File '${THIS_FILE}', line ${lineOf("MARK-format")}, in inner()`);
    assert.is(lines[3], `  |   File '${THIS_FILE}', line ${lineOf("MARK-outer")}, in outer()`);
    assert.is(lines[4], "  + Awaited by:");
    assert.match(lines[5], /^    \* Task\(name='parent', id=0x[0-9a-f]+\)$/);
    assert.equal(graph!.callStack.map((e) => e.frame.name), ["inner", "outer"]);
    assert.equal(limited!.callStack.map((e) => e.frame.name), ["outer"], "a positive limit keeps the outermost");
  });

  test("no task: undefined inside a loop, an error outside; bad arguments name the call", ({ loop }) => {
    let inLoop: unknown = "unset";
    const done = loop.createFuture<void>();
    loop.callSoon(() => {
      inLoop = captureCallGraph();
      done.setResult();
    });
    runIn(loop, done);
    assert.is(inLoop, undefined);
    assert.match(String(caught(() => captureCallGraph())), /captureCallGraph\(\): called outside a running event loop/);
    assert.instance(caught(() => captureCallGraph({} as Future)), TypeError);
    assert.match(String(caught(() => formatCallGraph(loop.createFuture(), { limit: 1.5 }))), /formatCallGraph\(\) expected options.limit/);
    assert.match(String(caught(() => printCallGraph(loop.createFuture(), { file: {} as never }))), /printCallGraph\(\) expected options.file/);
    const out: string[] = [];
    printCallGraph(loop.createFuture(), { file: { write: (s) => out.push(s) } });
    assert.match(out[0], /^\* Future\(id=0x[0-9a-f]+\)\n$/);
  });
});
