"""CPython asyncio / uvloop side of the wasyncio benchmark suite.

Usage:
    /usr/bin/python3 bench/python/workloads.py <asyncio|asyncio+eager|uvloop>
        <w1a|w1b|w2|w3|w4|w5|w5g|w5h|w5s> [--n N] [--tasks T] [--warmup K]

asyncio+eager is asyncio with asyncio.eager_task_factory installed (Python 3.12+;
exit 3 on an older one).

Each invocation runs in a fresh process (the runner spawns one per measurement)
and prints exactly one JSON line on stdout, e.g. {"ms": 1234.5, "count": 1000000}.
Every workload checks its own result and exits non-zero on a mismatch, so a
fast-but-wrong run can never be reported as a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

EXIT_WRONG_RESULT = 1
EXIT_SYSTEM_UNAVAILABLE = 3

Result = dict[str, Any]


class WrongResult(Exception):
    """A workload counted something other than what it was asked to do."""


def check(name: str, got: object, want: object) -> None:
    if got != want:
        raise WrongResult(f"{name}: counted {got!r}, expected {want!r}")


def lcg_delays_seconds(seed: int, count: int) -> list[float]:
    """The suite's shared LCG (identical in every language), as delays in seconds.

    Computed before the clock starts so the measurement covers the event loop,
    not Python's big-int arithmetic.
    """
    delays: list[float] = []
    append = delays.append
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2**32
        append(seed / 2**32 * 100 / 1000)  # value in [0, 100) ms -> seconds
    return delays


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


# --- workloads -------------------------------------------------------------
# Each takes a fresh, not-yet-running loop and returns the JSON fields.


def w1a(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """N no-op callbacks scheduled at once with call_soon, then drained."""
    count = 0
    done = loop.create_future()

    def cb() -> None:
        nonlocal count
        count += 1
        if count == n:
            done.set_result(None)

    start = time.perf_counter()
    call_soon = loop.call_soon
    for _ in range(n):
        call_soon(cb)
    loop.run_until_complete(done)
    ms = ms_since(start)
    check("w1a", count, n)
    return {"ms": ms, "count": count}


def w1b(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """Each callback call_soon's the next: N hops, one loop iteration each."""
    count = 0
    done = loop.create_future()

    def cb() -> None:
        nonlocal count
        count += 1
        if count < n:
            loop.call_soon(cb)
        else:
            done.set_result(None)

    start = time.perf_counter()
    loop.call_soon(cb)
    loop.run_until_complete(done)
    ms = ms_since(start)
    check("w1b", count, n)
    return {"ms": ms, "count": count}


