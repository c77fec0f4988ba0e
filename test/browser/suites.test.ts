// How the suites get into the browser (scripts/browser-suites.mjs), tried on scratch
// checkouts: which files each group takes, which are left out and why, and what the page
// reports for passing, failing, skipped, throwing and hanging tests. The run itself needs
// a Chromium (scripts/find-browser.mjs); without one those tests are skipped, not failed.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bundleSuites, describe, groupFiles, runSuites, totals, type Summary } from "../../scripts/browser-suites.mjs";
import { findBrowser, NOT_FOUND } from "../../scripts/find-browser.mjs";

const NODE_MODULES = resolve(import.meta.dirname, "..", "..", "node_modules");
const made: string[] = [];
test.after(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch checkout holding `files` (path → source), with this one's node_modules (uvu). */
function checkout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "wasyncio-browser-suites-"));
  made.push(root);
  symlinkSync(NODE_MODULES, join(root, "node_modules"), "dir");
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

const PASSING = `import { test } from "uvu"; import * as assert from "uvu/assert";
test("adds", () => assert.is(1 + 1, 2)); test.run();`;

test("each group takes the *.test.ts of its directories, found anew at each run", () => {
  const root = checkout({
    "test/a.test.ts": PASSING,
    "test/helpers.ts": "export const x = 1;",
    "test/loop/b.test.ts": PASSING,
    "test/loop/deep/c.test.ts": PASSING,
    "test/sync/d.test.ts": PASSING,
    "test/node/e.test.ts": PASSING, // no group has test/node/
    "test/reliability/f.test.ts": PASSING, // nor this one: "." is test/ itself, not below it
  });
  const before = groupFiles({ root });
  assert.equal(before, [
    { file: "test/a.test.ts", group: "core" },
    { file: "test/loop/b.test.ts", group: "core" },
    { file: "test/loop/deep/c.test.ts", group: "core" },
    { file: "test/sync/d.test.ts", group: "concurrency" },
  ]);
  // A file another helper adds to test/testing/ is in the next run, with no list edited.
  mkdirSync(join(root, "test/testing"));
  writeFileSync(join(root, "test/testing/memory-network.test.ts"), PASSING);
  assert.equal(groupFiles({ root }), [...before, { file: "test/testing/memory-network.test.ts", group: "testing" }]);
});

test("a file reaching a Node built-in by a static import is left out, with the import and the file it is in", async () => {
  const root = checkout({
    "test/direct.test.ts": `import { readFileSync } from "node:fs";\n${PASSING}\nvoid readFileSync;`,
    "test/sync/through.test.ts": `import { here } from "../fs-helper.js";\n${PASSING}\nvoid here;`,
    "test/fs-helper.ts": `import { join } from "path";\nexport const here = join("a", "b");`,
    // A dynamic import behind a guard keeps the file in: only Node would run it.
    "test/guarded.test.ts": `const os = typeof process === "undefined" ? null : await import("node:os");\n${PASSING}\nvoid os;`,
    "test/plain.test.ts": PASSING,
  });
  const { suites, excluded, outputs } = await bundleSuites({ root });
  assert.equal(excluded, [
    { file: "test/direct.test.ts", group: "core", reason: "imports node:fs" },
    { file: "test/sync/through.test.ts", group: "concurrency", reason: "imports path via test/fs-helper.ts" },
  ]);
  // Served at the test's own path, so a stack frame in it names the test's file.
  assert.equal(suites.map((s) => [s.file, s.url]), [["test/guarded.test.ts", "/test/guarded.test.ts"], ["test/plain.test.ts", "/test/plain.test.ts"]]);
  for (const { url } of suites) assert.ok(outputs.has(url), url);
  // uvu, shared by both, is a chunk of its own directory, apart from the tests' files.
  assert.ok([...outputs.keys()].some((url) => url.startsWith("/chunks/")), [...outputs.keys()].join(" "));
  // The pattern picks files as uvu's CLI does, on the path under test/.
  assert.equal((await bundleSuites({ root, pattern: "^plain" })).suites.map((s) => s.file), ["test/plain.test.ts"]);
});

