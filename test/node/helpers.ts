// Helpers of the networking tests: a protocol that records its events, plain node:net
// peers whose events are futures, payloads whose every byte is checkable.
import * as net from "node:net";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { plainEnv, runChild } from "../host.js";
import * as assert from "uvu/assert";
import type { CoreKind } from "../helpers.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DatagramProtocol, Protocol, sleep, wrapPromise, type Coroutine, type CreateServerOptions, type EventLoop, type Future, type ProtocolFactory, type Server,
  type DatagramTransport, type StreamProtocolLike, type Transport,
} from "../../src/node/index.js";

/** The port of a server's first listening socket. */
export function portOf(server: Server): number {
  return (server.sockets[0].getsockname() as [string, number])[1];
}

/** A fresh temp directory for Unix socket paths. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wasyncio-"));
}

/** A self-signed certificate for CN=localhost, made for this run by openssl (valid one day). */
export function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = tempDir();
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
    "-keyout", join(dir, "k"), "-out", join(dir, "c"),
  ], { stdio: "ignore" });
  return { key: readFileSync(join(dir, "k")), cert: readFileSync(join(dir, "c")) };
}

/** Whether a process with this pid is alive (signal 0 tests without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `n` bytes of a pattern that shifts with `seed` (so misordered or lost bytes show). */
export function payload(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return b;
}

/** Runs consecutive equal entries together: ["data", "data", "eof"] -> ["data", "eof"]. */
export function compact(events: string[]): string[] {
  return events.filter((e, i) => i === 0 || e !== events[i - 1]);
}

/** Waits (yielding loop iterations) until `cond()` holds; fails after `ms` of real time. */
export function* until(loop: EventLoop, cond: () => boolean, what: string, ms = 5000): Coroutine<void> {
  const deadline = loop.time() + ms;
  while (!cond()) {
    if (loop.time() > deadline) throw new Error(`timed out waiting until ${what}`);
    yield* sleep(0);
  }
}

/** A protocol recording every callback, with futures for connectionMade, EOF and connectionLost. */
export class Recorder extends Protocol {
  events: string[] = [];
  chunks: Buffer[] = [];
  bytes = 0;
  transport!: Transport;
  made: Future<Transport>;
  eof: Future<void>;
  lost: Future<Error | null>;
  /** What eofReceived returns (true: keep the transport open for writing). */
  keepOpen: boolean;
  /** Called from dataReceived (after recording). */
  onData: ((data: Buffer) => void) | null = null;
  #waits: [number, Future<void>][] = [];

