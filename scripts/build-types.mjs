// The type declarations, once per module system: tsc writes dist/types/**/*.d.ts (ES module
// declarations, for `import`), and each is copied to a .d.cts twin (CommonJS declarations,
// for `require`) whose relative imports name .cjs files. TypeScript reads a .d.ts in this
// "type": "module" package as ESM only, so a CommonJS consumer needs the twins
// (arethetypeswrong's "Masquerading as ESM" otherwise).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, normalize } from "node:path";

const require = createRequire(import.meta.url);
const OUT = "dist/types";
rmSync(OUT, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { stdio: "inherit" });

/** Relative module specifiers (from, import(), declare module) of a declaration file. */
const specifier = /((?:from|import\(|declare module)\s*["'])(\.{1,2}\/[^"']*?)\.js(["'])/g;

// Ship the declarations the entries reach, no more: tsc writes one per module, and an
// internal module's (never imported by a public one) would only invite deep imports.
const ENTRIES = ["index.d.ts", "testing/index.d.ts", "node/index.d.ts"];
const reached = new Set();
const visit = (file) => {
  if (reached.has(file)) return;
  reached.add(file);
  for (const m of readFileSync(join(OUT, file), "utf8").matchAll(specifier)) visit(normalize(join(dirname(file), `${m[2]}.d.ts`)));
};
for (const entry of ENTRIES) visit(entry);
function prune(dir, rel = "") {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name), file = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) prune(path, file);
    else if (!reached.has(file)) rmSync(path);
  }
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}
prune(OUT);

function twin(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) twin(path);
    else if (entry.name.endsWith(".d.ts")) {
      const text = readFileSync(path, "utf8").replace(specifier, "$1$2.cjs$3");
      writeFileSync(path.replace(/\.d\.ts$/, ".d.cts"), text);
    }
  }
}
twin(OUT);
