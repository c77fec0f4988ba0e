/// <reference types="node" />
// StreamReader: asyncio's streams.StreamReader (CPython 3.12). A protocol feeds it bytes
// (feedData/feedEof/setException); tasks read with read/readline/readexactly/readuntil.
//
// The read methods are coroutines in asyncio; here each returns a Future at once. A read
// that can be served from the buffer returns a done Future. Otherwise it returns a ReadOp:
// a Future whose outcome is computed, as asyncio's coroutine computes it, when the reader
// runs again after the wait. Run inline (`yield* reader.read(n)` in a task) the op takes
// its bytes from the buffer inside the task's own step, so bytes are never taken for a
// task that is cancelled before it runs: they stay buffered, as in asyncio. The op is a
// small iterator rather than a generator because V8 delegates `yield*` to a plain
// iterator much faster, and this is the per-chunk path of every stream.
import { Buffer } from "node:buffer";
import type { EventLoop } from "../base-loop.js";
import { CancelledError, IncompleteReadError, LimitOverrunError, _classifyThrown } from "../errors.js";
import { Future, type Waiter } from "../future.js";
import { _runningLoopOrNull, getEventLoop, getRunningLoop } from "../running.js";
import { repr } from "../util.js";
import { checkOptions } from "../checks.js";
import { ByteQueue } from "./byte-queue.js";

/**
 * The default `limit` of stream readers: 64 KiB.
 * @example
 * const [reader, writer] = yield* openConnection(host, port, { limit: 4 * DEFAULT_LIMIT })
 */
export const DEFAULT_LIMIT = 65536;

const EMPTY: Uint8Array = Buffer.alloc(0);
const NL: Uint8Array = Buffer.from("\n");
const encoder = new TextEncoder();

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

const READ = 0, READ_ALL = 1, EXACTLY = 2, UNTIL = 3, LINE = 4;
type Kind = typeof READ | typeof READ_ALL | typeof EXACTLY | typeof UNTIL | typeof LINE;

/** @internal Throws unless `limit` is a positive integer (or Infinity). */
export function checkLimit(call: string, limit: unknown): number {
  if (typeof limit !== "number") throw new TypeError(`${call} expected limit to be a positive integer, got ${repr(limit)}`);
  if (!(limit > 0) || (!Number.isInteger(limit) && limit !== Infinity)) {
    throw new RangeError(`${call} expected limit to be a positive integer, got ${repr(limit)}`);
  }
  return limit;
}

