// The reads of a StreamReader, one small operation per kind, each written as its coroutine
// in asyncio's streams.py: look at the buffer; if it cannot serve the read yet, wait on
// `reader._waitForData(call)` and look again. Each look re-checks the stream's exception,
// so an error set while a wake-up was pending is not missed.
//
// The read methods are coroutines in asyncio; here each returns a Future at once. A read
// the buffer can serve at once (the per-chunk path of every stream) returns a done Future
// and starts no generator. Otherwise its generator runs as an _Operation: run inline
// (`yield* reader.read(n)` in a task) it takes its bytes from the buffer inside the task's
// own step, so bytes are never taken for a task that is cancelled before it runs: they
// stay buffered, as in asyncio. Reads are plain operations: cancelling one that nothing
// consumes yet ends it at once, its bytes left buffered and the waiting place free for the
// next read (a read's wait hands nothing over, so settling it early loses nothing).
import type { EventLoop } from "../base-loop.js";
import type { Coroutine } from "../events.js";
import { CancelledError, IncompleteReadError, LimitOverrunError } from "../errors.js";
import { _resolved, type Future, type Waiter } from "../future.js";
import { _Operation } from "../operation.js";
import type { StreamReader } from "./stream-reader.js";
import { _EMPTY_BYTES, _allocBytes } from "./byte-queue.js";

const EMPTY = _EMPTY_BYTES;
/** @internal The line separator, readuntil's default. */
export const NL = new Uint8Array([10]);
/** readline's separators, for the search shared with readuntil. */
const NL_ONLY: readonly Uint8Array[] = [NL];

// asyncio's messages, which LimitOverrunError and readline's RangeError carry.
const FOUND_TOO_LONG = "Separator is found, but chunk is longer than limit";
const NOT_FOUND = "Separator is not found, and chunk exceed the limit";

/** Takes the first `n` bytes (0 < n <= buffered) and lets the transport read again if it may. */
function take(r: StreamReader, n: number): Uint8Array {
  const data = r._buffer.take(n);
  r._maybeResumeTransport();
  return data;
}

// The loop is looked up before any byte is taken, so a read that cannot find one throws
// with the buffer untouched.

/** @internal `reader.read(n)`: up to `n` bytes; `n < 0` reads to EOF. */
export function _read(r: StreamReader, n: number): Future<Uint8Array> {
  const loop = r._getLoop();
  if (r.exception() === null) {
    if (n === 0) return _resolved(loop, EMPTY);
    const size = r._buffer.size;
    if (n > 0 && size > 0) return _resolved(loop, take(r, Math.min(n, size)));
  }
  return new _Operation(loop, n < 0 ? readToEof(r) : readSome(r, n), true);
}

/** @internal `reader.readexactly(n)`, n >= 0. */
export function _readexactly(r: StreamReader, n: number): Future<Uint8Array> {
  const loop = r._getLoop();
  if (r.exception() === null && r._buffer.size >= n) return _resolved(loop, n === 0 ? EMPTY : take(r, n));
  return new _Operation(loop, readExactly(r, n), true);
}

/**
 * @internal `reader.readuntil(seps)`: one separator, or several (not empty, none empty) sorted shortest first
 * (asyncio 3.13's order: of matches ending at the same byte, the shorter separator wins).
 */
export function _readuntil(r: StreamReader, seps: Uint8Array | readonly Uint8Array[]): Future<Uint8Array> {
  const loop = r._getLoop();
  // One separator comes bare: a read the buffer serves at once allocates no array.
  const end = r.exception() === null ? (seps instanceof Uint8Array ? bufferedChunkEnd(r, seps) : bufferedChunkEndOfAny(r, seps)) : -1;
  if (end !== -1) return _resolved(loop, take(r, end));
  return new _Operation(loop, readUntil(r, seps instanceof Uint8Array ? [seps] : seps), true);
}

/** @internal `reader.readline()`. */
export function _readline(r: StreamReader): Future<Uint8Array> {
  const loop = r._getLoop();
  const end = r.exception() === null ? bufferedChunkEnd(r, NL) : -1;
  if (end !== -1) return _resolved(loop, take(r, end));
  return new _Operation(loop, readLine(r), true);
}

/** The end of a chunk that is buffered whole, `sep` included, within the limit; else -1. */
function bufferedChunkEnd(r: StreamReader, sep: Uint8Array): number {
  const buffer = r._buffer;
  if (buffer.size < sep.length) return -1;
  const isep = buffer.indexOf(sep, 0);
  return isep === -1 || isep > r.limit ? -1 : isep + sep.length;
}

/** bufferedChunkEnd with several separators: the earliest end of any (see `earliestMatch`). */
function bufferedChunkEndOfAny(r: StreamReader, seps: readonly Uint8Array[]): number {
  const isep = earliestMatch(r, seps, 0);
  return isep === -1 || isep > r.limit ? -1 : isep + matchedLength;
}

/**
 * The length of the separator the last `earliestMatch` found: a search returns the match's
 * start (for the limit check) and the caller reads its length here at once, in the same
 * step, which spares an object per search.
 */
let matchedLength = 0;

/**
 * asyncio 3.13's search for several separators from `offset`: the match that ends first
 * (ties: the first of `seps`, the shortest); its start, its length in `matchedLength`; or -1.
 */
function earliestMatch(r: StreamReader, seps: readonly Uint8Array[], offset: number): number {
  const buffer = r._buffer;
  let start = -1, end = -1;
  for (const sep of seps) {
    const isep = buffer.indexOf(sep, offset);
    if (isep !== -1 && (end === -1 || isep + sep.length < end)) {
      start = isep;
      end = isep + sep.length;
    }
  }
  matchedLength = end - start;
  return start;
}

