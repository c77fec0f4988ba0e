// `npm run demo`: serves the live demo of examples/browser/ on 127.0.0.1 and prints its
// address. The pages' scripts are bundled for the browser by esbuild from src/ (with the
// real Wasm core), as scripts/browser-suites.mjs bundles the test suites, and served from
// memory by the same server: nothing is written to the working tree. The trace page gets
// the trace examples/trace.ts writes (or the file given with --trace) at /trace.json.
//
//   npm run demo [-- --port N] [-- --trace FILE]     (PORT=N works too; default 5173)
//   npm run demo -- --screenshots [DIR]              writes demo.png and trace-timeline.png
//                                                    to DIR (default docs/images), then exits
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { BROWSER_BUILD, CHROMIUM_ARGS, serve } from "./browser-suites.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PAGES = join(ROOT, "examples", "browser");
/** The pages and their stylesheet, served as they are. */
const STATIC = { "index.html": "text/html; charset=utf-8", "trace.html": "text/html; charset=utf-8", "style.css": "text/css; charset=utf-8" };
/** The two scripts the pages load, bundled. */
const ENTRIES = ["demo.ts", "trace-view.ts"];
export const DEFAULT_PORT = 5173;

/** The README's pictures: a size that reads well on GitHub and keeps each file small. */
export const VIEWPORT = { width: 1200, height: 700 };

/**
 * Bundles the pages' scripts for the browser. Returns Map<URL path, contents>: /demo.js,
 * /trace-view.js, their shared chunks and source maps. Throws with what to do when the
 * Wasm core has not been built yet.
 */
export async function bundleDemo({ root = ROOT } = {}) {
  const pages = join(root, "examples", "browser");
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ENTRIES.map((name) => join(pages, name)),
      outdir: pages,
      ...BROWSER_BUILD,
      sourcemap: true,
      write: false,
      logLevel: "silent",
    });
  } catch (e) {
    const text = (e && e.message) || String(e);
    throw new Error(/wasm-binary\.generated/.test(text) ? `the Wasm core is not built: run \`npm run build\` first (${text.split("\n")[0]})` : text);
  }
  const outputs = new Map();
  for (const file of result.outputFiles) outputs.set("/" + relative(pages, file.path).split(sep).join("/"), file.contents);
  return outputs;
}

/**
 * Writes the trace of examples/trace.ts (the crawler on the virtual clock) to a temp file,
 * as a reader would (`npx tsx examples/trace.ts out.json`), and returns its contents.
 */
