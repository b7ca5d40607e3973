"""Wall time of `indexops sandbox up` with everything (index products, Safe, Uniswap V3, the self-service
stack, Compound v2 and the two FLI leverage tokens engaged at target) against the index-only deploy,
measured in the same run. Target: everything under 30 s.

Each run starts a fresh anvil in its own INDEXOPS_HOME (the npm toolchain is shared). The in-process
figures time `service.up` (anvil start + deploy), alternating the two kinds; the last line times the
real command, `indexops sandbox up --json`, from a cold interpreter.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from indexops.sandbox.toolchain import install_toolchain, toolchain_dir

os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())  # share the installed toolchain

from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import _free_port  # noqa: E402

RUNS = 3
TARGET_SECONDS = 30


def timed_up(leverage: bool) -> float:
    os.environ["INDEXOPS_HOME"] = tempfile.mkdtemp(prefix="indexops-bench-up-")
    started = time.perf_counter()
    service.up(port=_free_port(), toolchain=install_toolchain(), leverage=leverage)
    seconds = time.perf_counter() - started
    service.down()
    return seconds


def timed_command() -> float:
    env = {**os.environ, "INDEXOPS_HOME": tempfile.mkdtemp(prefix="indexops-bench-cli-")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "indexops", "sandbox", "up", "--json", "--port", str(_free_port())],
                   check=True, capture_output=True, env=env)
    seconds = time.perf_counter() - started
    subprocess.run([sys.executable, "-m", "indexops", "sandbox", "down"], check=True, capture_output=True, env=env)
    return seconds


def main() -> None:
    install_toolchain()
    timed_up(leverage=False)  # warm the stand-in build and the OS caches before measuring
    index_only, everything = [], []
    for _ in range(RUNS):
        index_only.append(timed_up(leverage=False))
        everything.append(timed_up(leverage=True))
    index_s, full_s = statistics.median(index_only), statistics.median(everything)
    command_s = timed_command()
    print(f"sandbox up, index products only : {index_s:6.2f} s (median of {RUNS}, baseline)")
    print(f"sandbox up, everything          : {full_s:6.2f} s (median of {RUNS}, {full_s / index_s:.2f}x baseline)")
    print(f"indexops sandbox up (command)   : {command_s:6.2f} s (everything, cold interpreter)")
    verdict = "OK" if max(full_s, command_s) < TARGET_SECONDS else "OVER TARGET"
    print(f"target < {TARGET_SECONDS} s for everything  : {verdict}")


if __name__ == "__main__":
    main()
