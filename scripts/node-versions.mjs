// Fetches the Node.js releases the suite is tested on, as the npm registry ships them
// (the `node-<platform>-<arch>` packages hold the official binary), into a cache shared by
// every clone, and prints one line per release: "<major> <version> <bin dir>".
//
//   node scripts/node-versions.mjs 22 24 26
//
// The registry is asked for the newest release of each major line; when it cannot be
// reached, the newest cached release of that line is used. Nothing here needs root.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const CACHE = process.env.WASYNCIO_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "wasyncio", "node");
const PACKAGE = `node-${process.platform}-${process.arch}`;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Orders "a.b.c" version strings numerically. */
const byVersion = (a, b) => a.localeCompare(b, "en", { numeric: true });

/** The newest release of `major` in the registry, or null when the registry cannot be reached. */
function newest(major) {
  try {
    const out = execFileSync(npm, ["view", `${PACKAGE}@${major}`, "version", "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    // `npm view` lists versions in publish order, not version order (20.8.0 was published
    // after 20.20.x's line began): take the highest.
    const versions = [JSON.parse(out)].flat().sort(byVersion);
    return versions[versions.length - 1];
  } catch {
    return null;
  }
}

/** The newest cached release of `major`, or null. */
function cached(major) {
  if (!existsSync(CACHE)) return null;
  const versions = readdirSync(CACHE).filter((v) => v.split(".")[0] === String(major) && existsSync(binary(v)));
  versions.sort(byVersion);
  return versions.at(-1) ?? null;
}

const binary = (version) => join(CACHE, version, "bin", "node");

/** Downloads `version` into the cache (npm pack, then tar), atomically: a half-done fetch leaves nothing. */
function fetch(version) {
  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(CACHE, `.fetch-${version}-`));
  try {
    const [{ filename }] = JSON.parse(execFileSync(npm, ["pack", `${PACKAGE}@${version}`, "--json", "--pack-destination", tmp], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
    execFileSync("tar", ["-xzf", join(tmp, filename), "-C", tmp, "--strip-components=1", "package/bin/node"], { stdio: "inherit" });
    rmSync(join(tmp, filename)); // the cache keeps the binary, not the 50 MB tarball
    renameSync(tmp, join(CACHE, version));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const majors = process.argv.slice(2);
if (majors.length === 0 || majors.some((m) => !/^\d+$/.test(m))) {
  console.error("usage: node scripts/node-versions.mjs <major> [<major> ...]   e.g. 22 24 26");
  process.exit(2);
}
let failed = false;
for (const major of majors) {
  const version = newest(major) ?? cached(major);
  if (version === null) {
    console.error(`node-versions: no ${PACKAGE}@${major} in the registry or in ${CACHE}`);
    failed = true;
    continue;
  }
  if (!existsSync(binary(version))) {
    console.error(`node-versions: fetching ${PACKAGE}@${version} into ${CACHE}`);
    fetch(version);
  }
  const reported = execFileSync(binary(version), ["--version"], { encoding: "utf8" }).trim();
  if (reported !== `v${version}`) {
    console.error(`node-versions: ${binary(version)} says ${reported}, expected v${version}`);
    failed = true;
    continue;
  }
  console.log(`${major} ${version} ${join(CACHE, version, "bin")}`);
}
process.exit(failed ? 1 : 0);
