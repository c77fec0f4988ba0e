// StreamReader: asyncio's streams.StreamReader (CPython 3.12). A protocol feeds it bytes
// (feedData/feedEof/setException); tasks read with read/readline/readexactly/readuntil.
// This file holds the reader's state (the buffer, its limit and the transport's flow
// control, EOF, the stream's exception, the one waiting read) and the feeding side;
// the reads themselves, one small operation per kind, are in stream-reads.ts.
import type { EventLoop } from "../base-loop.js";
import type { Future } from "../future.js";
import { _runningLoopOrNull, getEventLoop } from "../running.js";
import { repr } from "../util.js";
import { checkCount, checkLimit, checkOptions, expected } from "../checks.js";
import { ByteQueue } from "./byte-queue.js";
import { NL, _read, _readexactly, _readline, _readuntil } from "./stream-reads.js";

/**
 * The default `limit` of stream readers: 64 KiB.
 * @example
 * const [reader, writer] = yield* openConnection(host, port, { limit: 4 * DEFAULT_LIMIT })
 */
export const DEFAULT_LIMIT = 65536;

const encoder = new TextEncoder();

/** A readuntil() separator as bytes: a string is encoded as UTF-8; none may be empty. */
function separatorBytes(separator: unknown): Uint8Array {
  let sep: Uint8Array;
  if (typeof separator === "string") sep = separator === "\n" ? NL : encoder.encode(separator);
  else if (separator instanceof Uint8Array) sep = separator;
  else throw expected("readuntil()", "separator to be a Uint8Array, a string or an array of them", separator);
  if (sep.length === 0) throw new RangeError("readuntil() expected a separator of at least one byte");
  return sep;
}

/**
 * What a StreamReader needs of its transport: to pause and resume reading.
 * @example
 * reader.setTransport({ pauseReading: () => sock.pause(), resumeReading: () => sock.resume() })
 */
export interface ReadingTransport {
  /** Stops reading: the reader's buffer is over twice its limit. */
  pauseReading(): void;
  /** Reads again: the buffer went back under the limit. */
  resumeReading(): void;
}

/**
 * Options of `new StreamReader()`.
 * @example
 * const reader = new StreamReader({ limit: 1024, loop })
 */
export interface StreamReaderOptions {
  /**
   * The longest line (or `readuntil` chunk) accepted, and half the most the reader buffers
   * before it pauses its transport: 64 KiB by default.
   */
  limit?: number;
  /** The loop the reader's futures belong to (default: the running loop, bound on first use). */
  loop?: EventLoop;
}

/**
 * Reads from a stream connection (asyncio.StreamReader): `openConnection` and
 * `startServer` make them. Each read method returns a Future at once: `yield*` it in a
 * task or `await` it. Only one read may wait for data at a time. `limit` bounds memory:
 * the reader pauses its transport above `2 * limit` buffered bytes and resumes it at
 * `limit` or below; a line longer than `limit` is an error, not unbounded buffering.
 * @example
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8888)
 * const header: Uint8Array = yield* reader.readuntil("\r\n\r\n")
 * const body = yield* reader.readexactly(length)
 * for await (const line of reader) console.log(new TextDecoder().decode(line))
 */
export class StreamReader {
  #limit: number;
  #loop: EventLoop | null;
  #buffer = new ByteQueue();
  #eof = false;
  /** The future a read waits on for data or EOF (asyncio's `_waiter`). */
  #waiter: Future<undefined> | null = null;
  #exception: unknown = null;
  #transport: ReadingTransport | null = null;
  #paused = false;

  /**
   * @param options.limit the buffer limit (default 64 KiB): see the class description
   * @param options.loop the loop (default: the running loop when the reader is made or first waits)
   * @example
   * const reader = new StreamReader({ limit: 1024 })
   * reader.feedData(new TextEncoder().encode("hello\n")); reader.feedEof()
   */
  constructor(options?: StreamReaderOptions) {
    checkOptions("new StreamReader()", options);
    const limit = options?.limit;
    this.#limit = limit === undefined ? DEFAULT_LIMIT : checkLimit("new StreamReader()", limit);
    const loop = options?.loop;
    if (loop !== undefined && (typeof loop !== "object" || loop === null || typeof loop.createFuture !== "function")) {
      throw expected("new StreamReader()", "options.loop to be an event loop", loop);
    }
    this.#loop = loop ?? (_runningLoopOrNull() as EventLoop | null);
  }