export async function exampleTrace({ root = ROOT } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wasyncio-demo-"));
  try {
    const path = join(dir, "trace.json");
    await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/trace.ts", path], { cwd: root, timeout: 60_000 });
    return readFileSync(path, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Serves the demo on 127.0.0.1:`port` (0: a free port): / (the live page), /trace.html
 * (the trace page) and, when `trace` (a trace's JSON text) is given, /trace.json. Returns
 * { url, port, close() }.
 */
export async function startDemoServer({ port = DEFAULT_PORT, trace, root = ROOT } = {}) {
  const pages = join(root, "examples", "browser");
  const routes = new Map();
  for (const [name, type] of Object.entries(STATIC)) routes.set(`/${name}`, [type, readFileSync(join(pages, name))]);
  routes.set("/", routes.get("/index.html"));
  for (const [url, body] of await bundleDemo({ root })) {
    routes.set(url, [url.endsWith(".map") ? "application/json; charset=utf-8" : "text/javascript; charset=utf-8", body]);
  }
  if (trace !== undefined) routes.set("/trace.json", ["application/json; charset=utf-8", trace]);
  const server = await serve(routes, { port });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    port: server.address().port,
    // An open tab keeps its keep-alive connections: closed too, so Ctrl-C stops at once.
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

/** Waits until `predicate` (run in the page) is true, or throws what the page reported. */
async function waitFor(page, predicate, arg, what, problems, timeout) {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`${what} (${e.message.split("\n")[0]}); on the page: ${problems.join(" | ") || "nothing reported"}`);
  }
}

/**
 * Opens the demo at `url` in the browser at `browserPath` and saves the two pictures to
 * `outDir`: demo.png (the live page once it shows `minTasks` tasks in the tree and a full
 * timeline window) and trace-timeline.png (the trace page with /trace.json). Returns
 * { demo, trace, files, problems }: what window.__demo and window.__trace said, the PNG
 * paths, and the page errors and failed requests seen (none, when all is well).
 */
export async function takeScreenshots({ browserPath, url, outDir, minTasks = 100, timeout = 30_000 }) {
  const browser = await chromium.launch({ executablePath: browserPath, headless: true, timeout, args: CHROMIUM_ARGS });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(url, { timeout });
    // The timeline shows the last 3 s: wait until the loop has run that long, so the
    // picture is a full window, and the tree is busy.
    await waitFor(page, (min) => {
      const d = window.__demo;
      return d && (d.error !== null || (d.tasksRendered >= min && d.lanes >= 10 && performance.now() > 3500));
    }, minTasks, `the demo never showed ${minTasks} tasks`, problems, timeout);
    const demo = await page.evaluate(() => window.__demo);
    if (demo.error !== null) throw new Error(`the demo's loop stopped: ${demo.error}`);
    const files = { demo: join(outDir, "demo.png"), trace: join(outDir, "trace-timeline.png") };
    await page.screenshot({ path: files.demo });

    // The trace page is as tall as its lanes: a short window, grown by fullPage if need be.
    await page.setViewportSize({ width: VIEWPORT.width, height: 320 });
    await page.goto(new URL("trace.html?src=/trace.json", url).href, { timeout });
    await waitFor(page, () => window.__trace && (window.__trace.error !== null || window.__trace.lanes !== undefined), undefined,
      "the trace page never drew /trace.json", problems, timeout);
    const trace = await page.evaluate(() => window.__trace);
    if (trace.error !== null) throw new Error(`the trace page failed: ${trace.error}`);
    await page.screenshot({ path: files.trace, fullPage: true });
    return { demo, trace, files, problems };
  } finally {
    await browser.close().catch(() => {});
  }
}

function option(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  return value === undefined || value.startsWith("--") ? "" : value;
}

// `node scripts/demo.mjs [--port N] [--trace FILE] [--screenshots [DIR]]`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const tracePath = option(args, "--trace");
  const trace = tracePath ? readFileSync(resolve(tracePath), "utf8") : await exampleTrace();
  const shots = option(args, "--screenshots");
  if (shots !== undefined) {
    const { findBrowser, NOT_FOUND } = await import("./find-browser.mjs");
    const found = findBrowser();
    if (!found) {
      console.error(`no screenshots: ${NOT_FOUND}`);
      process.exit(1);
    }
    const outDir = resolve(shots || join(ROOT, "docs", "images"));
    const server = await startDemoServer({ port: 0, trace });
    try {
      const { demo, trace: drawn, files, problems } = await takeScreenshots({ browserPath: found.path, url: server.url, outDir });
      if (problems.length) console.error(problems.join("\n"));
      console.log(`${relative(process.cwd(), files.demo)}: ${demo.tasksRendered} tasks in the tree, ${demo.lanes} lanes, ${demo.spawned} tasks spawned`);
      console.log(`${relative(process.cwd(), files.trace)}: ${drawn.lanes} lanes (${drawn.labels.join(", ")}), ${drawn.events} events`);
      process.exitCode = problems.length ? 1 : 0;
    } finally {
      await server.close();
    }
  } else {
    const portArg = option(args, "--port") ?? process.env.PORT;
    const port = portArg ? Number(portArg) : DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`demo: the port must be an integer from 0 to 65535, got ${JSON.stringify(portArg)}`);
      process.exit(2);
    }
    const server = await startDemoServer({ port, trace });
    console.log(`wasyncio demo: ${server.url}  (a trace in a timeline: ${server.url}trace.html?src=/trace.json)`);
    console.log("Ctrl-C stops it.");
    process.once("SIGINT", () => void server.close().then(() => process.exit(0)));
  }
}
