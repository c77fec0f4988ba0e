// The isomorphic test suites in headless Chromium: the core, concurrency and testing
// groups of test/ are bundled for the browser by esbuild (from src/, with the real Wasm
// core of src/core/wasm-binary.generated.ts), served from 127.0.0.1 and run in one page by
// uvu, driven by playwright-core. scripts/test.mjs adds the counts to its summary line;
// `npm run test:browser [pattern]` runs them alone.
//
// Which files: every *.test.ts of a group's directories (read at each run, so a new file
// is in without a list to edit), minus those that cannot run in a browser. The rule: a
// file is left out when it, or a module it imports statically, imports a Node built-in
// (node:* or a bare built-in name such as "fs"); esbuild's metafile tells. A dynamic
// import() of one does not count: that is how a file keeps a Node-only test behind a
// guard and runs the rest in the browser.
import { builtinModules } from "node:module";
import { readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The groups, each a list of directories under test/: "." is test/ itself (its own
 * *.test.ts only, not its subdirectories); any other is searched recursively.
 */
export const GROUPS = [
  { name: "core", dirs: [".", "loop", "core"] },
  { name: "concurrency", dirs: ["sync"] },
  { name: "testing", dirs: ["testing"] },
];

/** How long one browser run may take before it is stopped and counted as failed. */
export const RUN_LIMIT_MS = 120_000;

const NODE_BUILTINS = new Set(builtinModules);
const isNodeBuiltin = (path) => path.startsWith("node:") || NODE_BUILTINS.has(path.split("/")[0]);

/** The *.test.ts files of each group, as paths relative to `root` with "/" separators, sorted. */
export function groupFiles({ root = ROOT, groups = GROUPS } = {}) {
  const testDir = join(root, "test");
  const found = [];
  for (const group of groups) {
    for (const dir of group.dirs) {
      for (const file of testFiles(join(testDir, dir), dir !== ".")) {
        found.push({ file: relative(root, file).split(sep).join("/"), group: group.name });
      }
    }
  }
  return found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function testFiles(dir, recursive) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // a group directory that does not exist (yet) has no tests
  }
  const files = [];
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (recursive) files.push(...testFiles(path, true));
    } else if (name.endsWith(".test.ts")) files.push(path);
  }
  return files;
}

/**
 * esbuild's options for code bundled from src/ to run in a page (the suites, the demo): ES
 * modules split into shared chunks (in chunks/, as the package's dist/chunks/), and, as the
 * package's own bundles (scripts/bundle.mjs), a class keeps its name when the bundle renames
 * it, so a repr says <Task ...>, never <_Task ...>.
 */
export const BROWSER_BUILD = {
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  keepNames: true,
};

/**
 * Bundles the group files that match `pattern` (a RegExp or string tested against the path
 * under test/, as uvu's CLI does) for the browser. Returns { suites: [{ file, group, url }],
 * excluded: [{ file, group, reason }], outputs: Map<url, contents> }. Nothing is written to
 * disk: the outputs are served from memory.
 */