  /** The buffer limit. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * The exception set by `setException` (the connection's error), or null.
   * @example
   * if (reader.exception() !== null) writer.close()
   */
  exception(): unknown {
    return this.#exception;
  }

  /**
   * Sets the stream's exception: the waiting read and every later read throws it.
   * @example
   * reader.setException(new Error("protocol violation"))
   */
  setException(exc: unknown): void {
    if (exc === undefined || exc === null) throw expected("setException()", "an exception", exc);
    this.#exception = exc;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      if (!waiter.cancelled() && exc !== null && exc !== undefined) waiter.setException(exc);
    }
  }

  /**
   * Attaches the transport whose reading the reader pauses and resumes (once).
   * @example
   * reader.setTransport(transport)
   */
  setTransport(transport: ReadingTransport): void {
    if (this.#transport !== null) throw new Error("setTransport(): transport already set");
    this._replaceTransport(transport);
  }

  /** @internal StreamWriter.startTls: the connection goes on under a TLS transport (asyncio's start_tls keeps the reader). */
  _replaceTransport(transport: ReadingTransport): void {
    if (typeof transport !== "object" || transport === null || typeof transport.pauseReading !== "function") {
      throw expected("setTransport()", "a transport", transport);
    }
    this.#transport = transport;
  }

  /**
   * Marks the end of the stream: reads return what is buffered, then empty data.
   * @example
   * reader.feedEof()
   */
  feedEof(): void {
    this.#eof = true;
    this.#wakeup();
  }

  /**
   * Whether the stream ended and everything buffered was read.
   * @example
   * while (!reader.atEof()) handle(yield* reader.readline())
   */
  atEof(): boolean {
    return this.#eof && this.#buffer.size === 0;
  }

  /**
   * Appends bytes to the buffer and wakes the waiting read. The reader keeps `data`
   * (no copy): do not modify it afterwards.
   * @example
   * reader.feedData(new TextEncoder().encode("line\n"))
   */
  feedData(data: Uint8Array): void {
    if (this.#eof) throw new Error("feedData() after feedEof()");
    if (!(data instanceof Uint8Array)) throw expected("feedData()", "a Uint8Array", data);
    if (data.length === 0) return;
    const buffer = this.#buffer;
    buffer.push(data);
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      if (!waiter.cancelled()) waiter.setResult(undefined);
    }
    if (buffer.size > 2 * this.#limit && !this.#paused && this.#transport !== null) {
      this.#paused = true;
      this.#transport.pauseReading();
    }
  }

  /**
   * Reads up to `n` bytes (asyncio's `read`): `-1` (the default) reads to EOF; `0` returns
   * empty data at once; else it returns 1 to `n` bytes as soon as any are buffered, and
   * empty data at EOF.
   * @example
   * const chunk = yield* reader.read(4096)
   * if (chunk.length === 0) return   // EOF
   */
  read(n = -1): Future<Uint8Array> {
    return _read(this, checkCount("read()", n));
  }

  /**
   * Reads a line, `"\n"` included (asyncio's `readline`). At EOF it returns the partial
   * line, or empty data. A line longer than `limit` throws `RangeError`, after removing
   * the line from the buffer if its end is there, else everything buffered.
   * @example
   * const line = yield* reader.readline()
   */
  readline(): Future<Uint8Array> {
    return _readline(this);
  }

  /**
   * Reads exactly `n` bytes. At EOF first it throws `IncompleteReadError` (with
   * `.partial`, the bytes read, and `.expected`).
   * @example
   * const header = yield* reader.readexactly(4)
   * const size = new DataView(header.buffer, header.byteOffset).getUint32(0)
   */
  readexactly(n: number): Future<Uint8Array> {
    if (checkCount("readexactly()", n) < 0) throw expected("readexactly()", "n to be 0 or more", n, RangeError);
    return _readexactly(this, n);
  }

  /**
   * Reads up to and including `separator` (a string, encoded as UTF-8, or bytes), or, given
   * an array of them (asyncio 3.13's tuple), up to the first place any of them ends: the
   * shortest chunk ending with one (the limit then applies to where that one starts). At
   * EOF first it throws `IncompleteReadError` with everything buffered as `.partial` (and
   * the buffer emptied). When no separator is found within `limit` bytes it throws
   * `LimitOverrunError` and leaves the data buffered; `.consumed` is how much to skip.
   * @example
   * const head = yield* reader.readuntil("\r\n\r\n")
   * const line = yield* reader.readuntil(["\r\n", "\n"]) // either line ending
   */
  readuntil(separator: Uint8Array | string | readonly (Uint8Array | string)[] = NL): Future<Uint8Array> {
    if (!Array.isArray(separator)) return _readuntil(this, separatorBytes(separator));
    if (separator.length === 0) throw new RangeError("readuntil() expected at least one separator, got an empty array");
    // Sorted shortest first, stably as Python's sorted(): of matches ending at the same byte, the shorter wins.
    const seps = separator.map(separatorBytes).sort((a, b) => a.length - b.length);
    return _readuntil(this, seps);
  }

  /**
   * Lines until EOF (`readline()` each time), for `for await`.
   * @example
   * for await (const line of reader) handle(line)
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    return {
      next: () =>
        this.readline().then((line): IteratorResult<Uint8Array, undefined> =>
          line.length === 0 ? { value: undefined, done: true } : { value: line, done: false }),
    };
  }

  /**
   * The reader as asyncio's repr shows it: buffered bytes, limit, EOF, exception, waiter.
   * @example
   * String(reader)   // "<StreamReader 5 bytes eof>"
   */
  toString(): string {
    const info = ["StreamReader"];
    if (this.#buffer.size > 0) info.push(`${this.#buffer.size} bytes`);
    if (this.#eof) info.push("eof");
    if (this.#limit !== DEFAULT_LIMIT) info.push(`limit=${this.#limit}`);
    if (this.#waiter !== null) info.push(`waiter=${this.#waiter}`);
    if (this.#exception !== null) info.push(`exception=${repr(this.#exception)}`);
    if (this.#transport !== null) info.push(`transport=${repr(this.#transport)}`);
    if (this.#paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }

  // ---- what the reads (stream-reads.ts) use, as asyncio's read methods use the reader's _attributes

  /** @internal The buffered bytes. */
  get _buffer(): ByteQueue {
    return this.#buffer;
  }

  /** @internal Whether `feedEof()` was called (bytes may still be buffered). */
  get _eof(): boolean {
    return this.#eof;
  }

  /** @internal The loop of the reader's futures: the one given, else the running loop at first use. */
  _getLoop(): EventLoop {
    return (this.#loop ??= (_runningLoopOrNull() as EventLoop | null) ?? getEventLoop());
  }

  /** @internal Resumes the paused transport once the reads took the buffer down to the limit. */
  _maybeResumeTransport(): void {
    if (this.#paused && this.#buffer.size <= this.#limit) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
  }

  /**
   * @internal asyncio's `_wait_for_data`: the future to wait on until data or EOF is fed
   * or the stream's exception set (the future then throws it). One read waits at a time;
   * the read passes the future to `_forgetWaiter` once it stops waiting.
   */
  _waitForData(call: string): Future<undefined> {
    if (this.#waiter !== null) {
      throw new Error(`${call}() called while another coroutine is already waiting for incoming data`);
    }
    // Waiting while paused would deadlock (readexactly(n) with n > limit needs more).
    if (this.#paused) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
    return (this.#waiter = this._getLoop().createFuture<undefined>());
  }

  /**
   * @internal The read that waited on `waiter` stopped waiting (asyncio's `finally`): woken,
   * cancelled or abandoned. Its place is free unless a later read took it already.
   */
  _forgetWaiter(waiter: Future<undefined> | null): void {
    if (waiter !== null && this.#waiter === waiter) this.#waiter = null;
  }

  #wakeup(): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      if (!waiter.cancelled()) waiter.setResult(undefined);
    }
  }
}
