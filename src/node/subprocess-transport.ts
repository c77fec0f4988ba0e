/// <reference types="node" />
// loop.subprocessExec / loop.subprocessShell (asyncio's subprocess_exec and
// subprocess_shell) and the SubprocessTransport they make: asyncio's
// BaseSubprocessTransport over node:child_process.spawn. Its protocol sees, in asyncio's
// order (CPython 3.12 base_subprocess.py):
//
//   connectionMade ─► pipeDataReceived(fd, data)* / pipeConnectionLost(fd, exc) per pipe
//                  ─► processExited ─► connectionLost(null)  (once every pipe closed and
//                                                             the process exited)
//
// Every call to the protocol goes through the loop (asyncio's `_call`: call_soon), and calls
// before connectionMade wait for it. `_wait()` (Process.wait) is done after connectionLost.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import * as net from "node:net";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { unlinkSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { EventLoop } from "../base-loop.js";
import { checkFactory, checkNotClosed, checkOptionKeys, checkOptions, expected } from "../checks.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { _Operation } from "../operation.js";
import { className, creationSite } from "../util.js";
import { BaseProtocol, describe, type ProtocolFactory } from "../streams/protocols.js";
import { DEVNULL, PIPE, STDOUT } from "./constants.js";
import { _whenMade } from "./create-connection.js";
import { installLoopMethods } from "./install.js";
import { _closeWithLoop, _ignoreError, _once } from "./node-events.js";
import { _resourceWarning } from "./resource-warning.js";
import { ReadPipeTransport, WritePipeTransport } from "./pipe-transports.js";

/**
 * A subprocess protocol (asyncio.SubprocessProtocol): extend it and override what you need.
 * `fd` is 1 (stdout) or 2 (stderr) for data, and 0, 1 or 2 for a pipe that closed.
 * @example
 * class Collect extends SubprocessProtocol {
 *   out: Uint8Array[] = []
 *   pipeDataReceived(fd: number, data: Uint8Array) { if (fd === 1) this.out.push(data) }
 *   processExited() { console.log("exited") }
 * }
 * const [transport, proto] = yield* loop.subprocessExec(() => new Collect(), "ls", ["-l"])
 */
export class SubprocessProtocol extends BaseProtocol {
  /** The child wrote `data` to its stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived(fd: number, data: Uint8Array): void {}
  /** The pipe `fd` closed: `exc` is its error (an EPIPE for stdin whose child is gone), or null. */
  pipeConnectionLost(fd: number, exc: Error | null): void {}
  /** The child exited (`transport.getReturncode()` says how). */
  processExited(): void {}
}

/**
 * What `subprocessExec` needs of a protocol: `SubprocessProtocol`'s callbacks, each optional.
 * @example
 * const proto: SubprocessProtocolLike = { processExited() { console.log("done") } }
 */
export interface SubprocessProtocolLike {
  /** The child started and its pipes are connected; calls made before this one waited for it. */
  connectionMade?(transport: SubprocessTransport): void;
  /** Last and once: the child exited and every pipe closed. */
  connectionLost?(exc: Error | null): void;
  /** The child wrote `data` to stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived?(fd: number, data: Uint8Array): void;
  /** Pipe `fd` closed, with its error or null. */
  pipeConnectionLost?(fd: number, exc: Error | null): void;
  /** The child exited. */
  processExited?(): void;
  /** The stdin pipe's buffer went over its high-water mark. */
  pauseWriting?(): void;
  /** The stdin pipe's buffer drained to its low-water mark. */
  resumeWriting?(): void;
}

/**
 * Where a child's stdin, stdout or stderr goes: `PIPE` (a new pipe), `DEVNULL`, `STDOUT`
 * (stderr only: where stdout goes), `null` (inherited from this process), a file
 * descriptor number, or a Node stream with a file descriptor (a file, a socket, a TTY).
 * @example
 * yield* createSubprocessExec("make", [], { stdout: PIPE, stderr: STDOUT })
 */
export type StdioChoice = typeof PIPE | typeof DEVNULL | typeof STDOUT | number | Readable | Writable | null;

/**
 * Options of `loop.subprocessExec` and `loop.subprocessShell` (and of `createSubprocessExec`).
 * @example
 * yield* loop.subprocessExec(factory, "ls", [], { stdout: PIPE, stderr: DEVNULL, cwd: "/tmp" })
 */