export async function bundleSuites({ root = ROOT, groups = GROUPS, pattern } = {}) {
  const match = pattern === undefined ? null : pattern instanceof RegExp ? pattern : new RegExp(pattern, "i");
  const candidates = groupFiles({ root, groups }).filter(({ file }) => !match || match.test(file.replace(/^test\//, "")));
  if (candidates.length === 0) return { suites: [], excluded: [], outputs: new Map() };
  // Where the outputs would go: write: false keeps them in memory, served from there.
  const outdir = join(root, ".browser-suites");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: candidates.map(({ file }) => file),
    outdir,
    outbase: root,
    // src/ and uvu once, shared by every file, as in one Node process; in a directory of
    // their own, as in the package (dist/chunks/): a debug-mode creation site leaves out
    // the frames of the library's directory, and the tests' frames must not be in it.
    ...BROWSER_BUILD,
    // Kept as imports so the metafile records them; no file that has one is loaded.
    external: ["node:*", ...builtinModules],
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const { inputs, outputs } = result.metafile;
  // A test file's bundle is served at its own path (/test/task.test.ts), so a stack frame
  // in it names the test's file as in Node (tests match creation sites on it). Only the
  // page imports it: no other module refers to it by its output name.
  const served = (path) => "/" + relative(outdir, resolve(root, path)).split(sep).join("/");
  const entryUrl = new Map(); // test file → its URL
  const renamed = new Map(); // served output path → URL, for the entries
  for (const [path, output] of Object.entries(outputs)) {
    if (!output.entryPoint) continue;
    const url = served(path).replace(/\.js$/, ".ts");
    entryUrl.set(output.entryPoint, url);
    renamed.set(served(path), url);
  }
  const urlOf = (path) => renamed.get(served(path)) ?? served(path);
  const suites = [];
  const excluded = [];
  for (const candidate of candidates) {
    const reason = nodeImport(inputs, candidate.file);
    if (reason) excluded.push({ ...candidate, reason });
    else suites.push({ ...candidate, url: entryUrl.get(candidate.file) });
  }
  const contents = new Map(result.outputFiles.map((f) => [urlOf(f.path), f.contents]));
  return { suites, excluded, outputs: contents };
}

/**
 * Why `entry` cannot run in a browser ("imports node:fs", or "imports node:fs via
 * test/host.ts"), or null: the first Node built-in its static imports reach, depth first.
 */
function nodeImport(inputs, entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return null;
    seen.add(file);
    for (const imp of inputs[file]?.imports ?? []) {
      if (imp.kind !== "import-statement" && imp.kind !== "require-call") continue;
      if (imp.external && isNodeBuiltin(imp.path)) return { module: imp.path, via: file };
      if (!imp.external) {
        const found = visit(imp.path);
        if (found) return found;
      }
    }
    return null;
  };
  const found = visit(entry);
  if (!found) return null;
  return found.via === entry ? `imports ${found.module}` : `imports ${found.module} via ${found.via}`;
}

// The page: it loads each file's bundle in turn and runs the suites it queued. uvu in a
// browser runs its queue by itself on a timer; UVU_DEFER (what uvu's own `uvu/run` sets)
// keeps it from doing so, and the page runs each queued suite and keeps the counts it
// returns ([errors or true, passed, skipped, total]) instead of parsing printed text.
// Each file's result goes to Node through window.__report as soon as it is known.
const PAGE = (suites) => `<!doctype html>
<meta charset="utf-8">
<title>wasyncio test suites</title>
<link rel="icon" href="data:,">
<script type="module">
globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];
const suites = ${JSON.stringify(suites.map(({ file, url }) => ({ file, url })))};
const text = (e) => String((e && e.stack) || e);
for (const { file, url } of suites) {
  const result = { file, passed: 0, failed: 0, skipped: 0, errors: [] };
  globalThis.UVU_INDEX = 0;
  UVU_QUEUE.length = 0;
  UVU_QUEUE.push([file]);
  try {
    await import(url);
  } catch (e) {
    result.failed++;
    result.errors.push("loading the file threw: " + text(e));
  }
  for (const run of UVU_QUEUE[0].slice(1)) {
    try {
      const [errors, passed, skipped, total] = await run();
      result.passed += passed;
      result.failed += total - passed;
      result.skipped += skipped;
      if (errors !== true) result.errors.push(errors);
    } catch (e) {
      result.failed++;
      result.errors.push("uvu's runner threw: " + text(e));
    }
  }
  await window.__report(result);
}
await window.__report({ done: true });
</script>
`;

/**
 * Serves `routes` (url → [content type, body]) on 127.0.0.1, on `port` (0: a free one).
 * Also the demo's server (scripts/demo.mjs).
 */
export function serve(routes, { port = 0 } = {}) {
  const server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? "/", "http://x").pathname);
    if (!route) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": route[0] }).end(route[1]);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** Chromium's flags: no sandbox (containers, root), no GPU, no background traffic. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Bundles and runs the suites in headless Chromium at `browserPath`. `onFile` gets each
 * file's result as it arrives. Returns { browser: "chromium 1xx", files: [{ file, group,
 * passed, failed, skipped, errors }], groups: { [name]: { passed, failed, skipped } },
 * excluded, leftOut, durationMs } (leftOut: what files said of tests they skipped or left out). A page error, a file that never finishes (within
 * `limitMs`) or a failed launch counts as a failure of the file running at the time.
 */
