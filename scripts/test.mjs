// npm test: the uvu suite (TypeScript through tsx), then one summary line for CI:
// "N passed, M failed" (", K skipped" when some were). Needs the build (`npm install` runs it).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { installChromium, whyNoInstall } from "./chromium.mjs";
import { findBrowser } from "./find-browser.mjs";

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
if (new RegExp(pattern, "i").test("browser.test.ts") && !optedOut && browserMissing() && whyNoInstall() === null) {
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
child.on("close", (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // uvu's Total counts only the tests that ran (test.skip just bumps Skipped), so the
  // failures are Total - Passed; a crash before the totals still counts as one.
  const failed = Math.max(total - passed, code === 0 ? 0 : 1) + typeFailures;
  // A file that skips tests says why on a line of its own, "<what> skipped: <why>"; the
  // reasons are repeated here, next to the count, where nobody has to scroll for them.
  const reasons = new Set(plain.match(/^\S.*? skipped: .+$/gm) ?? []);
  console.log("");
  for (const reason of reasons) console.log(reason);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
