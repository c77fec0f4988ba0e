// checkTwoWayStream: Trio's check_two_way_stream (trio/testing/_check_streams.py) for
// asyncio streams. It checks that a connection's two StreamReader/StreamWriter pairs
// behave as a byte stream must: ordered delivery both ways at once, EOF (half-close where
// the writer can), close, and flow control. Each property gets a fresh pair.
import type { Coroutine } from "../events.js";
import { Future } from "../future.js";
import { gather } from "../gather.js";
import { wrapPromise } from "../promises.js";
import { sleep } from "../sleep.js";
import { checkFunction } from "../checks.js";
import { isGenerator, isThenable } from "../util.js";
import type { StreamReader } from "../streams/stream-reader.js";
import type { StreamWriter } from "../streams/stream-writer.js";

/**
 * Both ends of one stream connection: `[[readerA, writerA], [readerB, writerB]]`, where
 * what `writerA` writes `readerB` reads, and the other way round.
 * @example
 * const pair: StreamPair = memoryStreamPair()
 */
export type StreamPair = [[StreamReader, StreamWriter], [StreamReader, StreamWriter]];

/** The error of a property that does not hold: named `AssertionError`, with the property's name. */
function failed(property: string, detail: string): Error {
  return Object.assign(new Error(`checkTwoWayStream(): ${property}: ${detail}`), { name: "AssertionError", property });
}

/** `n` bytes of a pattern that tells a lost, repeated or reordered byte from the right one. */
function pattern(n: number, salt: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + salt + (i >>> 8)) & 0xff;
  return out;
}

/** Chunk sizes 1 .. 4 KiB from a small LCG: the same every run. */
function* sizes(total: number, seed: number): Generator<[number, number]> {
  let s = seed >>> 0, at = 0;
  while (at < total) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const n = Math.min(1 + (s % 4096), total - at); // Infinity - at: the size itself
    yield [at, n];
    at += n;
  }
}

function* makeOne(makePair: () => unknown): Coroutine<StreamPair> {
  const made = makePair();
  let pair: unknown = made;
  if (isGenerator(made)) pair = yield* made as Coroutine<unknown>;
  else if (isThenable(made)) pair = yield* wrapPromise(made);
  const ok = Array.isArray(pair) && pair.length === 2 && pair.every((end) => Array.isArray(end) && end.length === 2 &&
    typeof end[0]?.read === "function" && typeof end[1]?.write === "function");
  if (!ok) throw new TypeError("checkTwoWayStream() expected makePair() to return [[readerA, writerA], [readerB, writerB]]");
  return pair as StreamPair;
}

function* closeAll(pair: StreamPair): Coroutine<void> {
  for (const [, w] of pair) w.close();
  for (const [, w] of pair) {
    try {
      yield* w.waitClosed();
    } catch {
      // A connection's own error is what another property checks, not this cleanup.
    }
  }
}

function* send(writer: StreamWriter, data: Uint8Array, seed: number): Coroutine<void> {
  for (const [at, n] of sizes(data.length, seed)) {
    writer.write(data.subarray(at, at + n));
    yield* writer.drain();
  }
}

function* receive(property: string, reader: StreamReader, expected: Uint8Array, seed: number): Coroutine<void> {
  let got = 0;
  // A read may return less than asked: sizes over Infinity never run out.
  const reads = sizes(Infinity, seed);
  while (got < expected.length) {
    const chunk: Uint8Array = yield* reader.read(reads.next().value![1]);
    if (chunk.length === 0) throw failed(property, `EOF after ${got} of ${expected.length} bytes`);
    for (let i = 0; i < chunk.length; i++) {
      if (got + i >= expected.length) throw failed(property, `more than the ${expected.length} bytes sent arrived`);
      if (chunk[i] !== expected[got + i]) throw failed(property, `byte ${got + i} is ${chunk[i]}, sent ${expected[got + i]} (lost, repeated or out of order)`);
    }
    got += chunk.length;
  }
}

function* orderedDelivery(pair: StreamPair): Coroutine<void> {
  const property = "ordered delivery both ways";
  const [[ra, wa], [rb, wb]] = pair;
  const ab = pattern(200_000, 1), ba = pattern(150_000, 7);
  yield* gather(send(wa, ab, 1), receive(property, rb, ab, 2), send(wb, ba, 3), receive(property, ra, ba, 4));
}

