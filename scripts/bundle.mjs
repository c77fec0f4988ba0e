// Bundles src/ with esbuild into dist/: an ES module build and a CommonJS build of two
// parts, and thin entries over them.
//
//   dist/chunks/core.{js,cjs}   everything but src/node/ (the loop, tasks, toolkit, testing)
//   dist/chunks/node.{js,cjs}   src/node/, importing the core from ./core.{js,cjs}
//   dist/{index,testing,node}.{js,cjs}   the public names of each entry, from its part
//   dist/cli.js                 the `wasyncio` command (ps, pstree): the package's bin, standalone
//
// Each part registers itself as it loads (src/registry.ts): when a program loads both
// builds, or two copies of this version, the part loaded first serves every import and
// require, so they share one loop state and one set of classes. The core never imports
// node:*, so the browser loads dist/index.js with no Node module in its graph, and
// require("wasyncio") loads no networking until wasyncio/node is required.
//
// The bundles are not minified and carry no source maps: what a user steps into in
// node_modules reads as the TypeScript it came from, less the types and comments, and the
// package ships no second copy of the sources.
//
// Quiet on success (npm pack and npm install print npm's own output only); errors go to stderr.
import { build } from "esbuild";
import { readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), "..");
const SRC = join(ROOT, "src");
const NODE_SRC = join(SRC, "node") + sep;
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const ENTRIES = { index: "src/index.ts", testing: "src/testing/index.ts", node: "src/node/index.ts" };
const PART_OF = { index: "core", testing: "core", node: "node" };
// ignoreAnnotations: the package's "sideEffects" list is for its users' bundlers; src/node/
// modules install the loop's Node methods as they load and must never be dropped here.
// keepNames: a class keeps its own name when the bundle renames it (`<Task ...>`, never
// `<_Task ...>`), and so do error classes, whose `.name` is their class's.
const common = { bundle: true, platform: "neutral", target: "es2022", logLevel: "error", absWorkingDir: ROOT, ignoreAnnotations: true, keepNames: true };

/** Every TypeScript module of the core part: src/ without src/node/. */
function coreModules(dir = SRC) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path + sep === NODE_SRC ? [] : coreModules(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The names a module exports (bundled whole, node:* left out), from esbuild's metafile. */
async function exportNames(contents, sourcefile) {
  const result = await build({
    ...common, write: false, metafile: true, format: "esm", outfile: "names.js", external: ["node:*"],
    stdin: { contents, sourcefile, resolveDir: ROOT, loader: "ts" },
  });
  return Object.values(result.metafile.outputs)[0].exports.sort();
}

const abs = (path) => JSON.stringify(join(ROOT, path));
const coreBarrel = coreModules().map((path) => `export * from ${JSON.stringify(path)};`).join("\n");
const names = {
  core: await exportNames(coreBarrel, "core-barrel.ts"),
  node: await exportNames(`export * from ${abs(ENTRIES.node)};`, "node-entry.ts"),
};
for (const [entry, path] of Object.entries(ENTRIES)) names[entry] = await exportNames(`export * from ${abs(path)};`, `${entry}.ts`);

/**
 * The node part imports the core through ./core.{js,cjs} rather than bundling a second
 * copy: any import from src/node/ that lands outside it becomes that external import.
 */
function coreExternal(extension) {
  return {
    name: "core-external",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer.startsWith(NODE_SRC)) return undefined;
        const target = resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
        if (target.startsWith(NODE_SRC)) return undefined;
        return { path: `./core.${extension}`, external: true };
      });
    },
  };
}

/** A part's source: its modules, registered under `name` (src/registry.ts). */
function partSource(part, format) {
  const what = part === "core" ? '"core-barrel"' : abs(ENTRIES.node);
  const lines = [
    format === "esm" ? `import * as own from ${what};` : `const own = require(${what});`,
    format === "esm" ? `import { claim as claimPart } from ${abs("src/registry.ts")};` : `const { claim: claimPart } = require(${abs("src/registry.ts")});`,
    `const part = claimPart(${JSON.stringify(part)}, ${JSON.stringify(VERSION)}, own);`,
    format === "esm" ? `export const { ${names[part].join(", ")} } = part;` : "module.exports = part;",
  ];
  return lines.join("\n");
}

const barrelPlugin = {
  name: "core-barrel",
  setup(b) {
    b.onResolve({ filter: /^core-barrel$/ }, () => ({ path: "core-barrel", namespace: "barrel" }));
    b.onLoad({ filter: /.*/, namespace: "barrel" }, () => ({ contents: coreBarrel, resolveDir: ROOT, loader: "ts" }));
  },
};

// This step's outputs only (dist/types is build-types.mjs's): no stale file gets published.
rmSync(join(ROOT, "dist", "chunks"), { recursive: true, force: true });
mkdirSync(join(ROOT, "dist", "chunks"), { recursive: true });
for (const e of readdirSync(join(ROOT, "dist"), { withFileTypes: true })) if (e.isFile()) rmSync(join(ROOT, "dist", e.name));
for (const format of ["esm", "cjs"]) {
  const extension = format === "esm" ? "js" : "cjs";
  for (const part of ["core", "node"]) {
    await build({
      ...common, format, outfile: join(ROOT, "dist", "chunks", `${part}.${extension}`),
      external: ["node:*"], plugins: part === "core" ? [barrelPlugin] : [coreExternal(extension)],
      stdin: { contents: partSource(part, format), sourcefile: `${part}-part.ts`, resolveDir: ROOT, loader: "ts" },
    });
  }
  for (const [entry, exported] of Object.entries(names)) {
    if (!(entry in ENTRIES)) continue;
    const from = `./chunks/${PART_OF[entry]}.${extension}`;
    writeFileSync(
      join(ROOT, "dist", `${entry}.${extension}`),
      format === "esm"
        ? `export { ${exported.join(", ")} } from ${JSON.stringify(from)};\n`
        : `"use strict";\n` +
            `const part = require(${JSON.stringify(from)});\n` +
            `module.exports = {};\n` +
            `for (const name of ${JSON.stringify(exported)}) module.exports[name] = part[name];\n` +
            // Never runs: names the exports for Node's cjs-module-lexer (`import { run } from` a .cjs).
            `0 && (module.exports = { ${exported.join(", ")} });\n`,
    );
  }
}

// The CLI needs no loop: it reads a task dump file. One ES module with a shebang.
await build({
  ...common, platform: "node", format: "esm", entryPoints: [join(SRC, "node", "cli.ts")], outfile: join(ROOT, "dist", "cli.js"),
  external: ["node:*"], banner: { js: "#!/usr/bin/env node" },
});