  constructor(readonly loop: EventLoop, { keepOpen = false }: { keepOpen?: boolean } = {}) {
    super();
    this.keepOpen = keepOpen;
    this.made = loop.createFuture();
    this.eof = loop.createFuture();
    this.lost = loop.createFuture();
  }
  override connectionMade(t: Transport): void {
    this.events.push("made");
    this.transport = t;
    this.made.setResult(t);
  }
  override dataReceived(data: Uint8Array): void {
    this.events.push("data");
    this.chunks.push(data as Buffer);
    this.bytes += data.length;
    this.onData?.(data as Buffer);
    this.#waits = this.#waits.filter(([n, f]) => {
      if (this.bytes < n) return true;
      if (!f.done()) f.setResult(undefined);
      return false;
    });
  }
  override eofReceived(): boolean {
    this.events.push("eof");
    this.eof.setResult(undefined);
    return this.keepOpen;
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? "lost null" : `lost ${(exc as NodeJS.ErrnoException).code ?? exc.message}`);
    this.lost.setResult(exc);
  }
  override pauseWriting(): void {
    this.events.push("pauseWriting");
  }
  override resumeWriting(): void {
    this.events.push("resumeWriting");
  }
  /** A future done once `n` bytes have arrived in all. */
  waitBytes(n: number): Future<void> {
    const f = this.loop.createFuture<void>();
    if (this.bytes >= n) f.setResult(undefined);
    else this.#waits.push([n, f]);
    return f;
  }
  received(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** An echo protocol: writes back what it receives, closes on EOF. */
export class Echo extends Protocol {
  transport!: Transport;
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** A node:net peer whose events are Promises. */
export interface NodePeer {
  sock: net.Socket;
  connected: Promise<void>;
  ended: Promise<void>;
  closed: Promise<boolean>;
  error: Error | null;
  received(): Buffer;
  bytes(): number;
  /** Resolves once `n` bytes have arrived in all. */
  waitBytes(n: number): Promise<void>;
}

/** Wraps a node:net socket (connected or connecting) as a NodePeer. */
export function nodePeer(sock: net.Socket, { read = true }: { read?: boolean } = {}): NodePeer {
  const chunks: Buffer[] = [];
  let total = 0;
  let waits: [number, () => void][] = [];
  const peer: NodePeer = {
    sock,
    connected: new Promise((resolve) => (sock.connecting ? sock.once("connect", () => resolve()) : resolve())),
    ended: new Promise((resolve) => sock.once("end", () => resolve())),
    closed: new Promise((resolve) => sock.once("close", (hadError) => resolve(hadError))),
    error: null,
    received: () => Buffer.concat(chunks),
    bytes: () => total,
    waitBytes: (n) => new Promise((resolve) => (total >= n ? resolve() : waits.push([n, resolve]))),
  };
  sock.on("error", (e) => {
    peer.error ??= e;
  });
  sock.on("data", (d: Buffer) => {
    chunks.push(d);
    total += d.length;
    waits = waits.filter(([n, resolve]) => (total >= n ? (resolve(), false) : true));
  });
  if (!read) sock.pause();
  return peer;
}

/** A node:net client of 127.0.0.1:`port` (or a Unix path); it closes when the server does. */
export function nodeClient(where: number | string, options: { read?: boolean } = {}): NodePeer {
  const sock = typeof where === "number" ? net.connect({ host: "127.0.0.1", port: where }) : net.connect({ path: where });
  return nodePeer(sock, options);
}

/** `yield* wait(promise)`: a Promise as a future of the running loop, typed. */
export function wait<T>(promise: Promise<T>): Future<T> {
  return wrapPromise(promise);
}


/**
 * Whether this Node binds synchronously (net.BoundSocket, Node 24+): then `bind()` takes the
 * address at the call; before, Node takes it within the same host tick.
 */
export const SYNC_BIND = typeof (net as { BoundSocket?: unknown }).BoundSocket === "function";


/**
 * The local addresses the kernel has a listening TCP socket on for `port`, read from
 * /proc/net/tcp and tcp6 (not from Node): "127.0.0.1", "::1", "0.0.0.0", "::" ...
 */
export function listeningOn(port: number): string[] {
  const found: string[] = [];
  for (const [file, v6] of [["/proc/net/tcp", false], ["/proc/net/tcp6", true]] as const) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== "0A") continue; // 0A: TCP_LISTEN
      const [hexAddr, hexPort] = cols[1].split(":");
      if (parseInt(hexPort, 16) !== port) continue;
      // Each 32-bit word is in host (little-endian) order.
      const bytes: number[] = [];
      for (let w = 0; w < hexAddr.length; w += 8) {
        const word = hexAddr.slice(w, w + 8);
        for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
      }
      if (!v6) found.push(bytes.join("."));
      else {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
        found.push(new net.SocketAddress({ address: groups.join(":"), family: "ipv6" }).address);
      }
    }
  }
  return found;
}

/** A warning the process emitted (`process.emitWarning`): its type is `name`. */
export type EmittedWarning = Error & { detail?: string };

/**
 * Records the process's warnings of `type` until `stop()`; Node's own printing of them is
 * held off meanwhile (it is the listener this takes out), so a test's deliberate leaks do
 * not clutter the output. `process.emitWarning` emits on the next tick: `yield* wait(hostTick())`
 * or `await hostTick()` before reading (test/host.ts).
 */
export function captureWarnings(type = "ResourceWarning"): { warnings: EmittedWarning[]; stop(): void } {
  const warnings: EmittedWarning[] = [];
  const others = process.listeners("warning");
  process.removeAllListeners("warning");
  const record = (w: EmittedWarning): void => {
    if (w.name === type) warnings.push(w);
    else for (const l of others) l.call(process, w);
  };
  process.on("warning", record);
  return {
    warnings,
    stop() {
      process.removeListener("warning", record);
      for (const l of others) process.on("warning", l);
    },
  };
}