function* eof(pair: StreamPair): Coroutine<void> {
  const property = "EOF";
  const [[ra, wa], [rb, wb]] = pair;
  const data = pattern(10_000, 3);
  wa.write(data);
  if (wa.canWriteEof()) wa.writeEof();
  else wa.close();
  const all: Uint8Array = yield* rb.read();
  if (all.length !== data.length) throw failed(property, `read() to EOF returned ${all.length} bytes, ${data.length} were sent`);
  const again: Uint8Array = yield* rb.read(100);
  if (again.length !== 0 || !rb.atEof()) throw failed(property, "after EOF, read() did not return empty data / atEof() was false");
  if (!wa.canWriteEof()) return;
  // Half-close: the side that got EOF still writes, the side that sent it still reads.
  wb.write("after eof");
  wb.writeEof();
  const back: Uint8Array = yield* ra.read();
  if (new TextDecoder().decode(back) !== "after eof") throw failed(property, "after writeEof() the writer's side no longer received what its peer sent");
}

function* close(pair: StreamPair): Coroutine<void> {
  const property = "close";
  const [[, wa], [rb, wb]] = pair;
  wa.write("last words");
  wa.close();
  if (!wa.isClosing()) throw failed(property, "isClosing() was false right after close()");
  yield* wa.waitClosed();
  const all: Uint8Array = yield* rb.read();
  if (new TextDecoder().decode(all) !== "last words") throw failed(property, "what was written before close() did not all arrive before EOF");
  wb.close();
  yield* wb.waitClosed();
}

function* flowControl(pair: StreamPair): Coroutine<void> {
  const property = "flow control";
  const [[, wa], [rb]] = pair;
  const chunk = pattern(65_536, 5);
  const cap = 64 << 20;
  let sent = 0;
  let drain: Future<void> | null = null;
  // Write to a peer that reads nothing until drain() has to wait.
  while (sent < cap) {
    wa.write(chunk);
    sent += chunk.length;
    const d = wa.drain();
    if (!d.done()) {
      drain = d;
      break;
    }
    yield* sleep(0);
  }
  if (drain === null) throw failed(property, `drain() never waited while ${sent} bytes went to a peer that read none`);
  for (let i = 0; i < 10; i++) yield* sleep(0);
  if (drain.done()) throw failed(property, "drain() finished while the peer still read nothing");
  let got = 0;
  while (got < sent) {
    const data: Uint8Array = yield* rb.read(1 << 20);
    if (data.length === 0) throw failed(property, `EOF after ${got} of ${sent} bytes`);
    got += data.length;
  }
  yield* drain;
}

/**
 * Checks that `makePair` makes a working two-way byte stream (Trio's check_two_way_stream):
 * a generator function for `yield*` that runs each property on a fresh pair: ordered
 * delivery of 350 KB in chunks of 1 to 4096 bytes, both ways at once; EOF (`writeEof()`,
 * or `close()` where it cannot half-close) read as empty data, and a half-closed side still
 * receiving; `close()` delivering what was written first and `waitClosed()` finishing; flow
 * control (`drain()` waits while the peer reads nothing, and finishes once it read all).
 * A property that fails throws an Error named `AssertionError` whose message (and
 * `.property`) names it.
 * `makePair()` returns a `StreamPair`, `[[readerA, writerA], [readerB, writerB]]` (what
 * `writerA` writes, `readerB` reads), or a coroutine or Promise of one.
 * @example
 * runSync(function* () {
 *   yield* checkTwoWayStream(() => memoryStreamPair())
 * })
 * // over TCP (wasyncio/node), on the real clock:
 * await run(function* () {
 *   yield* checkTwoWayStream(function* () { ... openConnection to a startServer ... })
 * })
 */
export function checkTwoWayStream(makePair: () => StreamPair | Coroutine<StreamPair> | PromiseLike<StreamPair>): Coroutine<void> {
  checkFunction("checkTwoWayStream()", makePair);
  return checkAll(makePair);
}

function* checkAll(makePair: () => unknown): Coroutine<void> {
  for (const property of [orderedDelivery, eof, close, flowControl]) {
    const pair = yield* makeOne(makePair);
    try {
      yield* property(pair);
    } finally {
      yield* closeAll(pair);
    }
  }
}
