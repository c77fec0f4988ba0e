// The seed's section "Simple asyncio.run", ported: at its simplest, run(main) is a new
// loop, made the current one, running main until it completes. The library's run() does
// that and then cleans up: it cancels the tasks main left behind and closes the loop.
//
// Run it: npx tsx examples/simple-run.ts
import { pathToFileURL } from "node:url";
import * as wasyncio from "../src/index.js";
import type { Coroutine } from "../src/index.js";

type Address = [host: string, port: number];

// The seed awaits loop.getaddrinfo(host, port), which needs the network and the loop's
// Node networking methods; those arrive with the networking entry point (wasyncio/node).
// Meanwhile this stand-in takes a moment, as a lookup would, and answers the same every
// time, so the example runs offline and its output can be tested.
function* getaddrinfo(host: string, port: number): Coroutine<Address[]> {
  yield* wasyncio.sleep(10);
  return [[host, port]];
}

/**
 * The seed's script. `clock: "virtual"` jumps to the next timer instead of sleeping, so a
 * test runs it in microseconds; `print` receives the lines (default console.log).
 */
export async function main(options: { clock?: "real" | "virtual"; print?: (line: string) => void } = {}): Promise<void> {
  const print = options.print ?? console.log;
  const clock = options.clock ?? "real";

  // The seed's new_event_loop() takes no options; ours takes the clock.
  function run<T>(main: Coroutine<T>): Promise<T> {
    const loop = wasyncio.newEventLoop({ clock });
    wasyncio.setEventLoop(loop);
    return loop.runUntilComplete(main);
  }

  let ret = await run(getaddrinfo("google.com", 443));
  print(JSON.stringify(ret));
  ret = await wasyncio.run(getaddrinfo("google.com", 443), { clock });
  print(JSON.stringify(ret));
}

// Run main() only when this file is the program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
