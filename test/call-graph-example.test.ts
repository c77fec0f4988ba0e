// examples/call-graph.ts: in process (the graph from inside a fetch, through gather, a site
// task and a task group, with the suspended lines of debug mode) and as the program the
// README runs, whose output must be the README's text block after `npx tsx examples/call-graph.ts`.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { main } from "../examples/call-graph.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCE = readFileSync(join(ROOT, "examples/call-graph.ts"), "utf8").split("\n");

/** The 1-based line of the example that contains `text`. */
const lineOf = (text: string): number => SOURCE.findIndex((l) => l.includes(text)) + 1;

test("call-graph example: one graph, from the fetch up to the crawl, each task at its yield* line", async () => {
  const printed: string[] = [];
  await main((text) => void printed.push(text));
  assert.is(printed.length, 1);
  const lines = printed[0].split("\n");
  assert.match(lines[0], /^\* Task\(name='Task-\d+', id=0x[0-9a-f]+\)$/);
  assert.ok(lines.includes(`  |   File 'call-graph.ts', line ${lineOf("print(formatCallGraph()")}, in fetchPage()`), printed[0]);
  assert.ok(lines.some((l) => l.trim() === `|   File 'call-graph.ts', line ${lineOf("return yield* gather(")}, in crawlSite()`), printed[0]);
  assert.ok(lines.some((l) => l.trim() === `|   File 'call-graph.ts', line ${lineOf("yield* taskGroup(")}, in crawl()`), printed[0]);
  assert.ok(lines.some((l) => l.trim().startsWith("* Future(id=")), "gather's future");
  assert.ok(lines.some((l) => l.trim().startsWith("* Task(name='site b'")), "the site task");
});

test("call-graph example: as a program it prints what the README shows", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/call-graph.ts"], { cwd: ROOT, timeout: 20_000 });
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const shown = /```sh\nnpx tsx examples\/call-graph\.ts\n```\n\nIt prints:\n\n```text\n([\s\S]*?)```/.exec(readme);
  assert.ok(shown, "the README shows the command and what it prints");
  assert.fixture(stdout, shown![1]);
});

test.run();
