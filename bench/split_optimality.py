"""How close `split_sell` and `split_buy` come to a numerical optimum.

Run: python bench/split_optimality.py [--cases N] [--seed S]

For a seeded set of random pool sets (2-4 venues, depths over three orders of magnitude, prices
within 2% of each other, fees of 5, 30 or 100 bps, trades from a millionth of the depth to ten
times it), the exact integer output of `split_sell` is compared with the best continuous output
scipy finds (SLSQP from several starts, plus a fine grid when there are two venues); likewise the
integer input of `split_buy` against the least continuous input. A ratio of 1 means optimal; the
goal is to be within 0.1% everywhere.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize, minimize_scalar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexops.planning.amm import Pool  # noqa: E402
from indexops.planning.split import split_buy, split_sell, total_input, total_output  # noqa: E402

GOAL = 1e-3


def random_pools(rng: np.random.Generator) -> list[Pool]:
    price = 10 ** rng.uniform(-3, 3)
    pools = []
    for _ in range(int(rng.integers(2, 5))):
        depth = 10 ** rng.uniform(21, 24)
        skew = 1 + rng.uniform(-0.02, 0.02)
        pools.append(Pool(int(depth), int(depth * price * skew), int(rng.choice([5, 30, 100]))))
    return pools


def _arrays(pools: list[Pool]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([float(p.reserve_in) for p in pools])
    y = np.array([float(p.reserve_out) for p in pools])
    g = np.array([1 - p.fee_bps / 10_000 for p in pools])
    return x, y, g


def _best_on_simplex(objective, starts: list[np.ndarray], bounds: list[tuple[float, float]]) -> float:
    """Least value of `objective` over shares that sum to 1, from several starting points."""
    constraint = {"type": "eq", "fun": lambda w: np.sum(w) - 1.0, "jac": lambda w: np.ones_like(w)}
    best = min(objective(start) for start in starts)
    for start in starts:
        result = minimize(objective, start, method="SLSQP", bounds=bounds, constraints=[constraint], options={"ftol": 1e-16, "maxiter": 500})
        if result.success and abs(np.sum(result.x) - 1) < 1e-9 and all(lo - 1e-12 <= v <= hi + 1e-12 for v, (lo, hi) in zip(result.x, bounds)):
            best = min(best, objective(np.clip(result.x, [b[0] for b in bounds], [b[1] for b in bounds])))
    return best


def _starts(size: int, proportional: np.ndarray) -> list[np.ndarray]:
    # The planner's own split is not a start, so the optimum is found independently of it.
    return [proportional, np.full(size, 1 / size)] + [np.eye(size)[i] for i in range(size)]


def sell_optimum(pools: list[Pool], total: int) -> float:
    x, y, g = _arrays(pools)

    def lost(w: np.ndarray) -> float:  # negative output, in units of the output reserves
        d = total * np.clip(w, 0, None)
        return -float(np.sum(y * g * d / (x + g * d)))

    size = len(pools)
    best = _best_on_simplex(lost, _starts(size, y / y.sum()), [(0.0, 1.0)] * size)
    if size == 2:
        w = np.linspace(0, 1, 20_001)[:, None] * np.array([1.0, -1.0]) + np.array([0.0, 1.0])
        d = total * w
        best = min(best, -float(np.max(np.sum(y * g * d / (x + g * d), axis=1))))
        refined = minimize_scalar(lambda w: lost(np.array([w, 1 - w])), bounds=(0, 1), method="bounded", options={"xatol": 1e-14})
        best = min(best, refined.fun)
    return -best


def buy_optimum(pools: list[Pool], total: int) -> float:
    x, y, g = _arrays(pools)

    def spent(w: np.ndarray) -> float:
        o = np.minimum(total * np.clip(w, 0, None), y * (1 - 1e-12))
        return float(np.sum(x * o / (g * (y - o))))

    size = len(pools)
    bounds = [(0.0, min(1.0, float(p.reserve_out - 1) / total)) for p in pools]
    proportional = y / y.sum()
    starts = [s for s in _starts(size, proportional) if all(v <= hi for v, (_, hi) in zip(s, bounds))]
    return _best_on_simplex(spent, starts or [proportional], bounds)


def proportional_split(pools: list[Pool], total: int) -> list[int]:
    """AMMSplitter's rule, for reference: shares in proportion to each pool's output reserve."""
    weights = [p.reserve_out for p in pools]
    shares = [total * w // sum(weights) for w in weights]
    shares[0] += total - sum(shares)
    return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20_240_601)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    sell_ratios, buy_ratios, proportional_ratios = [], [], []
    for _ in range(args.cases):
        pools = random_pools(rng)
        total_in = max(1, int(sum(p.reserve_in for p in pools) * 10 ** rng.uniform(-6, 1)))
        amounts = split_sell(pools, total_in)
        optimum = sell_optimum(pools, total_in)
        sell_ratios.append(total_output(pools, amounts) / optimum)
        proportional_ratios.append(total_output(pools, proportional_split(pools, total_in)) / optimum)
        total_out = max(1, int(sum(p.reserve_out for p in pools) * 10 ** rng.uniform(-6, np.log10(0.9))))
        outputs = split_buy(pools, total_out)
        buy_ratios.append(buy_optimum(pools, total_out) / total_input(pools, outputs))

    print(f"{args.cases} random pool sets (2-4 venues, fees 5/30/100 bps, seed {args.seed})")
    for name, ratios, meaning in (
        ("split_sell", sell_ratios, "output / optimal output"),
        ("split_buy", buy_ratios, "optimal input / input"),
        ("proportional sell (AMMSplitter rule, reference)", proportional_ratios, "output / optimal output"),
    ):
        print(f"  {name}: {meaning}")
        print(
            f"    worst {min(ratios):.12f} (1 - {1 - min(ratios):.1e})  median {statistics.median(ratios):.12f}  "
            f"within 0.1%: {sum(r >= 1 - GOAL for r in ratios)}/{len(ratios)}  "
            f"above 1 (the optimizer fell short): {sum(r > 1 for r in ratios)}"
        )
    worst = min(min(sell_ratios), min(buy_ratios))
    passed = worst >= 1 - GOAL
    verdict = "PASS" if passed else "FAIL"
    print(f"{verdict}: split_sell and split_buy are at worst {(1 - worst) * 100:.1e}% from the numerical optimum (goal: 0.1%)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
