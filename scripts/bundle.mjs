// Bundles src/ with esbuild: ESM and CJS for Node and browsers, Wasm bytes inline.
import { build } from "esbuild";

const entries = { index: "src/index.ts", testing: "src/testing/index.ts" };
const common = { bundle: true, platform: "neutral", target: "es2022", sourcemap: true, logLevel: "warning" };

await build({ ...common, entryPoints: entries, outdir: "dist", format: "esm", splitting: true, chunkNames: "chunks/[name]-[hash]" });
await build({ ...common, entryPoints: entries, outdir: "dist", format: "cjs", outExtension: { ".js": ".cjs" } });
console.log("dist/: ESM and CJS bundles written");
