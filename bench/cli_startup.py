"""How long `indexops --help` takes from a cold interpreter, against `python -c pass` in the same run.

Target: under 0.5 s. web3 must not be imported to print help.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def wall(command: list[str]) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    baseline = wall([sys.executable, "-c", "pass"])
    help_time = wall([sys.executable, "-m", "indexops", "--help"])
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, indexops.cli.app; print('web3' in sys.modules)"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    print(f"python -c pass        : {baseline * 1000:7.1f} ms (baseline)")
    print(f"indexops --help       : {help_time * 1000:7.1f} ms  ({help_time / baseline:.1f}x baseline)")
    print(f"web3 imported by help : {loaded}")
    verdict = "OK" if help_time < 0.5 and loaded == "False" else "OVER TARGET"
    print(f"target < 500 ms       : {verdict}")


if __name__ == "__main__":
    main()
