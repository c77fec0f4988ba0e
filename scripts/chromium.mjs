// Installs Debian's chromium for test/browser.test.ts (playwright-core drives it; no browser
// download). Idempotent: silent when /usr/bin/chromium is there. Installs only as root with
// apt-get; otherwise prints the command and fails, so CI does not go on without a browser.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";
const COMMAND = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium";

if (existsSync(CHROMIUM)) process.exit(0);

if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
  console.error(`${CHROMIUM} is missing and there is no apt-get here: install Chromium at ${CHROMIUM} by hand.`);
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  console.error(`${CHROMIUM} is missing. As root, run:\n  ${COMMAND}`);
  process.exit(1);
}

console.log(`${CHROMIUM} is missing: installing Debian's chromium`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
for (const args of [["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", "chromium"]]) {
  const { status } = spawnSync("apt-get", args, { stdio: "inherit", env });
  if (status !== 0) {
    console.error(`apt-get ${args.join(" ")} failed (exit ${status})`);
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM)) {
  console.error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  process.exit(1);
}
console.log(`${CHROMIUM} installed`);
