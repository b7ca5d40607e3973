"""Wall time and JSON-RPC round trips of planning a rebalance of 10 and of 50 components on the sandbox.

Round trips must not grow with the number of components; the wall-time ratio is printed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indexops.sandbox.toolchain import toolchain_dir  # noqa: E402

os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())
os.environ["INDEXOPS_HOME"] = tempfile.mkdtemp(prefix="indexops-bench-")

from synthetic import deploy_synthetic_index, products_file_with  # noqa: E402

from indexops.chain.connection import connect  # noqa: E402
from indexops.config.loader import load_config  # noqa: E402
from indexops.config.selection import choose_product  # noqa: E402
from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import _free_port  # noqa: E402
from indexops.sandbox.artifacts import ArtifactStore  # noqa: E402
from indexops.sandbox.toolchain import install_toolchain  # noqa: E402
from indexops.workflows.plan import make_plan  # noqa: E402

SIZES = (10, 50)
REPEATS = 5


def main() -> None:
    toolchain = install_toolchain()
    up = service.up(port=_free_port(), toolchain=toolchain)
    home = Path(os.environ["INDEXOPS_HOME"])
    try:
        w3 = connect(up.running.rpc_url).w3
        products = {f"syn{n}": deploy_synthetic_index(w3, ArtifactStore(toolchain), up.deployment, n) for n in SIZES}
        config = load_config(products_file_with(products, up.deployment, home / "products.toml"))
        results = {}
        for n in SIZES:
            target = choose_product(config, f"syn{n}", "sandbox")
            timings, trips, steps = [], set(), 0
            for attempt in range(REPEATS):
                connection = connect(up.running.rpc_url, 31337)
                started = time.perf_counter()
                result = make_plan(connection, target, targets=None, gas_price_gwei=30, out=home / f"syn{n}-{attempt}.json", data_dir=home)
                timings.append(time.perf_counter() - started)
                trips.add(connection.round_trips - 1)  # the chain-id check happens at connect
                steps = len(result.plan.steps)
            results[n] = (statistics.median(timings), trips, steps)
        for n, (seconds, trips, steps) in results.items():
            print(f"{n:3d} components: {steps:4d} steps, round trips {sorted(trips)}, median wall {seconds * 1000:7.1f} ms")
        (small, small_trips, _), (large, large_trips, _) = results[SIZES[0]], results[SIZES[1]]
        print(f"round trips 50/10: {max(large_trips) / max(small_trips):.2f}x  (goal: 1.00x)")
        print(f"wall time   50/10: {large / small:.2f}x")
    finally:
        service.down()


if __name__ == "__main__":
    main()
