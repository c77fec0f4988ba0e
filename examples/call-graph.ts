// Who awaits whom, as asyncio 3.14's call graph: a crawler's main task runs a task group of
// two site tasks, each gathering page fetches; one fetch prints its graph from inside. In
// debug mode every task shows the frame it is suspended at (file, line, function), and the
// graph climbs from the fetch through gather, the site task and the group to main.
//
// Run it: npx tsx examples/call-graph.ts
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatCallGraph, gather, run, sleep, taskGroup, type Coroutine } from "../src/index.js";

const THIS_FILE = fileURLToPath(import.meta.url);

function* fetchPage(site: string, page: number, print: (text: string) => void): Coroutine<string> {
  yield* sleep(10 * page);
  if (site === "b.example" && page === 2) {
    // The graph of the current task, from here up: paths shown relative to this folder.
    print(formatCallGraph()!.replaceAll(THIS_FILE, basename(THIS_FILE)));
  }
  return `${site}/${page}`;
}

function* crawlSite(site: string, print: (text: string) => void): Coroutine<string[]> {
  return yield* gather(...[1, 2].map((page) => fetchPage(site, page, print)));
}

/** Crawls two sites on the virtual clock, in debug mode; returns what it printed. */
export async function main(print: (text: string) => void = console.log): Promise<void> {
  await run(function* crawl() {
    yield* taskGroup(function* (tg) {
      tg.createTask(crawlSite("a.example", print), { name: "site a" });
      tg.createTask(crawlSite("b.example", print), { name: "site b" });
    });
  }, { clock: "virtual", debug: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
