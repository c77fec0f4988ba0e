"""TCP echo servers (CPython asyncio / uvloop) for the W6 benchmark.

Usage:
    /usr/bin/python3 bench/python/echo_server.py <asyncio|uvloop> <protocol|streams> [--port 0]

Binds 127.0.0.1 (port 0 = ephemeral), prints `listening <port>` on stdout once
accepting, and serves until SIGTERM or SIGINT, then exits 0.

    protocol  an asyncio.Protocol writing back every data_received chunk
              (the fastest thing asyncio offers: no coroutine per read).
    streams   asyncio.start_server with a read/write/drain loop per connection
              (what most application code looks like).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from typing import cast

# The same choice of loop as the workloads (this folder is on sys.path when run as a script).
from workloads import loop_factory  # noqa: E402
HOST = "127.0.0.1"
READ_SIZE = 65536


def set_nodelay(sock: socket.socket | None) -> None:
    """asyncio (3.11) and uvloop already set TCP_NODELAY; set it again so the
    comparison never depends on a default."""
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class EchoProtocol(asyncio.Protocol):
    """Echoes every chunk; stops reading while the peer is not reading (backpressure)."""

    connections: set[asyncio.Transport] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only duck-typed.
        self.transport = cast(asyncio.Transport, transport)
        set_nodelay(transport.get_extra_info("socket"))
        self.connections.add(self.transport)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)

    def pause_writing(self) -> None:
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self.transport)

    # eof_received returns None: the transport closes itself after a half-close.


async def echo_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    set_nodelay(writer.get_extra_info("socket"))
    try:
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the client went away mid-run; nothing to echo to
    finally:
        writer.close()


async def serve(api: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    if api == "protocol":
        server = await loop.create_server(EchoProtocol, HOST, port)
    else:
        server = await asyncio.start_server(echo_stream, HOST, port, limit=READ_SIZE)

    bound = server.sockets[0].getsockname()[1]
    print(f"listening {bound}", flush=True)

    await stop.wait()
    server.close()
    for transport in list(EchoProtocol.connections):
        transport.close()
    await server.wait_closed()
    # streams: handler tasks still reading are cancelled by the Runner on exit.


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", choices=["asyncio", "uvloop"])
    parser.add_argument("api", choices=["protocol", "streams"])
    parser.add_argument("--port", type=int, default=0, help="0 = ephemeral")
    args = parser.parse_args(argv)

    with asyncio.Runner(loop_factory=loop_factory(args.system)) as runner:
        runner.run(serve(args.api, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
