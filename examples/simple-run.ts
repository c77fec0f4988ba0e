// The asyncio walkthrough's section "Simple asyncio.run", ported: at its simplest, run(main) is a new
// loop, made the current one, running main until it completes. The library's run() does
// that and then cleans up: it cancels the tasks main left behind and closes the loop.
//
// Run it: npx tsx examples/simple-run.ts [host]   (the walkthrough asks for google.com)
import { pathToFileURL } from "node:url";
import * as wasyncio from "../src/node/index.js";
import type { AddrInfo, Coroutine } from "../src/node/index.js";

function* getaddrinfo(host: string, port: number): Coroutine<AddrInfo[]> {
  const loop = wasyncio.getEventLoop();
  return yield* loop.getaddrinfo(host, port);
}

/**
 * The walkthrough's script, printing what each run returns. `clock: "virtual"` is the test's
 * clock (the lookup is real I/O either way); `print` receives the lines (default
 * console.log); `host` is the name to resolve (default the walkthrough's google.com).
 */
export async function main(options: { clock?: "real" | "virtual"; print?: (line: string) => void; host?: string } = {}): Promise<void> {
  const print = options.print ?? console.log;
  const clock = options.clock ?? "real";
  const host = options.host ?? "google.com";

  // The walkthrough's new_event_loop() takes no options; ours takes the clock.
  function run<T>(main: Coroutine<T>): Promise<T> {
    const loop = wasyncio.newEventLoop({ clock });
    wasyncio.setEventLoop(loop);
    return loop.runUntilComplete(main);
  }

  let ret = await run(getaddrinfo(host, 443));
  print(JSON.stringify(ret));
  ret = await wasyncio.run(getaddrinfo(host, 443), { clock });
  print(JSON.stringify(ret));
}

// Run main() only when this file is the program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main({ host: process.argv[2] });
