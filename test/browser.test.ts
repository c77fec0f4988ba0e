// The built ESM bundle in a real browser: a headless Chromium already on the machine (see
// scripts/find-browser.mjs; never a downloaded one) loads dist/index.js from a local HTTP
// server and runs tasks on the browser driver (MessageChannel wake-ups, setTimeout sleeps)
// with the Wasm core. With no browser to be found (scripts/test.mjs installs Debian's
// where it can) the tests are skipped, not failed: a missing browser is not a bug here.
// This is the package as users get it (dist/); the test suites themselves run in the same
// browser from source, by scripts/browser-suites.mjs (npm test, npm run test:browser).
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findBrowser, NOT_FOUND, type FoundBrowser } from "../scripts/find-browser.mjs";

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));
const TIMEOUT_MS = 30_000;
const HOPS = 200;

// The page (an empty icon, so no favicon request 404s): every check runs inside the browser and the results land in window.__result,
// which the test polls for. An exception becomes { error } so the test can show it.
const INDEX_HTML = `<!doctype html>
<meta charset="utf-8">
<title>wasyncio in the browser</title>
<link rel="icon" href="data:,">
<script type="module">
import { run, sleep, EventLoop, getRunningLoop } from "./index.js";
import { loopStats } from "./testing.js";
try {
  const result = { hasSetImmediate: typeof setImmediate !== "undefined" };

  // Which core a loop gets here: WebAssembly is available, so it must be the Wasm one.
  const probe = new EventLoop();
  result.coreKind = loopStats(probe).core;
  probe.close();

  // A task sleeping 20 ms on the real clock.
  result.sleep = await run(function* () {
    const loop = getRunningLoop();
    const start = loop.time();
    const value = yield* sleep(20, "slept");
    return { value, elapsed: loop.time() - start, core: loopStats(loop).core };
  });

  // callSoon is FIFO and runs before timers; timers run by deadline, ties FIFO. The
  // deadlines share one base: callLater reads the real clock at each call, and on a busy
  // machine more than 5 ms can pass between two calls, so "10 ms" would come due first.
  result.order = await run(function* () {
    const loop = getRunningLoop();
    const log = [];
    const now = loop.time();
    loop.callAt(now + 10, () => log.push("later10"));
    loop.callAt(now + 5, () => log.push("later5a"));
    loop.callSoon(() => log.push("soon1"));
    loop.callAt(now + 5, () => log.push("later5b"));
    loop.callSoon(() => log.push("soon2"));
    loop.callLater(1, () => log.push("cancelled")).cancel();
    yield* sleep(30);
    return log;
  });

  // Immediate wake-ups: each sleep(0) gives up one iteration of the loop (a MessageChannel
  // message here). Only completion and the count are checked, not speed.
  result.hops = await run(function* () {
    let hops = 0;
    for (let i = 0; i < ${HOPS}; i++) {
      yield* sleep(0);
      hops++;
    }
    return hops;
  });
  window.__result = result;
} catch (e) {
  window.__result = { error: String((e && e.stack) || e) };
}
</script>
`;

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".html": "text/html; charset=utf-8",
};

/** What went wrong on the page or the server, shown when the result never arrives. */
const problems: string[] = [];

/** Serves dist/ (and the page above as /index.html) on 127.0.0.1, on a free port. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": TYPES[".html"] }).end(INDEX_HTML);
      return;
    }
    const file = normalize(join(DIST, path));
    // Module scripts need a JavaScript MIME type; nothing outside dist/ is served.
    if (!file.startsWith(DIST.endsWith(sep) ? DIST : DIST + sep) || !existsSync(file) || !statSync(file).isFile()) {
      problems.push(`server: 404 ${path}`);
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

// A CHROME_PATH that is not a browser is kept as the error every test fails with.
let found: FoundBrowser | null = null;
let notUsable: Error | undefined;
try {
  found = findBrowser();
} catch (e) {
  notUsable = e as Error;
}
// scripts/test.mjs repeats this line next to its summary.
if (!found && !notUsable) console.log(`browser suite skipped: ${NOT_FOUND}`);
const browserTest = found || notUsable ? test : test.skip;

let server: Server | undefined;
let browser: Browser | undefined;
let launching: Promise<Browser> | undefined;
let loading: Promise<any> | undefined;

/** Launches the browser once for this file. */
function launch(): Promise<Browser> {
  return (launching ??= (async () => {
    if (notUsable) throw notUsable;
    browser = await chromium.launch({
      executablePath: found!.path,
      headless: true,
      timeout: TIMEOUT_MS,
      // No sandbox (containers, root), no GPU, and none of the background traffic a fresh
      // profile would start (updates, sync, QUIC probes): the test talks only to 127.0.0.1.
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    return browser;
  })());
}

/** Opens the page once and waits (bounded) for window.__result. */
function pageResult(): Promise<any> {
  return (loading ??= (async () => {
    const b = await launch();
    server = await serve();
    const { port } = server.address() as AddressInfo;
    const page: Page = await b.newPage();
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    await page.goto(`http://127.0.0.1:${port}/index.html`, { timeout: TIMEOUT_MS });
    try {
      await page.waitForFunction(() => (window as any).__result !== undefined, undefined, { timeout: TIMEOUT_MS });
    } catch (e) {
      throw new Error(`window.__result never arrived (${(e as Error).message.split("\n")[0]}); on the page: ${problems.join(" | ") || "nothing reported"}`);
    }
    const result = await page.evaluate(() => (window as any).__result);
    if (result.error !== undefined) throw new Error(`the page threw: ${result.error}`);
    return result;
  })());
}

test.after(async () => {
  // Close what was opened even when a test failed; a failure to close must not hide the result.
  await browser?.close().catch(() => {});
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

browserTest("headless Chromium launches", async () => {
  const b = await launch();
  assert.ok(b.isConnected());
  assert.match(b.version(), /^\d+\./);
});

browserTest("the ESM bundle loads in the page and its tasks complete", async () => {
  const result = await pageResult();
  assert.equal(problems, [], "no page errors, console errors or failed requests");
  assert.is(result.hasSetImmediate, false, "a browser has no setImmediate, so the browser driver ran");
});

browserTest("the loop uses the Wasm core in the browser", async () => {
  const result = await pageResult();
  assert.is(result.coreKind, "wasm", "loopStats(new EventLoop()).core");
  assert.is(result.sleep.core, "wasm", "the loop of run()");
});

browserTest("a task sleeps 20 ms on the real clock, never less", async () => {
  const { sleep } = await pageResult();
  assert.is(sleep.value, "slept", "sleep(ms, value) returns value");
  assert.ok(sleep.elapsed >= 20, `woke after ${sleep.elapsed} ms of loop time`);
});

browserTest("callSoon runs FIFO before timers; timers by deadline, ties FIFO; a cancelled one never", async () => {
  const { order } = await pageResult();
  assert.equal(order, ["soon1", "soon2", "later5a", "later5b", "later10"]);
});

browserTest(`${HOPS} sleep(0) hops in one task all complete`, async () => {
  const { hops } = await pageResult();
  assert.is(hops, HOPS);
});

test.run();