function checkCount(call: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`${call} expected n to be an integer, got ${repr(n)}`);
  }
  return n;
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
      throw new TypeError(`new StreamReader() expected options.loop to be an event loop, got ${repr(loop)}`);
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
    if (exc === undefined || exc === null) throw new TypeError(`setException() expected an exception, got ${repr(exc)}`);
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
    if (typeof transport !== "object" || transport === null || typeof transport.pauseReading !== "function") {
      throw new TypeError(`setTransport() expected a transport, got ${repr(transport)}`);
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
    if (!(data instanceof Uint8Array)) throw new TypeError(`feedData() expected a Uint8Array, got ${repr(data)}`);
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
    checkCount("read()", n);
    if (n === 0 && this.#exception === null) return this.#now(EMPTY);
    return this.#op(n < 0 ? READ_ALL : READ, n, NL);
  }

  /**
   * Reads a line, `"\n"` included (asyncio's `readline`). At EOF it returns the partial
   * line, or empty data. A line longer than `limit` throws `RangeError`, after removing
   * the line from the buffer if its end is there, else everything buffered.
   * @example
   * const line = yield* reader.readline()
   */
  readline(): Future<Uint8Array> {
    return this.#op(LINE, 0, NL);
  }

  /**
   * Reads exactly `n` bytes. At EOF first it throws `IncompleteReadError` (with
   * `.partial`, the bytes read, and `.expected`).
   * @example
   * const header = yield* reader.readexactly(4)
   * const size = new DataView(header.buffer, header.byteOffset).getUint32(0)
   */
  readexactly(n: number): Future<Uint8Array> {
    checkCount("readexactly()", n);
    if (n < 0) throw new RangeError(`readexactly() expected n to be 0 or more, got ${n}`);
    if (n === 0 && this.#exception === null) return this.#now(EMPTY);
    return this.#op(EXACTLY, n, NL);
  }

  /**
   * Reads up to and including `separator` (a string, encoded as UTF-8, or bytes). At EOF
   * first it throws `IncompleteReadError` with everything buffered as `.partial` (and the
   * buffer emptied). When no separator is found within `limit` bytes it throws
   * `LimitOverrunError` and leaves the data buffered; `.consumed` is how much to skip.
   * @example
   * const head = yield* reader.readuntil("\r\n\r\n")
   */
  readuntil(separator: Uint8Array | string = NL): Future<Uint8Array> {
    let sep: Uint8Array;
    if (typeof separator === "string") sep = separator === "\n" ? NL : encoder.encode(separator);
    else if (separator instanceof Uint8Array) sep = separator;
    else throw new TypeError(`readuntil() expected separator to be a Uint8Array or a string, got ${repr(separator)}`);
    if (sep.length === 0) throw new RangeError("readuntil() expected a separator of at least one byte");
    return this.#op(UNTIL, 0, sep);
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

  // ---- internals ----------------------------------------------------------------

  #getLoop(): EventLoop {
    return (this.#loop ??= (_runningLoopOrNull() as EventLoop | null) ?? getEventLoop());
  }

  #now(data: Uint8Array): Future<Uint8Array> {
    const fut = this.#getLoop().createFuture<Uint8Array>();
    fut.setResult(data);
    return fut;
  }

  #op(kind: Kind, n: number, sep: Uint8Array): Future<Uint8Array> {
    const loop = this.#getLoop();
    let r: Uint8Array | Future<undefined>;
    const op = new ReadOp(loop, this, kind, n, sep);
    try {
      r = this._step(op);
    } catch (e) {
      op._fail(e);
      return op;
    }
    if (r instanceof Future) op._wait(r);
    else op._succeed(r);
    return op;
  }

  #wakeup(): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      if (!waiter.cancelled()) waiter.setResult(undefined);
    }
  }

  #maybeResumeTransport(): void {
    if (this.#paused && this.#buffer.size <= this.#limit) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
  }

  /** asyncio's `_wait_for_data`: the future to wait on (one read waits at a time). */
  #waitForData(call: string): Future<undefined> {
    if (this.#waiter !== null) {
      throw new Error(`${call}() called while another coroutine is already waiting for incoming data`);
    }
    // Waiting while paused would deadlock (readexactly(n) with n > limit needs more).
    if (this.#paused) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
    let loop = this.#loop;
    if (loop === null) this.#loop = loop = getRunningLoop();
    return (this.#waiter = loop.createFuture<undefined>());
  }

  /** @internal The op's wait is over (or abandoned): forget its waiter (asyncio's `finally`). */
  _forgetWaiter(waiter: Future<undefined>): void {
    if (this.#waiter === waiter) this.#waiter = null;
  }

  /**
   * @internal One attempt of a read: its bytes, or the future to wait on before trying
   * again. Throws the read's error. Each kind re-checks the stream's exception on every
   * attempt, so an error set while the wake-up was pending is not missed.
   */
  _step(op: ReadOp): Uint8Array | Future<undefined> {
    if (this.#exception !== null) throw this.#exception;
    const buffer = this.#buffer;
    switch (op._kind) {
      case READ: {
        if (buffer.size === 0) {
          if (this.#eof) return EMPTY;
          return this.#waitForData("read");
        }
        const data = buffer.take(Math.min(op._n, buffer.size));
        this.#maybeResumeTransport();
        return data;
      }
      case READ_ALL: {
        // asyncio reads `limit` at a time until EOF; taking all that is buffered on each
        // wake-up is the same without the copies, and keeps the transport reading.
        const blocks = (op._blocks ??= []);
        if (buffer.size > 0) {
          op._total += buffer.takeAllInto(blocks);
          this.#maybeResumeTransport();
        }
        if (!this.#eof) return this.#waitForData("read");
        op._blocks = null;
        if (blocks.length === 0) return EMPTY;
        return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks, op._total);
      }
      case EXACTLY: {
        const n = op._n;
        if (buffer.size >= n) {
          const data = buffer.take(n);
          this.#maybeResumeTransport();
          return data;
        }
        if (this.#eof) throw new IncompleteReadError(buffer.takeAll(), n);
        return this.#waitForData("readexactly");
      }
      case UNTIL:
        return this.#stepUntil(op);
      default: {
        try {
          return this.#stepUntil(op);
        } catch (e) {
          if (e instanceof IncompleteReadError) return e.partial;
          if (e instanceof LimitOverrunError) {
            if (buffer.startsWith(NL, e.consumed)) buffer.discard(e.consumed + NL.length);
            else buffer.clear();
            this.#maybeResumeTransport();
            throw new RangeError(e.message);
          }
          throw e;
        }
      }
    }
  }

  /** readuntil: the search resumes at `op._n`, past the bytes already searched. */
  #stepUntil(op: ReadOp): Uint8Array | Future<undefined> {
    const buffer = this.#buffer;
    const sep = op._sep;
    const seplen = sep.length;
    const limit = this.#limit;
    let offset = op._n;
    const buflen = buffer.size;
    if (buflen - offset >= seplen) {
      const isep = buffer.indexOf(sep, offset);
      if (isep !== -1) {
        if (isep > limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", isep);
        const chunk = buffer.take(isep + seplen);
        this.#maybeResumeTransport();
        return chunk;
      }
      // The last seplen - 1 bytes may be the start of a separator: search them again.
      op._n = offset = buflen + 1 - seplen;
      if (offset > limit) throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
    }
    // A last chunk may complete the separator even after EOF: so EOF is checked after the search.
    if (this.#eof) throw new IncompleteReadError(buffer.takeAll(), null);
    return this.#waitForData("readuntil");
  }
}

/**
 * @internal The Future of a read that had to wait (see the file comment). It runs two
 * ways, as the sync primitives' _Operation: inline, when a task does `yield* op` (the task
 * waits on the reader's waiter and the read completes inside the task's step); or driven
 * by done callbacks, attached only once someone consumes the future another way (`await`,
 * `addDoneCallback`, a plain `yield`), so the inline path schedules nothing extra.
 */
export class ReadOp extends Future<Uint8Array> {
  /** @internal */ readonly _kind: Kind;
  /** @internal The count for read/readexactly; the search offset for readuntil/readline. */
  _n: number;
  /** @internal */ readonly _sep: Uint8Array;
  /** @internal read(-1): the chunks read so far. */
  _blocks: Uint8Array[] | null = null;
  /** @internal */ _total = 0;
  #reader: StreamReader;
  #waiter: Future<undefined> | null = null;
  #inline = false;
  #driven = false;
  #mustCancel = false;
  #cancelMsg: string | undefined = undefined;
  #onWake: ((fut: Future<undefined>) => void) | null = null;

  constructor(loop: EventLoop, reader: StreamReader, kind: Kind, n: number, sep: Uint8Array) {
    super({ loop });
    this.#reader = reader;
    this._kind = kind;
    this._n = kind === UNTIL || kind === LINE ? 0 : n;
    this._sep = sep;
  }

  /** @internal */
  _wait(waiter: Future<undefined>): void {
    this.#waiter = waiter;
  }

  /** @internal */
  _succeed(data: Uint8Array): void {
    super.setResult(data);
  }

  /** @internal */
  _fail(e: unknown): void {
    const [exc, cancelled] = _classifyThrown(e, "the read threw");
    if (cancelled) {
      const c = exc as CancelledError;
      this._cancelledExc = c;
      super.cancel(c.message === "" ? undefined : c.message);
    } else {
      this._finishWithException(exc);
    }
  }

  override cancel(msg?: string): boolean {
    this._clearLogTraceback();
    if (this.done()) return false;
    const waiter = this.#waiter;
    if (!this.#inline && !this.#driven) {
      // Nobody steps this read: settle it now, leaving any bytes buffered.
      if (waiter !== null) {
        this.#waiter = null;
        waiter.cancel();
        this.#reader._forgetWaiter(waiter);
      }
      return super.cancel(msg);
    }
    if (waiter !== null && waiter.cancel(msg)) return true;
    this.#mustCancel = true;
    this.#cancelMsg = msg === undefined || msg === null ? undefined : String(msg);
    return true;
  }

  override addDoneCallback(callback: (future: Future<Uint8Array>) => unknown): void {
    super.addDoneCallback(callback);
    this.#drive();
  }

  /** @internal */
  override _addWaiter(waiter: Waiter): void {
    super._addWaiter(waiter);
    this.#drive();
  }

  override then<R1 = Uint8Array, R2 = never>(
    onFulfilled?: ((value: Uint8Array) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#drive();
    return super.then(onFulfilled, onRejected);
  }

  override [Symbol.iterator](): Iterator<Future<Uint8Array>, Uint8Array, unknown> {
    if (this.done() || this.#inline) return super[Symbol.iterator]();
    this.#inline = true;
    return new ReadOpIterator(this) as unknown as Iterator<Future<Uint8Array>, Uint8Array, unknown>;
  }

  override toString(): string {
    return `<Future ${this._describe()}>`;
  }

  /** @internal The first step of an inline run. */
  _inlineFirst(): IteratorResult<unknown, Uint8Array> {
    const waiter = this.#waiter;
    if (waiter !== null && !waiter.done()) return { value: waiter, done: false };
    if (waiter === null) return this._inlineStep(false, undefined);
    try {
      waiter.result();
    } catch (e) {
      return this._inlineStep(true, e);
    }
    return this._inlineStep(false, undefined);
  }

  /** @internal One inline step: the task resumed after the waiter (or threw into it). */
  _inlineStep(throwing: boolean, arg: unknown): IteratorResult<unknown, Uint8Array> {
    const r = this.#advance(throwing, arg);
    if (r instanceof Future) return { value: r, done: false };
    return { value: r, done: true };
  }

  /** @internal The consumer abandoned the read: it ends cancelled, its bytes stay buffered. */
  _inlineReturn(value: Uint8Array): IteratorResult<unknown, Uint8Array> {
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter !== null) this.#reader._forgetWaiter(waiter);
    if (!this.done()) super.cancel();
    return { value, done: true };
  }

  /**
   * Resumes the read after its waiter: its bytes (the op is then done), or the next future
   * to wait on. A failure settles the op and is thrown (the inline caller's task gets it).
   */
  #advance(throwing: boolean, arg: unknown): Uint8Array | Future<undefined> {
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter !== null) this.#reader._forgetWaiter(waiter);
    if (this.#mustCancel && !(arg instanceof CancelledError)) {
      throwing = true;
      arg = this.#cancelMsg === undefined ? new CancelledError() : new CancelledError(this.#cancelMsg);
    }
    this.#mustCancel = false;
    let r: Uint8Array | Future<undefined>;
    try {
      if (throwing) throw arg;
      r = this.#reader._step(this);
    } catch (e) {
      this._fail(e);
      // The error reaches the consumer through the throw: not an unretrieved one.
      this._clearLogTraceback();
      throw e;
    }
    if (r instanceof Future) this.#waiter = r;
    else super.setResult(r);
    return r;
  }

  #drive(): void {
    if (this.#driven || this.done()) return;
    this.#driven = true;
    const waiter = this.#waiter;
    if (waiter !== null) waiter.addDoneCallback(this.#wakeFn());
  }

  #wakeFn(): (fut: Future<undefined>) => void {
    return (this.#onWake ??= (fut) => {
      if (this.#inline || fut !== this.#waiter || this.done()) return;
      let throwing = false;
      let arg: unknown;
      try {
        fut.result();
      } catch (e) {
        throwing = true;
        arg = e;
      }
      let r: Uint8Array | Future<undefined>;
      try {
        r = this.#advance(throwing, arg);
      } catch {
        return; // settled by #advance
      }
      if (r instanceof Future) r.addDoneCallback(this.#onWake!);
    });
  }
}

/** What `yield* op` iterates: the op, stepped by the calling task. */
class ReadOpIterator {
  #op: ReadOp;
  #started = false;
  constructor(op: ReadOp) {
    this.#op = op;
  }
  next(): IteratorResult<unknown, Uint8Array> {
    if (!this.#started) {
      this.#started = true;
      return this.#op._inlineFirst();
    }
    return this.#op._inlineStep(false, undefined);
  }
  throw(error: unknown): IteratorResult<unknown, Uint8Array> {
    this.#started = true;
    return this.#op._inlineStep(true, error);
  }
  return(value?: Uint8Array): IteratorResult<unknown, Uint8Array> {
    this.#started = true;
    return this.#op._inlineReturn(value as Uint8Array);
  }
  [Symbol.iterator](): this {
    return this;
  }
}
