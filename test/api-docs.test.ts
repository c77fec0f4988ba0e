// The API reference: `npm run docs` (TypeDoc over the three entries) builds with no
// warning, which its config turns into a failure for an undocumented public export or
// member and for a broken {@link}; and every public export's JSDoc carries an @example.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ENTRIES = ["src/index.ts", "src/testing/index.ts", "src/node/index.ts"].map((f) => join(ROOT, f));

test("npm run docs: TypeDoc builds the reference with no warning (undocumented exports, broken links fail it)", async () => {
  const out = mkdtempSync(join(tmpdir(), "wasyncio-docs-"));
  try {
    const typedoc = join(ROOT, "node_modules", "typedoc", "bin", "typedoc");
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(process.execPath, [typedoc, "--out", out], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: stdout + stderr });
      });
    });
    const plain = result.output.replace(/\x1b\[[0-9;]*m/g, "");
    assert.not.match(plain, /\[warning\]|\[error\]/, plain);
    assert.is(result.code, 0, plain);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("every public export's JSDoc has an @example", () => {
  const program = ts.createProgram(ENTRIES, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, types: ["node"],
  });
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  for (const entry of ENTRIES) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!symbol.getJsDocTags(checker).some((tag) => tag.name === "example")) missing.add(exported.getName());
    }
  }
  assert.equal([...missing], []);
});

test.run();
