"""JSON-RPC round trips and wall time of a status snapshot for 10 and 50 components, in one run.

Round trips must be the same for both sizes (reads are batched); the ratio of wall times is printed.
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

# share the installed toolchain, but keep this run's sandbox apart from the user's
os.environ["INDEXOPS_TOOLCHAIN_DIR"] = str(toolchain_dir())
os.environ["INDEXOPS_HOME"] = tempfile.mkdtemp(prefix="indexops-bench-")

from synthetic import deploy_synthetic_index, products_file_with  # noqa: E402

from indexops.chain.connection import connect  # noqa: E402
from indexops.chain.reader import read_snapshot  # noqa: E402
from indexops.config.loader import load_config  # noqa: E402
from indexops.config.selection import choose_product  # noqa: E402
from indexops.sandbox import service  # noqa: E402
from indexops.sandbox.anvil import _free_port  # noqa: E402
from indexops.sandbox.artifacts import ArtifactStore  # noqa: E402
from indexops.sandbox.toolchain import install_toolchain  # noqa: E402

SIZES = (10, 50)
REPEATS = 5


def main() -> None:
    toolchain = install_toolchain()
    up = service.up(port=_free_port(), toolchain=toolchain)
    try:
        w3 = connect(up.running.rpc_url).w3
        products = {f"syn{n}": deploy_synthetic_index(w3, ArtifactStore(toolchain), up.deployment, n) for n in SIZES}
        config = load_config(products_file_with(products, up.deployment, Path(os.environ["INDEXOPS_HOME"]) / "products.toml"))
        results = {}
        for n in SIZES:
            target = choose_product(config, f"syn{n}", "sandbox")
            timings, trips = [], set()
            for _ in range(REPEATS):
                connection = connect(up.running.rpc_url, 31337)
                started = time.perf_counter()
                snapshot = read_snapshot(connection, target)
                timings.append(time.perf_counter() - started)
                trips.add(connection.round_trips - 1)  # the chain-id check happens at connect
                assert len(snapshot.components) == n + 1
            results[n] = (statistics.median(timings), trips)
        for n, (seconds, trips) in results.items():
            print(f"{n:3d} components: round trips {sorted(trips)}, median wall {seconds * 1000:6.1f} ms")
        (small, small_trips), (large, large_trips) = results[SIZES[0]], results[SIZES[1]]
        print(f"round trips 50/10: {max(large_trips) / max(small_trips):.2f}x  (goal: 1.00x)")
        print(f"wall time   50/10: {large / small:.2f}x")
    finally:
        service.down()


if __name__ == "__main__":
    main()
