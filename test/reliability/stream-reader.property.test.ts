// Property: a StreamReader gives the same results however its data is cut into chunks, and
// those are asyncio's. Random data over a small alphabet (so separators, multi-byte ones
// included, are frequent and often cut in half), random chunkings, random reads (read(n),
// read(-1), readexactly, readuntil with string and byte separators, readline) and limits
// from 1 byte up; each read waited for with `yield*` (stepped inline) or a plain `yield`
// (its Future driven by callbacks). The reference is a model of CPython 3.12's
// streams.StreamReader with all the data buffered and EOF fed: readuntil at EOF raises IncompleteReadError(partial=the
// whole buffer, expected=None), readexactly IncompleteReadError(partial, n), a separator
// past the limit LimitOverrunError (asyncio's two messages and `consumed`, the data left
// buffered), readline's ValueError (RangeError here) dropping the line or the buffer.
//   - fed first: every chunk, then EOF, then the reads: the results are the model's exactly;
//   - interleaved: the reads wait while chunks arrive one loop iteration apart, the
//     transport paused and resumed by the reader's flow control (a chunk only arrives
//     while it reads): every result that cannot depend on timing (no read(n > 0)) is the
//     model's, up to the first limit overrun, which is one of the same kind (asyncio's
//     `consumed` and readline's discard depend on what had arrived); a read never waits
//     for data while the transport is paused.
// fast-check prints the seed and the shrunk case of a failure (FC_SEED replays it).
import fc from "fast-check";
import * as assert from "uvu/assert";
import { Buffer } from "node:buffer";
import { IncompleteReadError, LimitOverrunError, sleep, type Coroutine, type Future } from "../../src/index.js";
import { StreamReader } from "../../src/node/streams.js";
import { bothCores, runIn } from "../helpers.js";
import { fcParams } from "./runs.js";

type Op = (
  | { kind: "read"; n: number }
  | { kind: "readexactly"; n: number }
  | { kind: "readuntil"; sep: number[]; asString: boolean }
  | { kind: "readline" }
) & {
  /** Wait with a plain `yield` (the read's Future driven by callbacks) rather than `yield*` (stepped inline). */
  plain: boolean;
};

/** What a read gave: its bytes (hex), or its error and what the error carries. */
type Outcome =
  | ["ok", string]
  | ["incomplete", string, number | null]
  | ["overrun", number, string]
  | ["range", string]
  | ["error", string];

interface Case {
  data: number[];
  /** Sizes of the chunks the data is cut into (the rest is one last chunk), or a chunk per byte. */
  cuts: number[] | "bytes";
  /** Feed Buffers (else plain Uint8Arrays, views into a larger array). */
  buffers: boolean;
  limit: number;
  ops: Op[];
}

const NL = 0x0a;
// "\n", "\r", "a", "b" and the three bytes of "€" (e2 82 ac).
const ALPHABET = [NL, 0x0d, 0x61, 0x62, 0xe2, 0x82, 0xac];
const SEPARATORS = ["\n", "\r\n", "ab", "aab", "aba", "€", "€\n", "b€"];

const separator: fc.Arbitrary<{ sep: number[]; asString: boolean }> = fc.oneof(
  fc.record({ sep: fc.constantFrom(...SEPARATORS.map((s) => [...Buffer.from(s)])), asString: fc.boolean() }),
  fc.record({ sep: fc.array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength: 4 }), asString: fc.constant(false) }),
);

function op(timingFree: boolean): fc.Arbitrary<Op> {
  const kind = fc.oneof(
    // read(n > 0) returns what has arrived: only in the fed-first property.
    timingFree
      ? fc.record({ kind: fc.constant("read" as const), n: fc.constantFrom(-1, 0) })
      : fc.record({ kind: fc.constant("read" as const), n: fc.integer({ min: -1, max: 24 }) }),
    fc.record({ kind: fc.constant("readexactly" as const), n: fc.integer({ min: 0, max: 24 }) }),
    { weight: 3, arbitrary: separator.map(({ sep, asString }) => ({ kind: "readuntil" as const, sep, asString })) },
    { weight: 2, arbitrary: fc.constant({ kind: "readline" as const }) },
  );
  return fc.tuple(kind, fc.boolean()).map(([k, plain]) => ({ ...k, plain }));
}

function caseOf(timingFree: boolean): fc.Arbitrary<Case> {
  return fc.record({
    data: fc.array(fc.constantFrom(...ALPHABET), { maxLength: 160 }),
    cuts: fc.oneof(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 40 }), fc.constant("bytes" as const)),
    buffers: fc.boolean(),
    limit: fc.constantFrom(1, 2, 3, 5, 8, 16, 40, 65536),
    ops: fc.array(op(timingFree), { minLength: 1, maxLength: 12 }),
  });
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const textOf = (sep: number[]): string => Buffer.from(sep).toString("utf8");
/** Separators whose bytes are valid UTF-8 can be given as strings. */
const stringable = (sep: number[]): boolean => Buffer.from(textOf(sep)).equals(Buffer.from(sep));

