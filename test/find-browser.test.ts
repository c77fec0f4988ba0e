// Where the browser suite looks for a browser (scripts/find-browser.mjs), tried on scratch
// machines: a temp directory standing in for /, a home and PATH, holding fake executables.
// Nothing is launched or installed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findBrowser } from "../scripts/find-browser.mjs";

const made: string[] = [];
test.after.each(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch machine; `put` creates a file under it (executable unless told otherwise). */
function machine() {
  const base = mkdtempSync(join(tmpdir(), "wasyncio-find-browser-"));
  made.push(base);
  const root = join(base, "root");
  const home = join(base, "home");
  const bin = join(base, "bin");
  for (const dir of [root, home, bin]) mkdirSync(dir);
  const put = (path: string, executable = true) => {
    const file = join(base, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "#!/bin/sh\n", { mode: executable ? 0o755 : 0o644 });
    return file;
  };
  const find = (env: Record<string, string | undefined> = {}) => findBrowser({ env: { PATH: bin, ...env }, home, root });
  return { base, root, home, bin, put, find };
}

/** What the search picks, then picks again with that one gone, until nothing is left. */
function picks(m: ReturnType<typeof machine>, env?: Record<string, string>) {
  const seen: string[] = [];
  for (let found = m.find(env); found; found = m.find(env)) {
    seen.push(`${found.source} ${found.path.slice(m.base.length)}`);
    rmSync(found.path);
  }
  return seen;
}

test("nothing installed: null", () => {
  assert.is(machine().find(), null);
});

test("the order: Debian's chromium, then Google Chrome's names and place, then Playwright's browsers", () => {
  const m = machine();
  m.put("home/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome");
  m.put("bin/chromium-browser");
  m.put("root/opt/google/chrome/chrome");
  m.put("bin/google-chrome-stable");
  m.put("bin/google-chrome");
  m.put("root/usr/bin/chromium");
  assert.equal(picks(m), [
    "debian /root/usr/bin/chromium",
    "chrome /bin/google-chrome",
    "chrome /bin/google-chrome-stable",
    "chrome /root/opt/google/chrome/chrome",
    "chrome /bin/chromium-browser",
    "playwright /home/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome",
  ]);
});

test("CHROME_PATH comes first, even with every other place filled", () => {
  const m = machine();
  m.put("root/usr/bin/chromium");
  m.put("bin/google-chrome");
  const mine = m.put("elsewhere/my-chrome");
  assert.equal(m.find({ CHROME_PATH: mine }), { path: mine, source: "CHROME_PATH" });
});

test("a CHROME_PATH that is missing, a directory or not executable throws, naming it; no fallback", () => {
  const m = machine();
  m.put("root/usr/bin/chromium");
  const plain = m.put("elsewhere/not-executable", false);
  for (const bad of [join(m.base, "nonexistent"), m.bin, plain]) {
    assert.throws(() => m.find({ CHROME_PATH: bad }), (e: Error) => e.message.startsWith(`CHROME_PATH=${bad} is not an executable file`));
  }
});

test("an empty CHROME_PATH counts as unset", () => {
  const m = machine();
  const debian = m.put("root/usr/bin/chromium");
  assert.equal(m.find({ CHROME_PATH: "" }), { path: debian, source: "debian" });
});

test("PATH is searched in order, name by name; /usr/bin also when PATH lacks it; non-executables are passed over", () => {
  const m = machine();
  m.put("a/google-chrome", false);
  m.put("a/google-chrome-stable");
  m.put("b/google-chrome");
  m.put("c/google-chrome");
  m.put("root/usr/bin/chromium-browser");
  const PATH = ["a", "b", "c"].map((d) => join(m.base, d)).join(":");
  assert.equal(picks(m, { PATH }), [
    "chrome /b/google-chrome",
    "chrome /c/google-chrome",
    "chrome /a/google-chrome-stable",
    "chrome /root/usr/bin/chromium-browser",
  ]);
});

test("Playwright's browsers: newest revision first, the full browser before the headless shell, old and new layouts", () => {
  const m = machine();
  const cache = "home/.cache/ms-playwright";
  m.put(`${cache}/chromium_headless_shell-1000/chrome-linux/headless_shell`);
  m.put(`${cache}/chromium-1100/chrome-linux/chrome`);
  m.put(`${cache}/chromium_headless_shell-1200/chrome-headless-shell-linux64/chrome-headless-shell`);
  m.put(`${cache}/chromium-1200/chrome-linux64/chrome`);
  m.put(`${cache}/firefox-1500/firefox/firefox`);
  m.put(`${cache}/chromium-1300/chrome-linux64/INSTALLATION_COMPLETE`);
  assert.equal(picks(m), [
    `playwright /${cache}/chromium-1200/chrome-linux64/chrome`,
    `playwright /${cache}/chromium_headless_shell-1200/chrome-headless-shell-linux64/chrome-headless-shell`,
    `playwright /${cache}/chromium-1100/chrome-linux/chrome`,
    `playwright /${cache}/chromium_headless_shell-1000/chrome-linux/headless_shell`,
  ]);
});

test("PLAYWRIGHT_BROWSERS_PATH replaces the cache; XDG_CACHE_HOME moves the default one", () => {
  const m = machine();
  m.put("home/.cache/ms-playwright/chromium-1/chrome-linux/chrome");
  m.put("xdg/ms-playwright/chromium-2/chrome-linux/chrome");
  m.put("pw/chromium-3/chrome-linux/chrome");
  const where = (env: Record<string, string>) => m.find(env)?.path.slice(m.base.length);
  assert.is(where({}), "/home/.cache/ms-playwright/chromium-1/chrome-linux/chrome");
  assert.is(where({ XDG_CACHE_HOME: join(m.base, "xdg") }), "/xdg/ms-playwright/chromium-2/chrome-linux/chrome");
  assert.is(where({ XDG_CACHE_HOME: join(m.base, "xdg"), PLAYWRIGHT_BROWSERS_PATH: join(m.base, "pw") }), "/pw/chromium-3/chrome-linux/chrome");
});

test.run();
