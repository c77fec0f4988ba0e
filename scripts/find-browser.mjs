// Which Chromium or Chrome the browser suite (test/browser.test.ts) drives. playwright-core
// never downloads one here (no network but npm and apt), so this looks only at what the
// machine already has, most deliberate choice first: CHROME_PATH, Debian's chromium, a
// Google Chrome, then browsers an earlier `playwright install` left in its cache. Shared
// by the suite and by scripts/test.mjs and scripts/chromium.mjs, which install Debian's
// chromium only when this finds nothing, so all three agree on what "a browser" is.
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";

/** Why the browser suite is skipped when findBrowser() returns null. */
export const NOT_FOUND = "no Chromium or Chrome found (set CHROME_PATH, or as root run: apt-get install chromium)";

/**
 * The browser to drive, as { path, source } (source: "CHROME_PATH", "debian", "chrome" or
 * "playwright"), or null when there is none. Throws when CHROME_PATH is set but is not an
 * executable file: whoever set it meant that browser, and silently testing another would
 * hide the mistake. `env`, `home` and `root` (prefixed to the fixed paths) let tests
 * point the search at a scratch directory.
 */
export function findBrowser({ env = process.env, home = homedir(), root = "/" } = {}) {
  if (env.CHROME_PATH) {
    const path = resolve(env.CHROME_PATH);
    if (!isExecutableFile(path)) {
      throw new Error(`CHROME_PATH=${env.CHROME_PATH} is not an executable file: set it to a Chromium or Chrome binary, or unset it to search the usual places`);
    }
    return { path, source: "CHROME_PATH" };
  }
  const debian = join(root, "usr/bin/chromium");
  if (isExecutableFile(debian)) return { path: debian, source: "debian" };

  // /usr/bin as well as PATH: npm scripts and CI runners sometimes get a trimmed PATH.
  const dirs = [...new Set([...(env.PATH ?? "").split(delimiter).filter(Boolean), join(root, "usr/bin")])];
  const onPath = (name) => dirs.map((dir) => join(dir, name));
  const chrome = [...onPath("google-chrome"), ...onPath("google-chrome-stable"), join(root, "opt/google/chrome/chrome"), ...onPath("chromium-browser")]
    .find(isExecutableFile);
  if (chrome) return { path: chrome, source: "chrome" };

  const cache = env.PLAYWRIGHT_BROWSERS_PATH ? resolve(env.PLAYWRIGHT_BROWSERS_PATH) : join(env.XDG_CACHE_HOME || join(home, ".cache"), "ms-playwright");
  const playwright = playwrightBrowsers(cache).find(isExecutableFile);
  return playwright ? { path: playwright, source: "playwright" } : null;
}

/**
 * The Chromium executables of a Playwright browsers directory, newest revision first (at
 * one revision the full browser before the headless shell). Both layouts Playwright has
 * used: chrome-linux/ (headless_shell) and the Chrome for Testing chrome-linux64/ and
 * chrome-headless-shell-linux64/.
 */
function playwrightBrowsers(cache) {
  const builds = [];
  for (const entry of list(cache)) {
    const match = /^(chromium|chromium_headless_shell)-(\d+)$/.exec(entry);
    if (!match) continue;
    const shell = match[1] === "chromium_headless_shell";
    for (const sub of list(join(cache, entry))) {
      let file;
      if (sub.startsWith("chrome-linux")) file = shell ? "headless_shell" : "chrome";
      else if (shell && sub.startsWith("chrome-headless-shell-linux")) file = "chrome-headless-shell";
      else continue;
      builds.push({ path: join(cache, entry, sub, file), revision: Number(match[2]), shell });
    }
  }
  builds.sort((a, b) => b.revision - a.revision || Number(a.shell) - Number(b.shell));
  return builds.map((b) => b.path);
}

function list(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
