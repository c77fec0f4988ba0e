// Bundles src/ with esbuild: ESM and CJS for Node and browsers, Wasm bytes inline.
import { build } from "esbuild";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";

const entries = { index: "src/index.ts", testing: "src/testing/index.ts", node: "src/node/index.ts" };
// Node's built-ins stay imports; only the node entry (src/node/) uses them.
const common = { bundle: true, platform: "neutral", target: "es2022", sourcemap: true, logLevel: "warning", external: ["node:*"] };

// Chunk names are content hashes: clear the previous bundles so stale chunks do not pile up
// in dist/ (and get published). dist/types is tsc's, written after this step.
rmSync("dist/chunks", { recursive: true, force: true });
if (existsSync("dist")) {
  for (const file of readdirSync("dist", { withFileTypes: true }).filter((e) => e.isFile())) rmSync(`dist/${file.name}`);
}

const esm = await build({
  ...common, entryPoints: entries, outdir: "dist", format: "esm", splitting: true, chunkNames: "chunks/[name]-[hash]",
  metafile: true,
});

// esbuild cannot split CJS, and one CJS bundle per entry would give each entry its own copy
// of the loop state (the running loop, the EventLoop class): require("wasyncio/testing")'s
// runSync could not see require("wasyncio")'s sleep, and advance() would reject the
// package's own EventLoop. So one shared CJS bundle holds every entry as a namespace, and
// each dist/<entry>.cjs hands out its namespace. The namespaces are getters over require(),
// which esbuild turns into lazy module initialisers: require("wasyncio") does not load
// node:net and friends, nor install the Node methods, until wasyncio/node is required.
await build({
  ...common,
  stdin: {
    contents: `module.exports = {\n${Object.entries(entries).map(([name, path]) => `  get ${name}() { return require("./${path}"); },`).join("\n")}\n};\n`,
    resolveDir: ".",
    sourcefile: "cjs-entries.js",
    loader: "js",
  },
  outfile: "dist/chunks/entries.cjs",
  format: "cjs",
});
for (const name of Object.keys(entries)) {
  const names = esm.metafile.outputs[`dist/${name}.js`].exports;
  writeFileSync(
    `dist/${name}.cjs`,
    `"use strict";\n` +
      `const entries = require("./chunks/entries.cjs");\n` +
      `module.exports = entries.${name};\n` +
      // Never runs: names the exports for Node's cjs-module-lexer (`import { run } from` a .cjs).
      `0 && (module.exports = { ${names.join(", ")} });\n`,
  );
}
console.log(`dist/: ESM and CJS bundles written (${statSync("dist/chunks/entries.cjs").size} bytes of CJS)`);
