// npm test: the uvu suite (TypeScript through tsx), then the core, concurrency and testing
// suites again in headless Chromium (scripts/browser-suites.mjs), then one summary line for
// CI: "N passed, M failed" (", K skipped" when some were), the browser's counts included
// and given per group on the line above. Needs the build (`npm install` runs it).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, groupFiles, printFile, runSuites, totals } from "./browser-suites.mjs";
import { installChromium, whyNoInstall } from "./chromium.mjs";
import { findBrowser, NOT_FOUND } from "./find-browser.mjs";

if (!existsSync("src/core/wasm-binary.generated.ts") || !existsSync("dist/index.js")) {
  console.error("The build is missing: run `npm install` (or `npm run build`) first.");
  process.exit(1);
}
// `--long` (npm run test:long) gives the property tests many more runs (see test/reliability/runs.ts).
const long = process.argv.includes("--long");
const pattern = process.argv.slice(2).find((a) => a !== "--long") ?? "\\.test\\.ts$";

// So that `npm install && npm test` passes on a fresh Debian machine: the browser suite
// needs a Chromium, and as root this can get Debian's. Anywhere else the suite skips
// itself and says why. WASYNCIO_NO_BROWSER_INSTALL=1 keeps apt-get out of it.
function browserMissing() {
  try {
    return findBrowser() === null;
  } catch {
    return false; // CHROME_PATH names a non-browser: the suite fails on that, and an install would not fix it
  }
}
const optedOut = !["", "0"].includes(process.env.WASYNCIO_NO_BROWSER_INSTALL ?? "");
// The pattern is tested against paths under test/, as uvu's CLI does.
const inBrowser = groupFiles().some(({ file }) => new RegExp(pattern, "i").test(file.replace(/^test\//, "")));
if ((new RegExp(pattern, "i").test("browser.test.ts") || inBrowser) && !optedOut && browserMissing() && whyNoInstall() === null) {
  console.log("npm test: no browser for the browser suite; installing Debian's chromium (apt-get, as root) ...");
  const error = installChromium();
  if (error) console.log(`npm test: ${error}; the browser suite will be skipped`);
}

const require = createRequire(import.meta.url);
// The type tests: src, tests, examples and benches must compile (strict). One failure if not.
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit"], { stdio: "inherit" });
const typeFailures = tsc.status === 0 ? 0 : 1;
if (typeFailures) console.log("typecheck failed (tsc -p tsconfig.json --noEmit)");
const uvu = join(dirname(require.resolve("uvu")), "..", "bin.js");
const env = long ? { ...process.env, WASYNCIO_LONG: "1" } : process.env;
const child = spawn(process.execPath, ["--import", "tsx", "--expose-gc", uvu, "test", pattern], { stdio: ["ignore", "pipe", "inherit"], env });
let out = "";
// uvu prints its totals when the last test has finished; a process that is still alive
// well after that holds a handle some test left open (a server, a timer), and would hang
// CI: stop it, and count that as a failure.
const EXIT_GRACE_MS = 15_000;
// And a run that never gets to its totals (a test waiting forever) is stopped too.
const RUN_LIMIT_MS = 20 * 60_000;
setTimeout(() => {
  console.log(`npm test: the tests did not finish within ${RUN_LIMIT_MS / 60_000} minutes; stopping them`);
  child.kill("SIGKILL");
}, RUN_LIMIT_MS).unref();
let lingered = false;
child.stdout.on("data", (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
  if (/Duration:/.test(out.replace(/\x1b\[[0-9;]*m/g, "")) && !lingered) {
    lingered = true;
    setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      console.log(`npm test: the tests finished but the process did not exit ${EXIT_GRACE_MS / 1000} s later (a handle left open); stopping it`);
      child.kill("SIGKILL");
    }, EXIT_GRACE_MS).unref();
  }
});
/**
 * The browser run of the suites the pattern selects: { passed, failed, skipped, lines }
 * (lines: what to print above the summary). No browser: nothing counted, a reason given.
 */
async function browserSuites() {
  const none = { passed: 0, failed: 0, skipped: 0, lines: [] };
  if (!inBrowser) return none;
  let found;
  try {
    found = findBrowser();
  } catch (e) {
    return { ...none, failed: 1, lines: [`browser suites failed: ${e.message}`] };
  }
  if (!found) return { ...none, lines: [`browser suites skipped: ${NOT_FOUND}`] };
  try {
    // Each file's failures in full as they arrive; the counts only in the summary.
    const summary = await runSuites({ browserPath: found.path, pattern, onFile: (f) => f.failed && printFile(f) });
    const lines = summary.excluded.map(({ file, reason }) => `not in browser: ${file} (${reason})`);
    lines.push(...summary.leftOut, `${describe(summary)} in ${(summary.durationMs / 1000).toFixed(1)} s`);
    return { ...totals(summary), lines };
  } catch (e) {
    // The bundle did not build (a test file that does not compile for the browser), or the server did not start.
    return { ...none, failed: 1, lines: [`browser suites failed: ${(e && e.stack) || e}`] };
  }
}

child.on("close", async (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // uvu's Total counts only the tests that ran (test.skip just bumps Skipped), so the
  // failures are Total - Passed; a crash before the totals still counts as one.
  const nodeFailed = Math.max(total - passed, code === 0 ? 0 : 1) + typeFailures;
  // A file that skips tests says why on a line of its own, "<what> skipped: <why>"; the
  // reasons are repeated here, next to the count, where nobody has to scroll for them.
  const reasons = new Set(plain.match(/^\S.*? skipped: .+$/gm) ?? []);
  const browser = await browserSuites();
  const failed = nodeFailed + browser.failed;
  console.log("");
  for (const reason of reasons) console.log(reason);
  for (const line of browser.lines) console.log(line);
  console.log(`${passed + browser.passed} passed, ${failed} failed${skipped + browser.skipped ? `, ${skipped + browser.skipped} skipped` : ""}`);
  process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