export interface SubprocessOptions {
  /** The child's stdin (default for `loop.subprocess*`: PIPE). */
  stdin?: StdioChoice;
  /** The child's stdout (default for `loop.subprocess*`: PIPE). */
  stdout?: StdioChoice;
  /** The child's stderr (default for `loop.subprocess*`: PIPE); STDOUT merges it into stdout. */
  stderr?: StdioChoice;
  /** The working directory of the child. */
  cwd?: string | URL | null;
  /** The child's environment (default: this process's). */
  env?: Record<string, string | undefined> | null;
}

const OPTION_KEYS = new Set(["stdin", "stdout", "stderr", "cwd", "env"]);
const STDIO_NAMES = ["stdin", "stdout", "stderr"] as const;

/** The protocol of one pipe (asyncio's Read/WriteSubprocessPipeProto): it reports to its transport. */
class PipeProto {
  connected = false;
  disconnected = false;
  pipe: ReadPipeTransport | WritePipeTransport | null = null;
  constructor(readonly proc: SubprocessTransport, readonly fd: number) {}
  connectionMade(transport: ReadPipeTransport | WritePipeTransport): void {
    this.connected = true;
    this.pipe = transport;
    this.proc._tryConnected();
  }
  connectionLost(exc: Error | null): void {
    this.disconnected = true;
    this.proc._pipeConnectionLost(this.fd, exc);
  }
  dataReceived(data: Uint8Array): void {
    this.proc._pipeDataReceived(this.fd, data);
  }
  eofReceived(): void {}
  /** stdin's flow control goes straight to the user's protocol (asyncio: not through call_soon). */
  pauseWriting(): void {
    this.proc._flowControl("pauseWriting");
  }
  resumeWriting(): void {
    this.proc._flowControl("resumeWriting");
  }
}

/** The signal number of a Node signal name (`SIGKILL` → 9). */
function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

/**
 * A child process as asyncio's SubprocessTransport: what `loop.subprocessExec` and
 * `loop.subprocessShell` hand to the protocol's `connectionMade`. `getPipeTransport(fd)`
 * gives the pipe transports (stdin: a `WritePipeTransport`, stdout/stderr:
 * `ReadPipeTransport`s), `getReturncode()` the exit code (or minus the signal number
 * that ended the child), `getExtraInfo("subprocess")` the Node ChildProcess.
 * @example
 * const [transport, proto] = yield* loop.subprocessExec(() => new Collect(), process.execPath, ["-e", "1"])
 * transport.getPid()
 * transport.close()   // closes the pipes; kills the child if it still runs
 */
export class SubprocessTransport {
  readonly #loop: EventLoop;
  /** The user's protocol: null until the child has spawned (see spawnChild). */
  #protocol: SubprocessProtocolLike = null as unknown as SubprocessProtocolLike;
  readonly #child: ChildProcess;
  readonly #pipes = new Map<number, PipeProto>();
  /** The stdin pipe, told at once when the child exits (its PipeProto learns it a step later). */
  #stdinPipe: WritePipeTransport | null = null;
  /** Protocol calls made before connectionMade (asyncio's `_pending_calls`), or null once made. */
  #pending: [(arg: unknown) => void, unknown][] | null = [];
  #returncode: number | null = null;
  #finished = false;
  /** connectionLost ran: the process is gone for sendSignal (asyncio's `_proc = None`). */
  #gone = false;
  #closed = false;
  #exitWaiters: Future<number>[] = [];
  readonly #extra: Record<string, unknown>;
  #waiter: Future<void> | null = null;
  /** The spawn failed: nothing more reaches a protocol. */
  #abandoned = false;
  readonly #pipeTransports: (ReadPipeTransport | WritePipeTransport)[] = [];
  readonly #site: string | undefined;

