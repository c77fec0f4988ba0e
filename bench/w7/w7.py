# W7 in CPython: 1,000 CPU jobs of ~5 ms. asyncio.to_thread runs them in threads, which
# the GIL serialises (shown for that reason); run_in_executor with a ProcessPoolExecutor
# is the parallel equivalent. Prints one JSON line per executor.
#   python3 bench/w7/w7.py [jobs] [ms] [thread|process]
import asyncio, json, os, sys, time
from concurrent.futures import ProcessPoolExecutor


def burn(ms):
    end = time.perf_counter() + ms / 1000
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n >= 0


async def main(jobs, ms, kind):
    loop = asyncio.get_running_loop()
    cores = os.cpu_count()
    if kind == "thread":
        submit = lambda m: asyncio.to_thread(burn, m)
        label = "CPython asyncio.to_thread"
    else:
        pool = ProcessPoolExecutor(cores)
        submit = lambda m: loop.run_in_executor(pool, burn, m)
        label = "CPython run_in_executor(ProcessPoolExecutor)"
    await asyncio.gather(*(submit(0) for _ in range(cores)))
    t1 = time.perf_counter()
    results = await asyncio.gather(*(submit(ms) for _ in range(jobs)))
    wall = (time.perf_counter() - t1) * 1000
    count = sum(1 for r in results if r)
    if count != jobs:
        raise RuntimeError(f"W7 {kind}: counted {count}, expected {jobs}")
    ideal = jobs * ms / cores
    print(json.dumps({"runtime": f"{label} ({sys.version.split()[0]})", "jobs": jobs, "ms": ms, "cores": cores, "count": count, "wallMs": round(wall, 1), "idealMs": ideal, "overheadPerJobMs": round((wall - ideal) * cores / jobs, 3)}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, float(sys.argv[2]) if len(sys.argv) > 2 else 5, sys.argv[3] if len(sys.argv) > 3 else "process"))
