/// <reference types="node" />
// createSubprocessExec / createSubprocessShell and Process: asyncio's subprocess.py
// (CPython 3.12) over loop.subprocessExec. The protocol turns the pipes into streams:
// stdout and stderr feed StreamReaders (which pause their pipe over 2 × limit), stdin is a
// StreamWriter whose drain() follows the stdin pipe's flow control.
import type { EventLoop } from "../base-loop.js";
import { checkLimit, checkOptions, expected } from "../checks.js";
import type { Coroutine } from "../events.js";
import type { Future } from "../future.js";
import { gather } from "../gather.js";
import { _Operation } from "../operation.js";
import { getRunningLoop } from "../running.js";
import { DEFAULT_LIMIT, StreamReader } from "../streams/stream-reader.js";
import { FlowControlProtocol, StreamWriter } from "../streams/stream-writer.js";
import type { Transport } from "./transports.js";
import { toBytes } from "./bytes.js";
import { brokenPipe, type ReadPipeTransport, type WritePipeTransport } from "./pipe-transports.js";
import type { SubprocessOptions, SubprocessTransport } from "./subprocess-transport.js";
import "./subprocess-transport.js";

/**
 * Options of `createSubprocessExec` and `createSubprocessShell`: the low-level options
 * (stdin/stdout/stderr default to `null`, inherited, as asyncio's) plus `limit`, the
 * StreamReaders' buffer limit (default 64 KiB).
 * @example
 * yield* createSubprocessExec("ls", ["-l"], { stdout: PIPE, limit: 1 << 20 })
 */
export interface CreateSubprocessOptions extends SubprocessOptions {
  /** The stdout/stderr StreamReaders' limit (default 64 KiB). */
  limit?: number;
}

/** asyncio's SubprocessStreamProtocol: the pipes as streams. */
class SubprocessStreamProtocol extends FlowControlProtocol {
  readonly #limit: number;
  stdin: StreamWriter | null = null;
  stdout: StreamReader | null = null;
  stderr: StreamReader | null = null;
  #transport: SubprocessTransport | null = null;
  #processExited = false;
  #pipeFds: number[] = [];
  readonly #stdinClosed: Future<void>;
  /** Why the stdin pipe closed (EPIPE: the child is gone), for drain(). */
  #stdinExc: Error | null = null;
  #stdinPipe: WritePipeTransport | null = null;

  constructor(limit: number, loop: EventLoop) {
    super(loop);
    this.#limit = limit;
    this.#stdinClosed = loop.createFuture<void>();
  }