test("the summary line names the browser and gives each group's counts, zeros left out", () => {
  const summary: Summary = {
    browser: "chromium 140.0.1",
    files: [
      { file: "test/a.test.ts", group: "core", passed: 3, failed: 1, skipped: 0, errors: ["x"] },
      { file: "test/sync/b.test.ts", group: "concurrency", passed: 2, failed: 0, skipped: 2, errors: [] },
    ],
    groups: { core: { passed: 3, failed: 1, skipped: 0 }, concurrency: { passed: 2, failed: 0, skipped: 2 }, testing: { passed: 0, failed: 0, skipped: 0 } },
    excluded: [],
    leftOut: [],
    durationMs: 1,
  };
  assert.is(describe(summary), "browser (chromium 140.0.1): core 3 passed, 1 failed, concurrency 2 passed, 2 skipped");
  assert.equal(totals(summary), { passed: 5, failed: 1, skipped: 2 });
});

// The runs in Chromium.
let browserPath: string | undefined;
let notUsable: Error | undefined;
try {
  browserPath = findBrowser()?.path;
} catch (e) {
  notUsable = e as Error; // a CHROME_PATH that is not a browser: these tests fail on it
}
if (!browserPath && !notUsable) console.log(`browser suites' own tests skipped: ${NOT_FOUND}`);
const inChromium = browserPath || notUsable ? test : test.skip;
const launchable = (): string => {
  if (notUsable) throw notUsable;
  return browserPath!;
};

inChromium("the page counts each file's passed, failed and skipped tests, with uvu's report of each failure", async () => {
  const root = checkout({
    "test/mixed.test.ts": `import { suite, test } from "uvu"; import * as assert from "uvu/assert";
      const s = suite("mixed");
      s("passes", () => assert.ok(true));
      s("fails", () => assert.is(typeof document, "undefined", "runs where there is no document"));
      s.skip("skipped", () => {});
      s.run();
      test("passes too", async () => { await new Promise((r) => setTimeout(r, 5)); });
      test.run();`,
    "test/sync/throws.test.ts": `import { test } from "uvu"; throw new Error("broken at load"); test.run();`,
    "test/testing/prints.test.ts": `console.log("widgets skipped: no widget here");\nconsole.log("not in browser: its gadget test (Node only)");\n${PASSING}`,
  });
  const seen: string[] = [];
  const summary = await runSuites({ root, browserPath: launchable(), onFile: (f) => seen.push(f.file) });
  assert.match(summary.browser, /^chromium \d+\./);
  assert.equal(seen, ["test/mixed.test.ts", "test/sync/throws.test.ts", "test/testing/prints.test.ts"], "reported in order, as each ends");
  const [mixed, throws, prints] = summary.files;
  assert.equal([mixed.passed, mixed.failed, mixed.skipped], [2, 1, 1]);
  assert.is(mixed.errors.length, 1);
  assert.match(mixed.errors[0], /fails/);
  assert.match(mixed.errors[0], /runs where there is no document/);
  assert.equal([throws.passed, throws.failed], [0, 1]);
  assert.match(throws.errors[0], /loading the file threw: Error: broken at load/);
  assert.equal([prints.passed, prints.failed], [1, 0]);
  assert.equal(summary.groups, { core: { passed: 2, failed: 1, skipped: 1 }, concurrency: { passed: 0, failed: 1, skipped: 0 }, testing: { passed: 1, failed: 0, skipped: 0 } });
  assert.equal(summary.leftOut, ["widgets skipped: no widget here (in the browser)", "not in browser: its gadget test (Node only)"]);
});

inChromium("an uncaught error fails the file it happened in; a file that never ends fails when the run's time is up", async () => {
  const root = checkout({
    "test/a-uncaught.test.ts": `import { test } from "uvu";
      test("throws later", async () => { setTimeout(() => { throw new Error("thrown from a timer"); }); await new Promise((r) => setTimeout(r, 20)); });
      test.run();`,
    "test/b-hangs.test.ts": `import { test } from "uvu"; test("never ends", () => new Promise(() => {})); test.run();`,
    "test/c-after.test.ts": PASSING,
  });
  const summary = await runSuites({ root, browserPath: launchable(), limitMs: 8_000 });
  const [uncaught, hangs] = summary.files;
  assert.is(summary.files.length, 2, "the run stopped at the file that hung");
  assert.equal([uncaught.file, uncaught.passed, uncaught.failed], ["test/a-uncaught.test.ts", 1, 1]);
  assert.match(uncaught.errors.join("\n"), /uncaught in the page: Error: thrown from a timer/);
  assert.equal([hangs.file, hangs.passed, hangs.failed], ["test/b-hangs.test.ts", 0, 1]);
  assert.match(hangs.errors[0], /did not finish: the browser run passed its limit of 8 s while this file ran \(1 files after it did not run\)/);
});

test.run();
