"""A realistic sample plan (DPI through Index Coop's BaseManager + GIM) and helpers to edit it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

E18 = 10**18


def address(n: int) -> str:
    return to_checksum_address(f"0x{n:040x}" if n < 2**32 else f"0x{n % 2**160:040x}")


SET_TOKEN = to_checksum_address("0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b")
GIM = to_checksum_address("0x0f1e2d3c4b5a69788796a5b4c3d2e1f001122334")
AAVE = to_checksum_address("0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9")
UNI = to_checksum_address("0x1f9840a85d5af5b3d1d8dfcc3de4e9f7c6fed87f")


def call(signature: str, types: list[str], values: list) -> str:
    return "0x" + (function_signature_to_4byte_selector(signature) + encode(types, values)).hex()


def totals(**overrides) -> dict:
    base = {
        "trades": 2,
        "transactions": 3,
        "gas": 650_000,
        "gas_price_wei": 12 * 10**9,
        "eth_usd": 3012.5,
        "notional_usd": 48_210.75,
        "impact_usd": 61.2,
        "fees_usd": 0.0,
        "gas_usd": 23.49,
        "total_cost_usd": 84.69,
        "cost_bps_of_nav": 1.73,
        "duration_seconds": 360,
    }
    return base | overrides


def trade_step(index: int, component: str, token: str, side: str, chunk: int, chunks: int, limit: int, **extra) -> dict:
    step = {
        "index": index,
        "phase": "trade",
        "signer_role": "trader",
        "to": GIM,
        "value": 0,
        "data": call("trade(address,uint256)", ["address", "uint256"], [token, limit]),
        "function": "trade(address,uint256)",
        "args": {"_component": token, "_ethQuantityLimit": limit},
        "description": f"{side} {component} chunk {chunk}/{chunks} on Uniswap V3",
        "component": component,
        "side": side,
        "chunk": chunk,
        "chunks": chunks,
        "limits": {"eth_quantity_limit": limit},
        "expected": {"component_amount": 1_234_567_890_123_456_789_012, "weth_amount": 9_876_543_210_987_654_321},
        "venue": "uniswap-v3",
        "cool_off_after": 180,
        "gas_estimate": 250_000,
    }
    return step | extra


def plan_fields(**overrides) -> dict:
    """Unsealed fields of a three-step plan: GIM setup, then two chunks of one AAVE sell."""
    components = [AAVE, UNI]
    setup_args = {
        "_components": components,
        "_targetUnits": [2 * E18, 35 * E18],
        "_positionMultiplier": 10**18,
    }
    fields = {
        "schema_version": 1,
        "product": "dpi",
        "network": "mainnet",
        "chain_id": 1,
        "snapshot": {
            "block_number": 19_876_543,
            "block_hash": "0x" + "ab" * 32,
            "timestamp": 1_714_564_800,
        },
        "created_at": "2024-05-01T12:00:00Z",
        "route": "base-manager",
        "set_token": SET_TOKEN,
        "targets": [
            {
                "symbol": "AAVE",
                "address": AAVE,
                "decimals": 18,
                "current_unit": 2_500_000_000_000_000_000,
                "target_unit": 2 * E18,
                "current_weight": 0.1234,
                "target_weight": 0.1,
            },
            {
                "symbol": "UNI",
                "address": UNI,
                "decimals": 18,
                "current_unit": 30 * E18,
                "target_unit": 35 * E18,
                "current_weight": 0.2,
                "target_weight": 0.22,
            },
        ],
        "state_digest": "0x" + "5d" * 32,
        "steps": [
            {
                "index": 0,
                "phase": "setup",
                "signer_role": "operator",
                "to": GIM,
                "data": call(
                    "startRebalance(address[],uint256[],uint256)",
                    ["address[]", "uint256[]", "uint256"],
                    [components, setup_args["_targetUnits"], 10**18],
                ),
                "function": "startRebalance(address[],uint256[],uint256)",
                "args": setup_args,
                "description": "start the GIM rebalance towards the new AAVE and UNI units",
                "limits": {},
                "expected": {},
                "gas_estimate": 150_000,
            },
            trade_step(1, "AAVE", AAVE, "sell", 1, 2, 7 * 10**17),
            trade_step(2, "AAVE", AAVE, "sell", 2, 2, 7 * 10**17, cool_off_after=0),
        ],
        "totals": totals(),
        "baseline": totals(trades=2, transactions=2, impact_usd=180.0, total_cost_usd=203.49, cost_bps_of_nav=4.07),
        "skipped": [
            {
                "symbol": "UNI",
                "side": "buy",
                "quantity": 5 * E18,
                "notional_usd": 38.5,
                "reason": "below the dust threshold",
            }
        ],
    }
    fields.update(overrides)
    return fields


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def write_json(path: Path, document) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


@pytest.fixture(scope="session")
def samples():
    return SimpleNamespace(
        plan_fields=plan_fields,
        trade_step=trade_step,
        totals=totals,
        call=call,
        address=address,
        read_json=read_json,
        write_json=write_json,
        SET_TOKEN=SET_TOKEN,
        GIM=GIM,
        AAVE=AAVE,
        UNI=UNI,
    )