  override connectionMade(transport: SubprocessTransport): void {
    this.#transport = transport;
    const loop = this._loop;
    const out = transport.getPipeTransport(1) as ReadPipeTransport | null;
    if (out !== null) {
      this.stdout = new StreamReader({ limit: this.#limit, loop });
      this.stdout.setTransport(out);
      this.#pipeFds.push(1);
    }
    const err = transport.getPipeTransport(2) as ReadPipeTransport | null;
    if (err !== null) {
      this.stderr = new StreamReader({ limit: this.#limit, loop });
      this.stderr.setTransport(err);
      this.#pipeFds.push(2);
    }
    const inp = transport.getPipeTransport(0) as WritePipeTransport | null;
    if (inp !== null) {
      this.#stdinPipe = inp;
      this.stdin = new StreamWriter(inp as unknown as Transport, this, null, loop);
    }
  }

  pipeDataReceived(fd: number, data: Uint8Array): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?.feedData(data);
  }

  pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.#stdinExc = exc;
      this.connectionLost(exc);
      if (exc === null) this.#stdinClosed.setResult(undefined);
      else {
        this.#stdinClosed.setException(exc);
        // Nobody need await stdin's closing: its error is drain()'s to report.
        this.#stdinClosed._clearLogTraceback();
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this.#pipeFds.indexOf(fd);
    if (i >= 0) this.#pipeFds.splice(i, 1);
    this.#maybeCloseTransport();
  }

  processExited(): void {
    this.#processExited = true;
    this.#maybeCloseTransport();
  }

  #maybeCloseTransport(): void {
    if (this.#pipeFds.length === 0 && this.#processExited && this.#transport !== null) {
      this.#transport.close();
      this.#transport = null;
    }
  }

  /**
   * drain() once stdin is lost: the pipe's own error (EPIPE), or, if the child went away
   * with nothing of ours buffered, a fresh EPIPE too: writing to a child that is gone is a
   * broken pipe, not asyncio's generic ConnectionResetError("Connection lost").
   */
  override *_drainHelper(): Coroutine<void> {
    if (this._connectionLost && this.#stdinExc !== null) throw this.#stdinExc;
    if (this._connectionLost && this.#stdinPipe?._peerClosed) throw brokenPipe("drain()");
    yield* super._drainHelper();
  }

  override _getCloseWaiter(stream: StreamWriter): Future<void> {
    return this.#stdinClosed;
  }
}

/**
 * A child process started by `createSubprocessExec` or `createSubprocessShell`
 * (asyncio.subprocess.Process). `stdin`, `stdout` and `stderr` are streams for the ones
 * given as `PIPE` (else null); `returncode` is null while the child runs, then its exit
 * code, or minus the signal number that ended it. Cancelling `wait()` or `communicate()`
 * does not stop the child.
 * @example
 * const proc = yield* createSubprocessExec("sort", [], { stdin: PIPE, stdout: PIPE })
 * const [out] = yield* proc.communicate("b\na\n")
 * console.log(new TextDecoder().decode(out!), proc.returncode)   // "a\nb\n" 0
 */
export class Process {
  readonly #transport: SubprocessTransport;
  readonly #loop: EventLoop;
  /** The child's stdin, if it was PIPE. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout, if it was PIPE. */
  readonly stdout: StreamReader | null;
  /** The child's stderr, if it was PIPE. */
  readonly stderr: StreamReader | null;
  /** The child's process id. */
  readonly pid: number;

  /** @internal Made by createSubprocessExec / createSubprocessShell. */
  constructor(transport: SubprocessTransport, protocol: SubprocessStreamProtocol, loop: EventLoop) {
    this.#transport = transport;
    this.#loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid();
  }

  /** The exit code, minus the signal number (-9 for SIGKILL), or null while it runs. */
  get returncode(): number | null {
    return this.#transport.getReturncode();
  }

  /**
   * A Future of the return code, done once the child exited and its pipes closed.
   * Cancelling it does not stop the child. With stdout or stderr a PIPE nobody reads, a
   * child writing more than the pipe holds never exits: use `communicate()`.
   * @example
   * const code = yield* proc.wait()
   */
  wait(): Future<number> {
    return this.#transport._wait();
  }

  /**
   * Sends `signal` (a name or number) to the child; after `wait()` is done, throws an Error
   * with `.code === "ESRCH"` (asyncio's ProcessLookupError).
   * @example
   * proc.sendSignal("SIGINT")
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    this.#transport.sendSignal(signal);
  }

  /**
   * Sends SIGTERM.
   * @example
   * proc.terminate(); yield* proc.wait()
   */
  terminate(): void {
    this.#transport.terminate();
  }

  /**
   * Sends SIGKILL.
   * @example
   * proc.kill(); yield* proc.wait()   // returncode -9
   */
  kill(): void {
    this.#transport.kill();
  }

  /**
   * Writes `input` (bytes or a string, if given) to stdin and closes it, reads stdout and
   * stderr to EOF at the same time (so no pipe fills up and blocks the child), waits for
   * the child, and returns `[stdout, stderr]`: the bytes of each PIPE, null for the others.
   * A child that exits without reading its input is not an error (asyncio ignores
   * BrokenPipeError here). Cancelling it does not stop the child.
   * @example
   * const proc = yield* createSubprocessShell("tr a-z A-Z", { stdin: PIPE, stdout: PIPE })
   * const [out] = yield* proc.communicate("hello")   // "HELLO"
   */
  communicate(input?: Uint8Array | string | null): Future<[Uint8Array | null, Uint8Array | null]> {
    const data = input === undefined || input === null ? null : toBytes("communicate()", input);
    if (data !== null && this.stdin === null) throw new Error("communicate(): input given but stdin is not a PIPE");
    return new _Operation(this.#loop, this.#communicate(data));
  }

  *#communicate(input: Uint8Array | null): Coroutine<[Uint8Array | null, Uint8Array | null]> {
    const loop = this.#loop;
    const feed = this.stdin !== null ? loop.createTask(this.#feedStdin(this.stdin, input)) : null;
    const out = this.stdout !== null ? loop.createTask(this.#readStream(1, this.stdout)) : null;
    const err = this.stderr !== null ? loop.createTask(this.#readStream(2, this.stderr)) : null;
    const [, stdout, stderr] = yield* gather(feed ?? none(), out ?? none(), err ?? none());
    yield* this.wait();
    return [stdout as Uint8Array | null, stderr as Uint8Array | null];
  }

  *#feedStdin(stdin: StreamWriter, input: Uint8Array | null): Coroutine<null> {
    if (input !== null) stdin.write(input);
    try {
      yield* stdin.drain();
    } catch (e) {
      // As asyncio: a child that does not read all its input is no error of communicate().
      const code = (e as { code?: unknown }).code;
      if (code !== "EPIPE" && code !== "ECONNRESET") throw e;
    }
    stdin.close();
    return null;
  }

  *#readStream(fd: number, stream: StreamReader): Coroutine<Uint8Array> {
    const output = yield* stream.read();
    this.#transport.getPipeTransport(fd)?.close();
    return output;
  }

  /**
   * The process as asyncio's repr: `<Process 4242>`.
   * @example
   * String(proc)
   */
  toString(): string {
    return `<${this.constructor.name} ${this.pid}>`;
  }
}

function* none(): Coroutine<null> {
  return null;
}

function splitOptions(call: string, opts: unknown): [number, SubprocessOptions] {
  const { limit, ...rest } = checkOptions<CreateSubprocessOptions>(call, opts);
  // asyncio's create_subprocess_*: stdio not given is inherited (None), not a PIPE.
  const stdio = { stdin: rest.stdin ?? null, stdout: rest.stdout ?? null, stderr: rest.stderr ?? null };
  return [limit === undefined ? DEFAULT_LIMIT : checkLimit(call, limit), { ...rest, ...stdio }];
}

function* create(
  limit: number, start: (loop: EventLoop, factory: () => SubprocessStreamProtocol) => Future<[SubprocessTransport, SubprocessStreamProtocol]>,
): Coroutine<Process> {
  const loop = getRunningLoop();
  const [transport, protocol] = yield* start(loop, () => new SubprocessStreamProtocol(limit, loop));
  return new Process(transport, protocol, loop);
}

/**
 * Starts `program` with `args` (no shell: each argument reaches the program as it is) and
 * returns its `Process` (asyncio.create_subprocess_exec): a generator function, used with
 * `yield*` in a task. stdin/stdout/stderr are inherited unless given (`PIPE`, `DEVNULL`,
 * `STDOUT` for stderr, a file descriptor or a Node stream). A program that cannot be
 * started throws Node's error (`.code === "ENOENT"` for a missing one).
 * @example
 * const proc = yield* createSubprocessExec(process.execPath, ["-e", "console.log('hi')"], { stdout: PIPE })
 * const line = yield* proc.stdout!.readline()   // "hi\n"
 * yield* proc.wait()
 */
export function createSubprocessExec(program: string, args?: readonly string[] | null, opts?: CreateSubprocessOptions): Coroutine<Process> {
  const call = "createSubprocessExec()";
  if (typeof program !== "string" || program === "") throw expected(call, "program to be a non-empty string", program);
  const [limit, rest] = splitOptions(call, opts);
  const list = args ?? [];
  if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) throw expected(call, "args to be an array of strings", args);
  return create(limit, (loop, factory) => loop.subprocessExec(factory, program, list, rest));
}

/**
 * Runs `cmd` through the shell (`/bin/sh -c`) and returns its `Process`
 * (asyncio.create_subprocess_shell); otherwise as `createSubprocessExec`. Quote what
 * comes from outside: the shell interprets the whole string.
 * @example
 * const proc = yield* createSubprocessShell("echo out; echo err >&2", { stdout: PIPE, stderr: PIPE })
 * const [out, err] = yield* proc.communicate()
 */
export function createSubprocessShell(cmd: string, opts?: CreateSubprocessOptions): Coroutine<Process> {
  const call = "createSubprocessShell()";
  if (typeof cmd !== "string" || cmd === "") throw expected(call, "cmd to be a non-empty string", cmd);
  const [limit, rest] = splitOptions(call, opts);
  return create(limit, (loop, factory) => loop.subprocessShell(factory, cmd, rest));
}