/** The line number of the first frame of `err.stack` in the file named `file`. */
export function lineOf(err: Error, file: string): number {
  const m = new RegExp(`${file.replace(/\./g, "\\.")}:(\\d+):\\d+`).exec(err.stack ?? "");
  if (m === null) throw new Error(`no frame of ${file} in ${err.stack}`);
  return Number(m[1]);
}

/** What `manyClients` reports: how each connection ended ("served", "ECONNRESET", ...). */
export type ClientOutcomes = Record<string, number>;

/**
 * `n` clients of 127.0.0.1:`port` in a child process (so their file descriptors are not
 * this process's): each connects and waits for "ok" from the server. They connect one
 * after another (each once the previous has connected or failed), so the kernel's own
 * accept queue never overflows: what is measured is what the server holds. `ready`
 * resolves once every one has connected or failed (and a moment has passed for resets to
 * arrive); `done` with how each one ended: "served" (got "ok"), an error code, or
 * "closed" (EOF without "ok").
 */
export function manyClients(port: number, n: number): { ready: Promise<void>; done: Promise<ClientOutcomes>; kill(): void } {
  const script = `
    const net = require("node:net");
    const [port, n] = process.argv.slice(-2).map(Number);
    const out = {};
    let settled = 0, open = n;
    const connect = () => {
      const c = net.connect(port, "127.0.0.1");
      let data = "", error = null, counted = false;
      const settle = () => {
        if (counted) return;
        counted = true;
        if (++settled === n) setTimeout(() => process.stdout.write("ready\\n"), 300);
        else connect();
      };
      c.on("connect", settle);
      c.on("data", (d) => (data += d));
      c.on("error", (e) => { error = e.code; settle(); });
      c.on("close", () => {
        const k = data === "ok" ? "served" : error ?? "closed";
        out[k] = (out[k] ?? 0) + 1;
        if (--open === 0) process.stdout.write(JSON.stringify(out) + "\\n");
      });
    };
    connect();`;
  const child = spawn(process.execPath, ["-e", script, String(port), String(n)], { env: plainEnv(), stdio: ["ignore", "pipe", "inherit"] });
  let text = "";
  let onReady!: () => void, onDone!: (o: ClientOutcomes) => void, onFail!: (e: Error) => void, onReadyFail!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((onReady = resolve), (onReadyFail = reject)));
  const done = new Promise<ClientOutcomes>((resolve, reject) => ((onDone = resolve), (onFail = reject)));
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
    const lines = text.split("\n");
    text = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") onReady();
      else onDone(JSON.parse(line) as ClientOutcomes);
    }
  });
  child.on("exit", (code) => {
    const error = new Error(`the clients' process exited (${code}) before reporting`);
    onReadyFail(error);
    onFail(error);
  });
  // Whichever the test does not wait for must not be an unhandled rejection.
  ready.catch(() => {});
  done.catch(() => {});
  return { ready, done, kill: () => child.kill() };
}

/** How many file descriptors this process has open (Linux: /proc/self/fd). */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** A protocol factory that makes a Recorder for each connection and keeps it in `into`. */
export function recorders(loop: EventLoop, into: Recorder[]): () => Recorder {
  return () => {
    const p = new Recorder(loop);
    into.push(p);
    return p;
  };
}

/** Where withServer listens: createServer's options, and `path` for a Unix server instead. */
export type ServeAt = CreateServerOptions & { path?: string };

/**
 * The one server fixture of the networking tests: on `loop` (a real-clock loop of a
 * bothCores test, which closes it and checks it holds nothing afterwards), starts a server
 * of `factory` on 127.0.0.1 port 0 (or on the Unix socket `at.path`), runs `body(server)`,
 * then closes the server and waits until it is closed and its connections are gone.
 * Returns what `body` returns; if `body` throws, the server is closed and the error goes on.
 */
export function withServer<T>(
  loop: EventLoop, factory: ProtocolFactory<StreamProtocolLike>, body: (server: Server) => Coroutine<T>, at: ServeAt = {},
): Promise<T> {
  return loop.runUntilComplete(function* (): Coroutine<T> {
    const { path, ...options } = at;
    const server = path === undefined
      ? yield* loop.createServer(factory, "127.0.0.1", 0, options)
      : yield* loop.createUnixServer(factory, path, options);
    let result: T;
    try {
      result = yield* body(server);
    } catch (e) {
      server.close();
      throw e;
    }
    server.close();
    yield* server.waitClosed();
    return result;
  }());
}

