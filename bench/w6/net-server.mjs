// W6 baseline: the rawest idiomatic Node echo server, node:net with no framework, so the
// other servers' CPU per round trip has a floor to be read against.
//   node bench/w6/net-server.mjs [--port 0] [--mode pipe|data]
// Prints exactly `listening <port>` once listening; exits 0 on SIGTERM/SIGINT.
//
// Echo mode: `socket.pipe(socket)` by default. It is the idiomatic one and handles
// backpressure; an on("data") write-back does the same work per chunk (pipe is a "data"
// listener that writes and pauses on a full buffer), and measured within noise of it
// (see README.md). `--mode data` keeps the write-back around for re-checking that.
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    mode: { type: "string", default: "pipe" },
  },
});
const port = Number(values.port);
const mode = values.mode;
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
if (mode !== "pipe" && mode !== "data") throw new Error(`bad --mode ${mode} (pipe|data)`);

const sockets = new Set();
const server = net.createServer((socket) => {
  // Echo is latency-bound ping-pong: Nagle would hold each small reply back.
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  // A client vanishing mid-run (ECONNRESET) must not crash the server.
  socket.on("error", () => {});
  if (mode === "pipe") {
    socket.pipe(socket);
  } else {
    socket.on("data", (chunk) => {
      if (!socket.write(chunk)) socket.pause();
    });
    socket.on("drain", () => socket.resume());
  }
});

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

function shutdown() {
  server.close();
  for (const s of sockets) s.destroy();
  // close() only calls back once every connection is gone; the destroys above make that
  // immediate, and the unref'd timer is the bound if something still lingers.
  setTimeout(() => process.exit(0), 1000).unref();
  server.once("close", () => process.exit(0));
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
