// The browser demo (examples/browser/, `npm run demo`): its task tree on the virtual clock
// (both cores, exact rows), that its pages use the public API only, that the server serves
// them, and, in headless Chromium, that the live page draws a few hundred tasks and a
// timeline and the trace page draws examples/trace.ts's trace, each saved as a picture in
// a temp dir (never the working tree: `npm run demo -- --screenshots` writes the README's).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTask, gather, sleep, taskGroup, waitFor, type Coroutine, type EventLoop } from "../src/index.js";
import * as wasyncio from "../src/index.js";
import { taskTree } from "../examples/browser/task-tree.js";
import { findBrowser, NOT_FOUND } from "../scripts/find-browser.mjs";
import { exampleTrace, startDemoServer, takeScreenshots } from "../scripts/demo.mjs";
import { bothCores, runIn } from "./helpers.js";

const PAGES = fileURLToPath(new URL("../examples/browser/", import.meta.url));

bothCores("demo: the task tree", (coreTest) => {
  coreTest("who awaits whom, through a TaskGroup, waitFor and gather; what each waits on", ({ loop }) => {
    function* asset(ms: number): Coroutine<void> {
      yield* sleep(ms);
    }
    function* page(): Coroutine<void> {
      yield* sleep(5);
      yield* gather(createTask(asset(30), { name: "/a/app.js" }), createTask(asset(20), { name: "/a/logo.svg" }));
    }
    function* worker(): Coroutine<void> {
      yield* waitFor(createTask(page(), { name: "GET /a" }), 1000);
    }
    function* main(): Coroutine<void> {
      yield* taskGroup(function* (tg) {
        tg.createTask(worker(), { name: "worker-1" });
        tg.createTask(asset(50), { name: "worker-2" });
      });
    }
    const crawler = loop.createTask(main(), { name: "crawler" });
    const seen = runIn<ReturnType<typeof taskTree>>(loop, loop.createTask((function* probe() {
      yield* sleep(10);
      return taskTree(loop as EventLoop);
    })(), { name: "probe" }));
    assert.equal(seen.map((r) => `${"  ".repeat(r.depth)}${r.name}: ${r.state}`), [
      "crawler: awaiting a Future",
      "  worker-1: awaiting GET /a",
      "    GET /a: awaiting a GatheringFuture",
      "      GatheringFuture: pending",
      "        /a/app.js: sleeping 25 ms",
      "        /a/logo.svg: sleeping 15 ms",
      "  worker-2: sleeping 40 ms",
      "probe: running",
    ]);
    assert.equal(seen.filter((r) => !r.isTask).map((r) => r.name), ["GatheringFuture"]);
    assert.is(taskTree(loop, 3).length, 3, "maxRows bounds the rows");
    runIn(loop, crawler);
    assert.equal(taskTree(loop), [], "no pending tasks, no rows");
  });
});

test("demo: the pages import the package's public API only", () => {
  const sources = readdirSync(PAGES).filter((f) => f.endsWith(".ts"));
  assert.ok(sources.includes("demo.ts") && sources.includes("trace-view.ts"));
  for (const file of sources) {
    const text = readFileSync(join(PAGES, file), "utf8");
    for (const [, names, from] of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"([^"]+)"/g)) {
      if (from.startsWith("./")) continue;
      assert.is(from, "../../src/index.js", `${file} imports from ${from}, not the package's main entry`);
      for (const raw of names.split(",").map((n) => n.trim()).filter(Boolean)) {
        const name = raw.replace(/^type\s+/, "");
        assert.not.match(name, /^_/, `${file} imports the internal ${name}`);
        if (!raw.startsWith("type ")) assert.ok(name in wasyncio, `${file}: ${name} is not exported by wasyncio`);
      }
    }
    assert.not.match(text, /\._[a-zA-Z]/, `${file} uses an internal member`);
  }
});

let trace: string | undefined;
const theTrace = async () => (trace ??= await exampleTrace());

test("demo: the server serves the pages, their bundled scripts and the trace, on 127.0.0.1", async () => {
  const server = await startDemoServer({ port: 0, trace: await theTrace() });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const get = async (path: string) => {
      const r = await fetch(new URL(path, server.url));
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    };
    const index = await get("/");
    assert.is(index.status, 200);
    assert.match(index.text, /<script type="module" src="demo.js">/);
    for (const path of ["/demo.js", "/trace-view.js"]) {
      const js = await get(path);
      assert.is(js.status, 200, path);
      assert.match(js.type!, /^text\/javascript/);
    }
    assert.match((await get("/trace.html")).text, /trace-view\.js/);
    assert.equal(JSON.parse((await get("/trace.json")).text), JSON.parse(await theTrace()));
    assert.is((await get("/nothing.js")).status, 404);
  } finally {
    await server.close();
  }
});

const found = findBrowser();
if (!found) console.log(`demo browser test skipped: ${NOT_FOUND}`);
const browserTest = found ? test : test.skip;

browserTest("demo: in Chromium the live page draws the task tree and timeline, the trace page the trace; both saved as pictures", async () => {
  const server = await startDemoServer({ port: 0, trace: await theTrace() });
  const outDir = mkdtempSync(join(tmpdir(), "wasyncio-demo-test-"));
  try {
    const { demo, trace: drawn, files, problems } = await takeScreenshots({ browserPath: found!.path, url: server.url, outDir, timeout: 60_000 });
    assert.equal(problems, [], "no page errors, console errors or failed requests");
    assert.is(demo.error, null);
    assert.ok(demo.tasksRendered >= 100, `${demo.tasksRendered} task rows in the tree`);
    assert.ok(demo.rows > demo.tasksRendered, "gather's futures are rows too");
    assert.ok(demo.lanes >= 10, `${demo.lanes} lanes on the timeline`);
    assert.ok(demo.drawn > demo.lanes, `${demo.drawn} marks drawn`);
    assert.ok(demo.spawned >= 300, `${demo.spawned} tasks spawned`);
    assert.equal(drawn.labels, ["event loop", "crawler", "worker-1", "worker-2", "worker-3"]);
    assert.is(drawn.events, JSON.parse(await theTrace()).traceEvents.length);
    assert.ok(drawn.drawn >= 5 + 4, `${drawn.drawn} marks drawn: four task lives and the steps on them`);
    for (const file of [files.demo, files.trace]) {
      const png = readFileSync(file);
      assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is a PNG`);
      assert.ok(statSync(file).size > 10_000, `${file} has a picture in it`);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    await server.close();
  }
});

test.run();
