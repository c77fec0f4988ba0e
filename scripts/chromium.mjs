// Installs Debian's chromium for test/browser.test.ts (playwright-core drives it; no browser
// download). Imported by scripts/test.mjs, which installs when no browser is found and
// skips the suite otherwise; run directly (`node scripts/chromium.mjs`, as CI does) it
// insists: silent success when a browser is found (scripts/find-browser.mjs), else it
// installs one as root with apt-get, else it fails, so CI does not go on without a browser.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { findBrowser } from "./find-browser.mjs";

export const INSTALL_COMMAND = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium";

/** Why Debian's chromium cannot be installed from this process, or null when it can. */
export function whyNoInstall() {
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) return "there is no apt-get here";
  if (process.getuid?.() !== 0) return `this is not root (as root, run: ${INSTALL_COMMAND})`;
  return null;
}

/** Runs apt-get (its output goes to the terminal); returns null on success, else what failed. */
export function installChromium() {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", "chromium"]]) {
    const { status, error } = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (status !== 0) return `apt-get ${args.join(" ")} failed (${error ? error.message : `exit ${status}`})`;
  }
  return existsSync("/usr/bin/chromium") ? null : "apt-get installed chromium, but /usr/bin/chromium is still missing";
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let found;
  try {
    found = findBrowser();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  if (found) process.exit(0);
  const why = whyNoInstall();
  if (why) {
    console.error(`No Chromium or Chrome for the browser tests, and Debian's chromium cannot be installed from here: ${why}. Install a browser, or set CHROME_PATH to one.`);
    process.exit(1);
  }
  console.log("No Chromium or Chrome for the browser tests: installing Debian's chromium (apt-get)");
  const error = installChromium();
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log("/usr/bin/chromium installed");
}