  /**
   * @internal Made by loop.subprocessExec right after spawn(), before Node says whether the
   * child started: the child's exit and its pipes' data can come before that news is
   * handled, and Node drains (drops) a pipe nobody listens to when the child exits.
   * `_start` gives it the protocol once the child has spawned; `_abandon` drops it if not.
   */
  constructor(loop: EventLoop, child: ChildProcess, stdio: (Readable | Writable | null)[], site: string | undefined) {
    this.#loop = loop;
    this.#child = child;
    this.#site = site;
    this.#extra = { subprocess: child };
    loop._addResource(this);
    child.on("exit", this.#onExit);
    for (let fd = 0; fd < 3; fd++) {
      const stream = stdio[fd];
      if (stream === null) continue;
      const proto = new PipeProto(this, fd);
      this.#pipes.set(fd, proto);
      stream.on("error", _ignoreError);
      const pipe = fd === 0 ? (this.#stdinPipe = new WritePipeTransport(loop, stream as Writable, proto as never, null)) : new ReadPipeTransport(loop, stream as Readable, proto as never, null);
      // This transport reports an unclosed child and its pipes at loop close, once.
      loop._removeResource(pipe);
      this.#pipeTransports.push(pipe);
    }
  }

  /** @internal The child spawned: `protocol` gets the events (held so far) once every pipe is connected. */
  _start(protocol: SubprocessProtocolLike, waiter: Future<void>): void {
    this.#protocol = protocol;
    this.#waiter = waiter;
    this._tryConnected();
  }

  /** @internal The child did not spawn (or the call was cancelled first): close the pipes, call no protocol. */
  _abandon(): void {
    this.#abandoned = true;
    this.#pending = null;
    this.#loop._removeResource(this);
    for (const pipe of this.#pipeTransports) pipe.abort();
  }

  #onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    const returncode = code !== null ? code : -signalNumber(signal ?? "");
    // The pipe to a child that is gone: asyncio's write pipe sees the hang-up (see _peerGone).
    this.#stdinPipe?._peerGone();
    if (!this.#loop.isClosed()) this.#loop._schedule(this.#processExited, returncode);
  };

  /** Runs a protocol call scheduled through #call: what it throws goes to the exception handler. */
  #run = (entry: [(arg: unknown) => void, unknown]): void => {
    try {
      entry[0](entry[1]);
    } catch (e) {
      this.#loop.callExceptionHandler({ message: "Exception in callback of a subprocess protocol", exception: e, transport: this, protocol: this.#protocol });
    }
  };

  /** asyncio's `_call`: through the loop, or held until connectionMade has been scheduled. */
  #call(fn: (arg: unknown) => void, arg: unknown): void {
    if (this.#abandoned) return;
    const entry: [(arg: unknown) => void, unknown] = [fn, arg];
    if (this.#pending !== null) this.#pending.push(entry);
    else this.#loop._schedule(this.#run, entry);
  }

  /** @internal asyncio's `_try_connected`: every pipe is connected, so connectionMade goes first. */
  _tryConnected(): void {
    const pending = this.#pending;
    if (pending === null || this.#waiter === null) return;
    for (const p of this.#pipes.values()) if (!p.connected) return;
    this.#pending = null;
    this.#loop._schedule(this.#run, [() => this.#protocol.connectionMade?.(this), undefined]);
    for (const entry of pending) this.#loop._schedule(this.#run, entry);
    this.#loop._schedule(this.#resolveWaiter, undefined);
  }

  #resolveWaiter = (): void => {
    const waiter = this.#waiter!;
    if (!waiter.done()) waiter.setResult(undefined);
  };

  /** @internal The stdin pipe crossed a water mark: the protocol's pauseWriting/resumeWriting, at once. */
  _flowControl(name: "pauseWriting" | "resumeWriting"): void {
    if (this.#abandoned || this.#protocol === null) return;
    this.#run([() => this.#protocol[name]?.(), undefined]);
  }

  /** @internal */
  _pipeDataReceived(fd: number, data: Uint8Array): void {
    this.#call(() => this.#protocol.pipeDataReceived?.(fd, data), undefined);
  }

  /** @internal */
  _pipeConnectionLost(fd: number, exc: Error | null): void {
    this.#call(() => this.#protocol.pipeConnectionLost?.(fd, exc), undefined);
    this.#tryFinish();
  }

  #processExited = (returncode: number): void => {
    if (this.#returncode !== null) return;
    this.#returncode = returncode;
    this.#call(() => this.#protocol.processExited?.(), undefined);
    this.#tryFinish();
  };

  #tryFinish(): void {
    if (this.#finished || this.#returncode === null) return;
    for (const p of this.#pipes.values()) if (!p.disconnected) return;
    this.#finished = true;
    this.#call(this.#connectionLost, null);
  }

  #connectionLost = (): void => {
    this.#gone = true;
    this.#loop._removeResource(this);
    try {
      this.#protocol.connectionLost?.(null);
    } finally {
      // asyncio 3.12: wait() is done after connection_lost, so every pipe has been read.
      const waiters = this.#exitWaiters;
      this.#exitWaiters = [];
      for (const w of waiters) if (!w.done()) w.setResult(this.#returncode!);
    }
  };

  /** @internal Process.wait(): a Future of the return code, done after connectionLost. */
  _wait(): Future<number> {
    const fut = this.#loop.createFuture<number>();
    if (this.#gone) fut.setResult(this.#returncode!);
    else this.#exitWaiters.push(fut);
    return fut;
  }

  /**
   * The child's process id.
   * @example
   * console.log(`started ${transport.getPid()}`)
   */
  getPid(): number {
    return this.#child.pid!;
  }

  /**
   * The exit code, minus the signal number if a signal ended the child (-9 for SIGKILL),
   * or null while it runs.
   * @example
   * if (transport.getReturncode() === null) transport.terminate()
   */
  getReturncode(): number | null {
    return this.#returncode;
  }

  /**
   * The transport of pipe `fd` (0: stdin, a WritePipeTransport; 1, 2: stdout, stderr,
   * ReadPipeTransports), or null if that stream is not a PIPE.
   * @example
   * (transport.getPipeTransport(0) as WritePipeTransport).write("input\n")
   */
  getPipeTransport(fd: number): ReadPipeTransport | WritePipeTransport | null {
    if (!Number.isInteger(fd)) throw expected("getPipeTransport()", "fd to be 0, 1 or 2", fd);
    return this.#pipes.get(fd)?.pipe ?? null;
  }

  /**
   * Sends `signal` (a name like "SIGTERM" or a number) to the child. Throws an Error with
   * `.code === "ESRCH"` (asyncio's ProcessLookupError) once the transport has finished.
   * @example
   * transport.sendSignal("SIGINT")
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (typeof signal !== "number" && (typeof signal !== "string" || signalNumber(signal) === 0)) {
      throw expected("sendSignal()", "signal to be a signal name (\"SIGTERM\") or number", signal);
    }
    if (this.#gone) throw Object.assign(new Error("sendSignal(): the process has finished (ProcessLookupError)"), { code: "ESRCH" });
    // An exited child not yet reaped is not signalled (as Popen.send_signal after poll()).
    if (this.#returncode !== null || this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill(signal);
  }

  /**
   * Sends SIGTERM.
   * @example
   * transport.terminate()
   */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /**
   * Sends SIGKILL.
   * @example
   * transport.kill()
   */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  /**
   * Closes the pipes and, if the child still runs, kills it (as asyncio 3.12). Idempotent.
   * @example
   * transport.close()
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pipes.values()) p.pipe?.close();
    if (this.#returncode === null && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }

  /**
   * Whether `close()` was called.
   * @example
   * if (!transport.isClosing()) transport.close()
   */
  isClosing(): boolean {
    return this.#closed;
  }

  /**
   * Information by name: `"subprocess"` is the Node ChildProcess.
   * @example
   * const child = transport.getExtraInfo("subprocess") as ChildProcess
   */
  getExtraInfo(name: string, defaultValue?: unknown): any {
    return Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : defaultValue;
  }

  /**
   * The protocol receiving the events.
   * @example
   * const proto = transport.getProtocol() as Collect
   */
  getProtocol(): SubprocessProtocolLike {
    return this.#protocol;
  }

  /**
   * Switches the protocol that receives the events from now on.
   * @example
   * transport.setProtocol(other)
   */
  setProtocol(protocol: SubprocessProtocolLike): void {
    if (typeof protocol !== "object" || protocol === null) throw expected("setProtocol()", "a subprocess protocol", protocol);
    this.#protocol = protocol;
  }

  /**
   * The pid, the state and the return code.
   * @example
   * String(transport)   // "<SubprocessTransport pid=4242 returncode=0>"
   */
  toString(): string {
    const state = this.#closed ? " closed" : this.#returncode !== null ? ` returncode=${this.#returncode}` : " running";
    return `<${this.constructor.name} pid=${this.#child.pid}${state} protocol=${className(this.#protocol)}>`;
  }

  /** @internal The loop closes with the child still running or its pipes open: ResourceWarning, then kill it. */
  _loopClosed(): void {
    for (const pipe of this.#pipeTransports) if (!pipe._pipe.destroyed) pipe._pipe.destroy();
    if (this.#gone || this.#abandoned) return;
    // close() was called (it killed a running child): asyncio warns only of an unclosed transport.
    if (!this.#closed) _resourceWarning(`unclosed ${this}`, "A running child process and its open pipes keep the Node process alive: wait for it (yield* proc.wait()) or close the transport before the loop closes. It is killed now.", this.#site);
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }
}

declare module "../base-loop.js" {
  interface EventLoop {
    /**
     * Starts `program` with `args` (no shell) and returns a Future of
     * `[transport, protocol]`, done after the protocol's `connectionMade`
     * (asyncio's subprocess_exec). stdin, stdout and stderr default to PIPE. A program that
     * cannot be started rejects the Future with Node's error (`.code` "ENOENT", "EACCES").
     * @example
     * const [transport, proto] = yield* loop.subprocessExec(() => new Collect(), process.execPath, ["-e", "console.log(1)"])
     */
    subprocessExec<P extends SubprocessProtocolLike>(
      protocolFactory: ProtocolFactory<P>, program: string, args?: readonly string[], options?: SubprocessOptions,
    ): Future<[SubprocessTransport, P]>;

    /**
     * Runs `cmd` through `/bin/sh -c` (cmd.exe on Windows): `subprocessExec` otherwise
     * (asyncio's subprocess_shell).
     * @example
     * const [transport, proto] = yield* loop.subprocessShell(() => new Collect(), "ls | wc -l")
     */
    subprocessShell<P extends SubprocessProtocolLike>(
      protocolFactory: ProtocolFactory<P>, cmd: string, options?: SubprocessOptions,
    ): Future<[SubprocessTransport, P]>;
  }
}

/** A stdio choice as Node's spawn takes it; PIPE stays PIPE (resolved by `spawnChild`). */
function stdioChoice(call: string, name: string, value: unknown, dflt: StdioChoice): StdioChoice {
  if (value === undefined) return dflt;
  if (value === null || value === PIPE || value === DEVNULL) return value;
  if (value === STDOUT) {
    if (name !== "stderr") throw new RangeError(`${call}: STDOUT is only valid for options.stderr`);
    return value;
  }
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === "object" && typeof (value as { on?: unknown }).on === "function") return value as Readable;
  throw expected(call, `options.${name} to be PIPE, DEVNULL${name === "stderr" ? ", STDOUT" : ""}, null, a file descriptor or a Node stream`, value);
}

interface SpawnArgs {
  call: string;
  factory: ProtocolFactory<SubprocessProtocolLike>;
  program: string;
  args: string[];
  shell: boolean;
  stdio: [StdioChoice, StdioChoice, StdioChoice];
  cwd: string | URL | undefined;
  env: Record<string, string | undefined> | undefined;
  site: string | undefined;
}

const SUBPROCESS_CALLBACKS = ["pipeDataReceived", "pipeConnectionLost", "processExited", "connectionMade", "connectionLost"];

/** The factory's protocol (a class is constructed, a function called): an object with a subprocess protocol's callbacks. */
function makeSubprocessProtocol(call: string, factory: ProtocolFactory<SubprocessProtocolLike>): SubprocessProtocolLike {
  const protocol = /^class[\s{]/.test(Function.prototype.toString.call(factory))
    ? new (factory as new () => SubprocessProtocolLike)()
    : (factory as () => SubprocessProtocolLike)();
  const ok = typeof protocol === "object" && protocol !== null && typeof (protocol as PromiseLike<unknown>).then !== "function" &&
    SUBPROCESS_CALLBACKS.some((n) => typeof (protocol as Record<string, unknown>)[n] === "function");
  if (!ok) throw new TypeError(`${call}: protocolFactory returned ${describe(protocol)}, not a SubprocessProtocol (it has none of ${SUBPROCESS_CALLBACKS.map((n) => `${n}()`).join(", ")})`);
  return protocol;
}

function nodeStdio(c: StdioChoice): "pipe" | "ignore" | "inherit" | number | Readable | Writable {
  if (c === PIPE) return "pipe";
  if (c === DEVNULL) return "ignore";
  if (c === null) return "inherit";
  return c as number | Readable;
}

/**
 * A connected pair of Unix sockets (Node has no os.pipe()): how stderr=STDOUT shares the
 * child's stdout when stdout is a PIPE, so both write to one descriptor in order.
 */
function* socketPair(loop: EventLoop): Coroutine<[net.Socket, net.Socket]> {
  const path = join(tmpdir(), `wasyncio-sp-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const server = net.createServer({ allowHalfOpen: true });
  server.on("error", _ignoreError);
  const accepted = loop.createFuture<net.Socket>();
  server.once("connection", (s) => {
    if (!accepted.done()) accepted.setResult(s);
  });
  server.listen(path);
  let ours: net.Socket | null = null;
  try {
    yield* _once(loop, server, "listening");
    ours = net.connect({ path, allowHalfOpen: true });
    ours.on("error", _ignoreError);
    yield* _once(loop, ours, "connect");
    const theirs = yield* accepted;
    theirs.on("error", _ignoreError);
    return [ours, theirs];
  } catch (e) {
    ours?.destroy();
    throw e;
  } finally {
    server.close();
    try {
      unlinkSync(path);
    } catch {
      // Already gone (the server's close may unlink it).
    }
  }
}

function* spawnChild(loop: EventLoop, a: SpawnArgs): Coroutine<[SubprocessTransport, SubprocessProtocolLike]> {
  const [i, o, e] = a.stdio;
  let pair: [net.Socket, net.Socket] | null = null;
  let stdio: StdioOptions;
  if (e === STDOUT && o === PIPE) {
    pair = yield* socketPair(loop);
    stdio = [nodeStdio(i), pair[1], pair[1]];
  } else {
    stdio = [nodeStdio(i), nodeStdio(o), e === STDOUT ? nodeStdio(o) : nodeStdio(e)];
  }
  let child: ChildProcess;
  try {
    child = spawn(a.program, a.args, { stdio, shell: a.shell, cwd: a.cwd, env: a.env, windowsHide: true });
  } catch (err) {
    pair?.[0].destroy();
    throw err;
  } finally {
    // The child has its own copy of the descriptor: ours would keep the pipe from EOF.
    pair?.[1].destroy();
  }
  for (const s of child.stdio) s?.on("error", _ignoreError);
  const streams: (Readable | Writable | null)[] = [
    i === PIPE ? child.stdin : null,
    pair !== null ? pair[0] : o === PIPE ? child.stdout : null,
    e === PIPE ? child.stderr : null,
  ];
  // Listening from now on: see the constructor.
  const transport = new SubprocessTransport(loop, child, streams, a.site);
  const release = _closeWithLoop(loop, () => {
    transport._abandon();
    child.kill("SIGKILL");
  });
  let protocol: SubprocessProtocolLike;
  try {
    yield* _once(loop, child, "spawn");
    protocol = makeSubprocessProtocol(a.call, a.factory);
  } catch (err) {
    transport._abandon();
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill("SIGKILL");
    throw err;
  } finally {
    release();
  }
  const waiter = loop.createFuture<void>();
  transport._start(protocol, waiter);
  return yield* _whenMade(waiter, transport, protocol);
}

function start(loop: EventLoop, call: string, factory: unknown, program: string, args: string[], shell: boolean, options: unknown): Future<[SubprocessTransport, SubprocessProtocolLike]> {
  checkNotClosed(call, loop);
  checkFactory(call, factory);
  const o = checkOptions<SubprocessOptions>(call, options);
  for (const key of Object.keys(o)) if (!OPTION_KEYS.has(key)) checkOptionKeys(call, { [key]: true }, "");
  const stdio = STDIO_NAMES.map((name) => stdioChoice(call, name, o[name], PIPE)) as [StdioChoice, StdioChoice, StdioChoice];
  const cwd = o.cwd ?? undefined;
  if (cwd !== undefined && typeof cwd !== "string" && !(cwd instanceof URL)) throw expected(call, "options.cwd to be a path (string or URL)", cwd);
  const env = o.env ?? undefined;
  if (env !== undefined && (typeof env !== "object" || Array.isArray(env))) throw expected(call, "options.env to be an object of strings", env);
  const site = loop.getDebug() ? creationSite() : undefined;
  return new _Operation(loop, spawnChild(loop, {
    call, factory: factory as ProtocolFactory<SubprocessProtocolLike>, program, args, shell, stdio, cwd, env, site,
  }));
}

function subprocessExec(this: EventLoop, protocolFactory: unknown, program: unknown, args?: unknown, options?: unknown): Future<[SubprocessTransport, SubprocessProtocolLike]> {
  const call = "subprocessExec()";
  if (typeof program !== "string" || program === "") throw expected(call, "program to be a non-empty string", program);
  const list = args === undefined || args === null ? [] : args;
  if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) throw expected(call, "args to be an array of strings", args);
  return start(this, call, protocolFactory, program, list as string[], false, options);
}

function subprocessShell(this: EventLoop, protocolFactory: unknown, cmd: unknown, options?: unknown): Future<[SubprocessTransport, SubprocessProtocolLike]> {
  const call = "subprocessShell()";
  if (typeof cmd !== "string" || cmd === "") throw expected(call, "cmd to be a non-empty string", cmd);
  return start(this, call, protocolFactory, cmd, [], true, options);
}

installLoopMethods({ subprocessExec, subprocessShell });