// Each read waits as asyncio's does, `while not enough: await self._wait_for_data(call)`,
// with _wait_for_data's `finally` (free the waiting place however the wait ends: woken,
// cancelled, abandoned) written in the read: a generator for the wait alone would be one
// more per read that waits, the per-chunk path of a stream fed in small pieces.

function* readSome(r: StreamReader, n: number): Coroutine<Uint8Array> {
  let waiter: Future<undefined> | null = null;
  try {
    while (!buffered(r, 1)) yield (waiter = r._waitForData("read"));
  } finally {
    r._forgetWaiter(waiter);
  }
  const size = r._buffer.size;
  return size > 0 ? take(r, Math.min(n, size)) : EMPTY;
}

function* readToEof(r: StreamReader): Coroutine<Uint8Array> {
  // asyncio reads `limit` at a time until EOF; taking all that is buffered on each
  // wake-up is the same without the copies, and keeps the transport reading.
  const buffer = r._buffer;
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let waiter: Future<undefined> | null = null;
    try {
      while (!buffered(r, 1)) yield (waiter = r._waitForData("read"));
    } finally {
      r._forgetWaiter(waiter);
    }
    if (buffer.size > 0) {
      total += buffer.takeAllInto(blocks);
      r._maybeResumeTransport();
    }
    if (r._eof) break;
  }
  if (blocks.length === 0) return EMPTY;
  if (blocks.length === 1) return blocks[0];
  const out = _allocBytes(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function* readExactly(r: StreamReader, n: number): Coroutine<Uint8Array> {
  let waiter: Future<undefined> | null = null;
  try {
    while (!buffered(r, n)) yield (waiter = r._waitForData("readexactly"));
  } finally {
    r._forgetWaiter(waiter);
  }
  const buffer = r._buffer;
  if (buffer.size < n) throw new IncompleteReadError(buffer.takeAll(), n);
  return take(r, n);
}

function* readUntil(r: StreamReader, seps: readonly Uint8Array[]): Coroutine<Uint8Array> {
  const isep = yield* findSeparator(r, seps);
  const seplen = matchedLength;
  const buffer = r._buffer;
  if (isep === -1) {
    // What was searched without a separator: the buffer less its last bytes, which may
    // start the longest one.
    const searched = Math.max(0, buffer.size + 1 - seps[seps.length - 1].length);
    if (searched > r.limit) throw new LimitOverrunError(NOT_FOUND, searched);
    throw new IncompleteReadError(buffer.takeAll(), null);
  }
  // With several separators, the limit applies to the start of the one that matched.
  if (isep > r.limit) throw new LimitOverrunError(FOUND_TOO_LONG, isep);
  return take(r, isep + seplen);
}

/**
 * asyncio's readline: the line, "\n" included; at EOF the partial line. A line longer than
 * the limit is dropped, through its "\n" if that is buffered, else with all that is, and
 * the read throws RangeError (asyncio's ValueError) with readuntil's message.
 */
function* readLine(r: StreamReader): Coroutine<Uint8Array> {
  const isep = yield* findSeparator(r, NL_ONLY);
  const buffer = r._buffer;
  if (isep === -1) {
    if (buffer.size <= r.limit) return buffer.takeAll();
    buffer.clear();
    r._maybeResumeTransport();
    throw new RangeError(NOT_FOUND);
  }
  if (isep > r.limit) {
    buffer.discard(isep + NL.length);
    r._maybeResumeTransport();
    throw new RangeError(FOUND_TOO_LONG);
  }
  return take(r, isep + NL.length);
}

/**
 * readuntil's search, for readuntil and readline: waits until the buffer holds one of
 * `seps` (sorted shortest first), or holds more than `limit` bytes that do not, or EOF.
 * Returns the index of the separator that ends first (it may be past the limit), its
 * length in `matchedLength`; or -1 if none is buffered. Each search resumes past the
 * bytes already searched.
 */
function* findSeparator(r: StreamReader, seps: readonly Uint8Array[]): Coroutine<number> {
  const buffer = r._buffer;
  const minlen = seps[0].length, maxlen = seps[seps.length - 1].length;
  let offset = 0;
  // The bytes to wait for: the shortest separator, then one more than was searched (with
  // several, the offset backs up by the longest, so it cannot say how many were).
  let need = minlen;
  for (;;) {
    let waiter: Future<undefined> | null = null;
    try {
      while (!buffered(r, need)) yield (waiter = r._waitForData("readuntil"));
    } finally {
      r._forgetWaiter(waiter);
    }
    const buflen = buffer.size;
    if (buflen - offset >= minlen) {
      if (seps.length === 1) {
        const isep = buffer.indexOf(seps[0], offset);
        matchedLength = minlen;
        if (isep !== -1) return isep;
      } else {
        const isep = earliestMatch(r, seps, offset);
        if (isep !== -1) return isep;
      }
      // The last maxlen - 1 bytes may be the start of a separator: search them again.
      offset = Math.max(0, buflen + 1 - maxlen);
      need = buflen + 1;
      if (offset > r.limit) return -1;
    }
    // A last chunk may complete the separator even after EOF: so EOF is checked after the search.
    if (r._eof) return -1;
  }
}

/** Whether `n` bytes are buffered or EOF came; throws the stream's exception, checked on every look. */
function buffered(r: StreamReader, n: number): boolean {
  const exc = r.exception();
  if (exc !== null) throw exc;
  return r._buffer.size >= n || r._eof;
}