def w2(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """T tasks each doing N/T `await asyncio.sleep(0)`: pure task switching."""
    if n % tasks:
        raise SystemExit(f"w2: --n {n} is not a multiple of --tasks {tasks}")
    per = n // tasks
    count = 0

    async def worker() -> None:
        nonlocal count
        for _ in range(per):
            await asyncio.sleep(0)
            count += 1

    async def main() -> None:
        await asyncio.gather(*[loop.create_task(worker()) for _ in range(tasks)])

    coro = main()
    start = time.perf_counter()
    loop.run_until_complete(coro)
    ms = ms_since(start)
    check("w2", count, n)
    return {"ms": ms, "count": count}


def w3(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """A producer and a consumer pass N integers through an asyncio.Queue(maxsize=100)."""
    total = 0

    async def producer(q: asyncio.Queue[int]) -> None:
        for i in range(n):
            await q.put(i)

    async def consumer(q: asyncio.Queue[int]) -> None:
        nonlocal total
        for _ in range(n):
            total += await q.get()

    async def main() -> None:
        q: asyncio.Queue[int] = asyncio.Queue(100)
        await asyncio.gather(producer(q), consumer(q))

    coro = main()
    start = time.perf_counter()
    loop.run_until_complete(coro)
    ms = ms_since(start)
    check("w3", total, n * (n - 1) // 2)
    return {"ms": ms, "count": n}


def w4(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """N call_later timers, every second one cancelled, the rest fired on the real clock."""
    delays = lcg_delays_seconds(1, n)
    want = n // 2  # indices 0, 2, 4, ... are cancelled
    count = 0
    done = loop.create_future()

    def cb() -> None:
        nonlocal count
        count += 1
        if count == want:
            done.set_result(None)

    if want == 0:
        done.set_result(None)
    call_later = loop.call_later

    start = time.perf_counter()
    handles = [call_later(delay, cb) for delay in delays]
    scheduled = time.perf_counter()
    for i in range(0, n, 2):
        handles[i].cancel()
    cancelled = time.perf_counter()
    loop.run_until_complete(done)
    end = time.perf_counter()

    check("w4", count, want)
    return {
        "ms": (end - start) * 1000,
        "count": count,
        "phases": {
            "schedule": (scheduled - start) * 1000,
            "cancel": (cancelled - scheduled) * 1000,
            "dispatch": (end - cancelled) * 1000,
        },
    }


def gathered_tasks(loop: asyncio.AbstractEventLoop, name: str, tasks: int, unit) -> Result:
    """T tasks of `unit(index, delay)` (delays pseudo-random [0, 100) ms), gathered: time and peak RSS."""
    delays = lcg_delays_seconds(5, tasks)

    async def main() -> list[int]:
        return await asyncio.gather(
            *[loop.create_task(unit(i, delay)) for i, delay in enumerate(delays)]
        )

    coro = main()
    start = time.perf_counter()
    results = loop.run_until_complete(coro)
    ms = ms_since(start)
    check(name, results, list(range(tasks)))
    # ru_maxrss is in KiB on Linux.
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"ms": ms, "count": len(results), "rssMB": round(rss_mb, 1)}


def w5(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """T tasks each sleeping a pseudo-random [0, 100) ms: memory per pending task."""

    async def worker(index: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return index

    return gathered_tasks(loop, "w5", tasks, worker)


def w5h(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """T tasks of which 9 in 10 return at once (a cache hit) and 1 in 10 sleeps, gathered."""

    async def lookup(index: int, delay: float) -> int:
        if index % 10:
            return index
        await asyncio.sleep(delay)
        return index

    return gathered_tasks(loop, "w5h", tasks, lookup)


def w5s(loop: asyncio.AbstractEventLoop, n: int, tasks: int) -> Result:
    """T tasks made and awaited one after another, each returning at once."""

    async def immediate(index: int) -> int:
        return index

    async def main() -> int:
        count = 0
        create_task = loop.create_task
        for i in range(tasks):
            if await create_task(immediate(i)) == i:
                count += 1
        return count

    coro = main()
    start = time.perf_counter()
    count = loop.run_until_complete(coro)
    ms = ms_since(start)
    check("w5s", count, tasks)
    return {"ms": ms, "count": count}


WORKLOADS: dict[str, Callable[[asyncio.AbstractEventLoop, int, int], Result]] = {
    "w1a": w1a,
    "w1b": w1b,
    "w2": w2,
    "w3": w3,
    "w4": w4,
    "w5": w5,
    # W5g gives each wasyncio task a generator; here every task of W5 already is an
    # `async def` coroutine, so the workload is the same one.
    "w5g": w5,
    "w5h": w5h,
    "w5s": w5s,
}

DEFAULT_TASKS = {"w2": 1_000, "w5": 100_000, "w5g": 100_000, "w5h": 100_000, "w5s": 100_000}
# w5, w5g and w5h measure the process's peak RSS, which a warm-up run would already have set.
DEFAULT_WARMUP = {"w5": 0, "w5g": 0, "w5h": 0}


# --- loops -----------------------------------------------------------------


def loop_factory(system: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if system == "asyncio":
        return asyncio.new_event_loop
    if system == "asyncio+eager":
        factory = getattr(asyncio, "eager_task_factory", None)
        if factory is None:
            version = sys.version.split()[0]
            print(f"asyncio.eager_task_factory is Python 3.12+; this is {version}", file=sys.stderr)
            raise SystemExit(EXIT_SYSTEM_UNAVAILABLE)

        def new_eager_loop() -> asyncio.AbstractEventLoop:
            loop = asyncio.new_event_loop()
            loop.set_task_factory(factory)
            return loop

        return new_eager_loop
    try:
        import uvloop
    except ImportError:
        print("uvloop is not installed: run npm run bench:setup", file=sys.stderr)
        raise SystemExit(EXIT_SYSTEM_UNAVAILABLE)
    return uvloop.new_event_loop


def run_once(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
    workload: Callable[[asyncio.AbstractEventLoop, int, int], Result],
    n: int,
    tasks: int,
) -> Result:
    """One run on a fresh loop; creating and closing the loop is not timed."""
    loop = new_loop()
    try:
        return workload(loop, n, tasks)
    finally:
        loop.close()


def round_ms(result: Result) -> Result:
    result["ms"] = round(result["ms"], 3)
    if "phases" in result:
        result["phases"] = {k: round(v, 3) for k, v in result["phases"].items()}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", choices=["asyncio", "asyncio+eager", "uvloop"])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--n", type=int, default=1_000_000, help="callbacks / switches / timers")
    parser.add_argument("--tasks", type=int, default=None, help="tasks (w2: 1,000; w5, w5g, w5h, w5s: 100,000)")
    parser.add_argument("--warmup", type=int, default=None, help="unmeasured runs first (w5, w5g, w5h: 0, else 1)")
    args = parser.parse_args(argv)

    tasks = args.tasks if args.tasks is not None else DEFAULT_TASKS.get(args.workload, 1_000)
    warmup = args.warmup if args.warmup is not None else DEFAULT_WARMUP.get(args.workload, 1)
    if args.n < 1 or tasks < 1 or warmup < 0:
        parser.error("--n and --tasks must be >= 1, --warmup >= 0")

    new_loop = loop_factory(args.system)
    workload = WORKLOADS[args.workload]
    try:
        for _ in range(warmup):
            run_once(new_loop, workload, args.n, tasks)
        gc.collect()  # do not bill the measured run for the warm-up's garbage
        result = run_once(new_loop, workload, args.n, tasks)
    except WrongResult as error:
        print(f"{args.system} {error}", file=sys.stderr)
        return EXIT_WRONG_RESULT
    print(json.dumps(round_ms(result)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