/** `s` as bytes (UTF-8). */
export const enc = (s: string): Uint8Array => Buffer.from(s);
/** Bytes as a string, one char per byte (latin1: any byte shows). */
export const dec = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** Runs `fut` and returns what it threw (or undefined). */
export function* caughtIn(fut: Iterable<unknown> & { [Symbol.iterator](): Iterator<unknown, unknown, unknown> }): Coroutine<unknown> {
  try {
    yield* fut;
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * withServer serving one Recorder (`keepOpen`: what its eofReceived returns), with a plain
 * node:net client connected to it (reading unless `read: false`): `body(proto, peer, server)`
 * runs once the client is connected and the server has accepted it. The server is torn
 * down as withServer's.
 */
export function withPeer<T>(
  loop: EventLoop, body: (proto: Recorder, peer: NodePeer, server: Server) => Coroutine<T>,
  { read = true, keepOpen = false }: { read?: boolean; keepOpen?: boolean } = {},
): Promise<T> {
  let proto: Recorder | undefined;
  return withServer(loop, () => (proto = new Recorder(loop, { keepOpen })), function* (server) {
    const peer = nodeClient(portOf(server), { read });
    yield* wait(peer.connected);
    yield* until(loop, () => proto !== undefined, "the server accepted the connection");
    return yield* body(proto!, peer, server);
  });
}

/** A UDP address. */
export type Addr = [string, number];

/** A datagram protocol that records every callback; echoes datagrams back when `echo` is set. */
export class Udp extends DatagramProtocol {
  events: string[] = [];
  got: [Buffer, Addr][] = [];
  errors: Error[] = [];
  transport!: DatagramTransport;
  made: Future<DatagramTransport>;
  lost: Future<Error | null>;
  constructor(loop: EventLoop, readonly echo = false) {
    super();
    this.made = loop.createFuture();
    this.lost = loop.createFuture();
  }
  override connectionMade(t: DatagramTransport): void {
    this.events.push("made");
    this.transport = t;
    this.made.setResult(t);
  }
  override datagramReceived(data: Uint8Array, addr: Addr): void {
    this.events.push("datagram");
    this.got.push([data as Buffer, addr]);
    if (this.echo) this.transport.sendto(data, addr);
  }
  override errorReceived(exc: Error): void {
    this.events.push(`error ${(exc as NodeJS.ErrnoException).code}`);
    this.errors.push(exc);
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? "lost null" : `lost ${exc.message}`);
    this.lost.setResult(exc);
  }
}

/** A client that sends `data`, half-closes, and collects the echo until EOF. */
export class EchoClient extends Recorder {
  constructor(loop: Recorder["loop"], readonly data: Buffer) {
    super(loop);
  }
  override connectionMade(t: Transport): void {
    super.connectionMade(t);
    t.write(this.data);
    t.writeEof();
  }
}

/**
 * Awaits `job` (an expression for a Promise; `loop` is a real-clock loop on `core`, `h` this
 * directory's helpers) in a child process, for what it writes to stderr: no test replaces
 * console methods. Its stderr, and what it printed: the job's result and the messages its
 * loop's exception handler received.
 */
export function inChild(core: CoreKind, job: string): { stderr: string; result: unknown; errors: string[] } {
  const r = runChild(`
    import { EventLoop } from ${JSON.stringify(new URL("../../src/node/index.ts", import.meta.url).href)};
    import * as h from ${JSON.stringify(import.meta.url)};
    async function main(): Promise<void> {
      const loop = new EventLoop({ clock: "real", core: ${JSON.stringify(core)} });
      const errors: string[] = [];
      loop.setExceptionHandler((_l, c) => void errors.push(c.message));
      const result = await (${job});
      loop.close();
      console.log(JSON.stringify({ result, errors }));
    }
    main().catch((e) => {
      console.error(e);
      process.exit(1);
    });
  `);
  assert.is(r.status, 0, r.stderr);
  return { stderr: r.stderr, ...JSON.parse(r.stdout) };
}
