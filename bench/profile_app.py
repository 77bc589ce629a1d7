"""A flame graph of the app's worker under one bench_api scenario.

    uv run python bench/profile_app.py SCENARIO [--seconds 10] [--rate 200] [--connections 32]

SCENARIO is one of health, profile, reviews, me, bookings, search (with a
period), search-cached, quote, booking. Loads `tailtribe_bench` as
bench_api.py does (with --large-data: `tailtribe_bench_large`'s 10,000
caregivers), serves the app the same way (granian, one worker), warms it up
with the scenario's wrk script, then drives it again with wrk while py-spy
samples the worker process `--rate` times a second, and writes
`bench/profiles/<scenario>.svg`. py-spy comes with the dev dependencies (`uv sync`,
or `uv pip install py-spy`); it attaches to the worker by pid, which needs
ptrace rights (root, or kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import (
    COMMON_LUA,
    DB,
    LARGE_DB,
    ROOT,
    first_booking_hour,
    login,
    prepare,
    scenarios,
    start_app,
    stop,
    worker_pids,
)

KEYS = ["health", "profile", "reviews", "me", "bookings", "search", "search-cached"]
KEYS += ["quote", "booking"]


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.access(found, os.X_OK):
        raise SystemExit("py-spy is not installed: uv pip install py-spy")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=KEYS)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--caregivers", type=int, default=1000)
    parser.add_argument(
        "--large-data", action="store_true", help="10,000 caregivers (tailtribe_bench_large)"
    )
    parser.add_argument("--output", type=Path, help="default: bench/profiles/<scenario>.svg")
    parser.add_argument(
        "--raw", action="store_true", help="collapsed stacks (.txt) instead of an SVG, for scripts"
    )
    args = parser.parse_args()
    spy = py_spy()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    suffix = "txt" if args.raw else "svg"
    output = args.output or ROOT / "bench" / "profiles" / f"{args.scenario}.{suffix}"
    output.parent.mkdir(parents=True, exist_ok=True)

    database, count = (LARGE_DB, 10_000) if args.large_data else (DB, args.caregivers)
    print(f"loading {count} caregivers into {database} ...", flush=True)
    seed = asyncio.run(prepare(count, database=database, history=True))
    with tempfile.TemporaryDirectory(prefix="tailtribe-profile-") as tmp:
        app, base = start_app(database, tmp)
        try:
            token = login(base, seed.owner_email)
            scenario = next(
                s for s in scenarios(seed, token, first_booking_hour()) if s.key == args.scenario
            )
            offset = 0

            def wrk(seconds: int) -> None:
                nonlocal offset
                script = Path(tmp) / f"run{offset}.lua"
                script.write_text(
                    COMMON_LUA.replace("__SEED__", str(offset + 1))
                    + f"OFFSET = {offset}\nNTHREADS = 1\n"
                    + scenario.script
                )
                command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s"]
                done = subprocess.run(
                    [*command, "-s", str(script), base + "/"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH "))
                print(f"  wrk {seconds} s: {line[6:]}", flush=True)
                # Booking creation must not ask for a slot it took before.
                offset += 1_000_000

            wrk(2)  # warm up
            workers = worker_pids(app)
            spy_command = [spy, "record", "-r", str(args.rate), "-d", str(args.seconds + 1)]
            spy_command += ["-o", str(output), "--nonblocking"]
            if args.raw:
                spy_command += ["--format", "raw"]
            if len(workers) == 1:
                spy_command += ["-p", str(workers[0])]
            else:
                spy_command += ["--subprocesses", "-p", str(app.pid)]
            recorder = subprocess.Popen(spy_command, stdout=subprocess.DEVNULL)
            time.sleep(0.5)  # attached before the load starts
            wrk(args.seconds)
            if recorder.wait(timeout=args.seconds + 60) != 0:
                raise SystemExit("py-spy failed (it needs ptrace rights on the worker)")
        finally:
            stop(app)
    print(f"profile written to {output}")


if __name__ == "__main__":
    main()
