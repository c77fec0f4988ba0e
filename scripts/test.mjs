// npm test: the uvu suite (TypeScript through tsx), then one summary line for CI:
// "N passed, M failed". Needs the build (`npm install` runs it).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

if (!existsSync("src/core/wasm-binary.generated.ts") || !existsSync("dist/index.js")) {
  console.error("The build is missing: run `npm install` (or `npm run build`) first.");
  process.exit(1);
}
const require = createRequire(import.meta.url);
// The type tests: src, tests, examples and benches must compile (strict). One failure if not.
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit"], { stdio: "inherit" });
const typeFailures = tsc.status === 0 ? 0 : 1;
if (typeFailures) console.log("typecheck failed (tsc -p tsconfig.json --noEmit)");
const uvu = join(dirname(require.resolve("uvu")), "..", "bin.js");
const pattern = process.argv[2] ?? "\\.test\\.ts$";
const child = spawn(process.execPath, ["--import", "tsx", "--expose-gc", uvu, "test", pattern], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
child.stdout.on("data", (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on("close", (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1) + typeFailures;
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