export async function runSuites({ browserPath, root = ROOT, groups = GROUPS, pattern, limitMs = RUN_LIMIT_MS, onFile } = {}) {
  const started = Date.now();
  const { suites, excluded, outputs } = await bundleSuites({ root, groups, pattern });
  const files = [];
  const leftOut = new Set();
  const summary = { browser: "", files, groups: {}, excluded, leftOut: [], durationMs: 0 };
  for (const g of groups) summary.groups[g.name] = { passed: 0, failed: 0, skipped: 0 };
  if (suites.length === 0) return summary;

  const routes = new Map([["/", ["text/html; charset=utf-8", PAGE(suites)]]]);
  for (const [url, body] of outputs) routes.set(url, ["text/javascript; charset=utf-8", body]);
  const server = await serve(routes);
  let browser;
  let next = 0; // the index of the file running now
  const add = (result) => {
    const { group } = suites.find((s) => s.file === result.file);
    const entry = { ...result, group };
    files.push(entry);
    const total = summary.groups[group];
    total.passed += entry.passed;
    total.failed += entry.failed;
    total.skipped += entry.skipped;
    onFile?.(entry);
  };
  const pageErrors = [];
  try {
    browser = await chromium.launch({ executablePath: browserPath, headless: true, timeout: 30_000, args: CHROMIUM_ARGS });
    summary.browser = `chromium ${browser.version()}`;
    const page = await browser.newPage();
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction("__report", (result) => {
      if (result.done) return finish();
      // An uncaught error while this file ran belongs to it.
      if (pageErrors.length) {
        result.failed += pageErrors.length;
        result.errors.push(...pageErrors.splice(0).map((e) => `uncaught in the page: ${e}`));
      }
      add(result);
      next++;
    });
    page.on("pageerror", (e) => pageErrors.push(e.stack || e.message));
    page.on("console", (m) => {
      // What a file says of the tests it leaves out: "<what> skipped: <why>" (see
      // scripts/test.mjs), or "not in browser: <what> (<why>)" for Node-only tests it does not define.
      const line = m.text();
      if (/^\S.*? skipped: .+$/.test(line)) leftOut.add(`${line} (in the browser)`);
      else if (line.startsWith("not in browser: ")) leftOut.add(line);
    });
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/`, { timeout: 30_000 });
    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, limitMs - (Date.now() - started)))));
    const late = await Promise.race([finished.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late && next < suites.length) {
      add({ file: suites[next].file, passed: 0, failed: 1, skipped: 0, errors: [`did not finish: the browser run passed its limit of ${limitMs / 1000} s while this file ran (${suites.length - next - 1} files after it did not run)${pageErrors.length ? `; uncaught in the page: ${pageErrors.join(" | ")}` : ""}`] });
    }
  } catch (e) {
    const file = suites[Math.min(next, suites.length - 1)].file;
    add({ file, passed: 0, failed: 1, skipped: 0, errors: [`the browser run failed: ${(e && e.message) || e}`] });
  } finally {
    await browser?.close().catch(() => {});
    await new Promise((resolve) => server.close(() => resolve()));
  }
  summary.leftOut = [...leftOut];
  summary.durationMs = Date.now() - started;
  return summary;
}

/** "browser (chromium 1xx): core 612 passed, concurrency 210 passed, 1 failed, testing 40 passed". */
export function describe(summary) {
  const parts = Object.entries(summary.groups)
    .filter(([name]) => summary.files.some((f) => f.group === name))
    .map(([name, c]) => `${name} ${c.passed} passed${c.failed ? `, ${c.failed} failed` : ""}${c.skipped ? `, ${c.skipped} skipped` : ""}`);
  return `browser (${summary.browser || "chromium"}): ${parts.join(", ") || "no suites ran"}`;
}

/** Totals over every group: { passed, failed, skipped }. */
export function totals(summary) {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const c of Object.values(summary.groups)) {
    t.passed += c.passed;
    t.failed += c.failed;
    t.skipped += c.skipped;
  }
  return t;
}

/** Prints one line per file, the failures in full, and the files left out with why. */
export function printFile(entry) {
  const counts = `${entry.passed} passed${entry.failed ? `, ${entry.failed} failed` : ""}${entry.skipped ? `, ${entry.skipped} skipped` : ""}`;
  console.log(`  [browser] ${entry.file}: ${counts}`);
  for (const error of entry.errors) console.log(error);
}

// `node scripts/browser-suites.mjs [pattern]`: the browser run alone, with the same exit
// status rules as scripts/test.mjs (no browser: skipped, exit 0).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { findBrowser, NOT_FOUND } = await import("./find-browser.mjs");
  const found = findBrowser();
  if (!found) {
    console.log(`browser suites skipped: ${NOT_FOUND}`);
  } else {
    const summary = await runSuites({ browserPath: found.path, pattern: process.argv[2], onFile: printFile });
    for (const { file, reason } of summary.excluded) console.log(`not in browser: ${file} (${reason})`);
    for (const line of summary.leftOut) console.log(line);
    console.log(describe(summary) + ` in ${(summary.durationMs / 1000).toFixed(1)} s`);
    const t = totals(summary);
    process.exitCode = t.failed === 0 && t.passed > 0 ? 0 : 1;
  }
}
