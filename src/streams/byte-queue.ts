// The StreamReader's buffer. Chunks are kept as received (views, no copy), so the common
// read of a whole chunk hands that chunk back untouched. A separator search over several
// chunks first copies them into one growable store (capacity doubles), so a line that
// arrives in many small chunks is copied once in all, not once per arrival. Plain
// Uint8Array, no node:buffer: the same queue serves the browser's memory streams.
import { Deque } from "../util/deque.js";

/**
 * Node's Buffer where the host has one (a global there; nothing is imported): on Node every
 * read returns a Buffer, as it did when the reader lived in wasyncio/node and as asyncio
 * returns bytes, whatever the chunking (a copy of several chunks too, so `.toString()` of
 * a read never depends on how the bytes arrived). Elsewhere, plain Uint8Array.
 */
const HostBuffer = (globalThis as { Buffer?: { allocUnsafe(n: number): Uint8Array; isBuffer(x: unknown): boolean; from(b: ArrayBufferLike, off: number, len: number): Uint8Array } }).Buffer;

/** @internal `n` bytes of the host's byte type (a Buffer on Node), contents unset. */
export function _allocBytes(n: number): Uint8Array {
  return HostBuffer === undefined ? new Uint8Array(n) : HostBuffer.allocUnsafe(n);
}

/** @internal `bytes` as the host's byte type: a Buffer view of the same memory on Node, else itself. */
export function _hostBytes(bytes: Uint8Array): Uint8Array {
  return HostBuffer === undefined || HostBuffer.isBuffer(bytes) ? bytes : HostBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @internal An empty read, of the host's byte type. */
export const _EMPTY_BYTES = _allocBytes(0);
const EMPTY = _EMPTY_BYTES;
/** A store bigger than this is dropped once emptied rather than kept for reuse. */
const KEEP_STORE = 65536;

/** The first `sep` in `bytes` at or after `from`, or -1: its first byte found natively, the rest compared. */
function indexOfBytes(bytes: Uint8Array, sep: Uint8Array, from: number): number {
  const first = sep[0], last = bytes.length - sep.length;
  for (let i = bytes.indexOf(first, from); i !== -1 && i <= last; i = bytes.indexOf(first, i + 1)) {
    let k = 1;
    while (k < sep.length && bytes[i + k] === sep[k]) k++;
    if (k === sep.length) return i;
  }
  return -1;
}

/** @internal A FIFO of bytes: append chunks, take from the front, search. */
export class ByteQueue {
  /** Bytes buffered. */
  size = 0;
  // The store holds the oldest bytes, [#start, #end); the chunk queue follows it.
  #store: Uint8Array | null = null;
  #start = 0;
  #end = 0;
  #chunks = new Deque<Uint8Array>();
  /** Offset of the first unread byte in the first chunk. */
  #off = 0;

  push(chunk: Uint8Array): void {
    chunk = _hostBytes(chunk);
    this.#chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Removes and returns the first `n` bytes (0 < n <= size): the chunk itself or a view when it can. */
  take(n: number): Uint8Array {
    if (this.#end === this.#start) {
      const first = this.#chunks.at(0);
      const off = this.#off;
      const avail = first.length - off;
      if (n === avail) {
        this.#dropHead();
        this.size -= n;
        return off === 0 ? first : first.subarray(off);
      }
      if (n < avail) {
        this.#off = off + n;
        this.size -= n;
        return first.subarray(off, off + n);
      }
    }
    const out = _allocBytes(n);
    this.#copyOut(out, n);
    return out;
  }

  /** Moves every buffered byte into `out` as chunks (views where possible); returns how many. */
  takeAllInto(out: Uint8Array[]): number {
    const n = this.size;
    if (this.#end > this.#start) out.push(this.take(this.#end - this.#start));
    while (this.size > 0) {
      const first = this.#chunks.at(0);
      out.push(this.take(first.length - this.#off));
    }
    return n;
  }

  /** Removes and returns everything buffered (a copy when it spans chunks). */
  takeAll(): Uint8Array {
    return this.size === 0 ? EMPTY : this.take(this.size);
  }

  /** Drops the first `n` bytes (n <= size). */
  discard(n: number): void {
    if (n <= 0) return;
    this.#copyOut(null, n);
  }

  clear(): void {
    this.#chunks.clear();
    this.#off = 0;
    this.size = 0;
    this.#emptyStore();
  }

  /** Index (from the front) of the first `sep` at or after `from`, or -1. */
  indexOf(sep: Uint8Array, from: number): number {
    const [buf, base, end] = this.#contiguous();
    return indexOfBytes(buf.subarray(base, end), sep, from);
  }

  /** Whether the bytes at `at` are `sep`. */
  startsWith(sep: Uint8Array, at: number): boolean {
    if (at < 0 || at + sep.length > this.size) return false;
    const [buf, base] = this.#contiguous();
    for (let i = 0; i < sep.length; i++) if (buf[base + at + i] !== sep[i]) return false;
    return true;
  }

  /** The buffered bytes as one region [base, end): a single chunk as is, else the store. */
  #contiguous(): [Uint8Array, number, number] {
    const pending = this.#chunks.length;
    if (this.#end === this.#start) {
      if (pending === 0) return [EMPTY, 0, 0];
      if (pending === 1) {
        const chunk = this.#chunks.at(0);
        return [chunk, this.#off, chunk.length];
      }
    }
    if (pending > 0) this.#gather();
    return [this.#store!, this.#start, this.#end];
  }

  /** Copies every queued chunk to the end of the store. */
  #gather(): void {
    const queued = this.size - (this.#end - this.#start);
    let store = this.#store;
    const held = this.#end - this.#start;
    if (store === null || store.length - this.#end < queued) {
      const need = held + queued;
      if (store !== null && store.length >= need && this.#start > 0) {
        store.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = _allocBytes(Math.max(need * 2, 4096, store === null ? 0 : store.length * 2));
        if (store !== null) grown.set(store.subarray(this.#start, this.#end), 0);
        this.#store = store = grown;
      }
      this.#start = 0;
      this.#end = held;
    }
    const chunks = this.#chunks;
    let end = this.#end;
    for (let i = 0; i < chunks.length; i++) {
      const c = i === 0 && this.#off > 0 ? chunks.at(0).subarray(this.#off) : chunks.at(i);
      store.set(c, end);
      end += c.length;
    }
    this.#end = end;
    chunks.clear();
    this.#off = 0;
  }

  /** Removes the first `n` bytes, copying them into `out` unless it is null. */
  #copyOut(out: Uint8Array | null, n: number): void {
    let pos = 0;
    const held = this.#end - this.#start;
    if (held > 0) {
      const k = Math.min(held, n);
      if (out !== null) out.set(this.#store!.subarray(this.#start, this.#start + k), 0);
      this.#start += k;
      pos = k;
      if (this.#start === this.#end) this.#emptyStore();
    }
    while (pos < n) {
      const first = this.#chunks.at(0);
      const off = this.#off;
      const k = Math.min(first.length - off, n - pos);
      if (out !== null) out.set(off === 0 && k === first.length ? first : first.subarray(off, off + k), pos);
      pos += k;
      if (off + k === first.length) this.#dropHead();
      else this.#off = off + k;
    }
    this.size -= n;
  }

  #dropHead(): void {
    this.#chunks.shift();
    this.#off = 0;
  }

  #emptyStore(): void {
    this.#start = this.#end = 0;
    if (this.#store !== null && this.#store.length > KEEP_STORE) this.#store = null;
  }
}
