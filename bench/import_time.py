"""`python -c "import smsc"` against a bare interpreter start: median of 20 runs each.

Also checks that nothing from jinja2, yaml or hypothesis is imported at run time. Bytecode is
cached as in any installed package (PYTHONDONTWRITEBYTECODE is dropped and a first run warms it).
Run: .venv/bin/python bench/import_time.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_run(code: str, runs: int = 20) -> float:
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV)  # warm the bytecode cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    bare = median_run("pass")
    with_smsc = median_run("import smsc")
    with_client = median_run("import smsc; smsc.Client")
    leaked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import smsc, sys; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('jinja2', 'yaml', 'hypothesis', 'aiohttp', 'cattrs')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"bench/import_time.py: median of 20 runs, {os.cpu_count()} CPUs")
    print(f"python -c pass          {bare * 1000:7.1f} ms")
    print(f"python -c 'import smsc' {with_smsc * 1000:7.1f} ms  (+{(with_smsc - bare) * 1000:.1f} ms, goal <= 30 ms)")
    print(f"python -c 'import smsc; smsc.Client' {with_client * 1000:7.1f} ms  (+{(with_client - bare) * 1000:.1f} ms)")
    print(f"heavy modules imported by smsc: {leaked}")


if __name__ == "__main__":
    main()