/** asyncio's StreamReader, CPython 3.12, with every byte buffered and EOF fed. */
function model(c: Case): Outcome[] {
  let buf = Buffer.from(c.data);
  const limit = c.limit;
  const take = (n: number): string => {
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return hex(out);
  };
  const readuntil = (sep: Buffer): Outcome => {
    const buflen = buf.length, seplen = sep.length;
    if (buflen >= seplen) {
      const isep = buf.indexOf(sep);
      if (isep !== -1) {
        if (isep > limit) return ["overrun", isep, "Separator is found, but chunk is longer than limit"];
        return ["ok", take(isep + seplen)];
      }
      const offset = buflen + 1 - seplen;
      if (offset > limit) return ["overrun", offset, "Separator is not found, and chunk exceed the limit"];
    }
    return ["incomplete", take(buf.length), null];
  };
  const out: Outcome[] = [];
  for (const o of c.ops) {
    switch (o.kind) {
      case "read":
        out.push(["ok", take(o.n < 0 ? buf.length : Math.min(o.n, buf.length))]);
        break;
      case "readexactly":
        out.push(buf.length >= o.n ? ["ok", take(o.n)] : ["incomplete", take(buf.length), o.n]);
        break;
      case "readuntil":
        out.push(readuntil(Buffer.from(o.sep)));
        break;
      case "readline": {
        const r = readuntil(Buffer.from([NL]));
        if (r[0] === "incomplete") {
          out.push(["ok", r[1]]);
        } else if (r[0] === "overrun") {
          if (buf[r[1]] === NL) buf = buf.subarray(r[1] + 1);
          else buf = buf.subarray(buf.length);
          out.push(["range", r[2]]);
        } else {
          out.push(r);
        }
        break;
      }
    }
  }
  out.push(["ok", take(buf.length)]);
  return out;
}

function chunksOf(c: Case): Uint8Array[] {
  const data = Buffer.from(c.data);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const size of c.cuts === "bytes" ? data.map(() => 1) : c.cuts) {
    if (at >= data.length) break;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  if (at < data.length) chunks.push(data.subarray(at));
  if (c.buffers) return chunks;
  // Plain Uint8Arrays, each a view in the middle of a larger one.
  return chunks.map((chunk) => {
    const big = new Uint8Array(chunk.length + 6);
    big.set(chunk, 3);
    return big.subarray(3, 3 + chunk.length);
  });
}

/** Waits for a read: stepped inline (`yield*`) or as a Future the task waits on (`yield`). */
function* wait(read: Future<Uint8Array>, plain: boolean): Coroutine<Uint8Array> {
  if (!plain) return yield* read;
  return (yield read) as Uint8Array;
}

function* readAll(reader: StreamReader, ops: Op[]): Coroutine<Outcome[]> {
  const out: Outcome[] = [];
  for (const o of ops) {
    try {
      let read: Future<Uint8Array>;
      switch (o.kind) {
        case "read":
          read = reader.read(o.n);
          break;
        case "readexactly":
          read = reader.readexactly(o.n);
          break;
        case "readuntil":
          read = reader.readuntil(o.asString && stringable(o.sep) ? textOf(o.sep) : new Uint8Array(o.sep));
          break;
        case "readline":
          read = reader.readline();
          break;
      }
      out.push(["ok", hex(yield* wait(read, o.plain))]);
    } catch (e) {
      if (e instanceof IncompleteReadError) out.push(["incomplete", hex(e.partial), e.expected]);
      else if (e instanceof LimitOverrunError) out.push(["overrun", e.consumed, e.message]);
      else if (e instanceof RangeError) out.push(["range", e.message]);
      else out.push(["error", `${(e as Error).name}: ${(e as Error).message}`]);
    }
  }
  out.push(["ok", hex(yield* reader.read())]);
  return out;
}

/** A transport that records whether the reader paused it. */
class Transport {
  paused = false;
  pauseReading(): void {
    this.paused = true;
  }
  resumeReading(): void {
    this.paused = false;
  }
}

/** The outcomes up to the first limit overrun, which keeps only its kind. */
function upToOverrun(outcomes: Outcome[]): unknown[] {
  const i = outcomes.findIndex((o) => o[0] === "overrun" || o[0] === "range");
  return i === -1 ? outcomes : [...outcomes.slice(0, i), [outcomes[i][0]]];
}

bothCores("StreamReader property", (test) => {
  test("fed first (random chunks, then EOF): every read gives asyncio's result", ({ loop }) => {
    fc.assert(
      fc.property(caseOf(false), (c) => {
        const reader = new StreamReader({ loop, limit: c.limit });
        for (const chunk of chunksOf(c)) reader.feedData(chunk);
        reader.feedEof();
        assert.equal(runIn(loop, loop.createTask(readAll(reader, c.ops))), model(c));
        assert.ok(reader.atEof());
      }),
      fcParams(1000),
    );
  });

  test("interleaved (chunks arrive while the reads wait; flow control on): asyncio's results up to the first limit overrun, of the same kind; no wait while paused", ({ loop }) => {
    fc.assert(
      fc.property(caseOf(true), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 40 }), (c, gaps) => {
        const reader = new StreamReader({ loop, limit: c.limit });
        const transport = new Transport();
        reader.setTransport(transport);
        const reads = loop.createTask(readAll(reader, c.ops));
        const feeding = loop.createTask(function* (): Coroutine<void> {
          const chunks = chunksOf(c);
          for (let i = 0; i < chunks.length; i++) {
            // Node reads nothing while the transport is paused: wait for the reader to resume it.
            for (let spins = 0; transport.paused; spins++) {
              if (reads.done()) return; // nobody reads any more: it stays paused, as a socket would
              if (spins > 100) throw new Error("the reader waits while its transport is paused");
              yield* sleep(0);
            }
            reader.feedData(chunks[i]);
            for (let k = 0; k < (gaps[i] ?? 1); k++) yield* sleep(0);
          }
          while (transport.paused && !reads.done()) yield* sleep(0);
          reader.feedEof();
        }());
        const outcomes = runIn<Outcome[]>(loop, reads);
        runIn(loop, feeding);
        assert.equal(upToOverrun(outcomes), upToOverrun(model(c)));
      }),
      fcParams(1000),
    );
  });
});
