"""The stand-in's compiled interface equals the hand-written published ABI indexops ships."""

from __future__ import annotations

import json

import pytest
from eth_utils import keccak

from indexops.chain.abis import ABI_DIR, load_abi

pytestmark = pytest.mark.chain

PUBLISHED = sorted(path.stem for path in (ABI_DIR / "delegated").glob("*.json"))

# Selectors observed on the real deployments (set-protocol.md)
REFERENCE_SELECTORS = [
    ("TradeExtension", "trade", "0x0a5cb529"),
    ("BatchTradeExtension", "batchTrade", "0x643654d5"),
    ("ClaimExtension", "claimAndAbsorb", "0xb1f81309"),
    ("StreamingFeeSplitExtension", "accrueFeesAndDistribute", "0xb969b4bf"),
    ("DelegatedManagerFactory", "initialize", "0xad823822"),
    ("DelegatedManagerFactory", "createSetAndManager", "0x47175878"),
    ("ManagerCore", "initialize", "0x73cf25f8"),
]


def _canonical(param: dict) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + kind[len("tuple"):]
    return kind


def _signature(entry: dict) -> str:
    return f"{entry['name']}({','.join(_canonical(p) for p in entry['inputs'])})"


def _selector(entry: dict) -> str:
    digest = keccak(text=_signature(entry))
    return "0x" + (digest[:4] if entry["type"] == "function" else digest).hex()


def _shape(param: dict) -> dict:
    """What must agree: name, canonical type, indexed flag, struct component names."""
    shape = {"name": param["name"], "type": _canonical(param)}
    if "indexed" in param:
        shape["indexed"] = param["indexed"]
    if "components" in param:
        shape["components"] = [_shape(c) for c in param["components"]]
    return shape


def _by_selector(abi) -> dict[str, dict]:
    return {_selector(e): e for e in abi if e["type"] in ("function", "event")}


def test_every_contract_has_a_published_abi():
    assert PUBLISHED == sorted(
        [
            "BatchTradeExtension",
            "ClaimExtension",
            "DelegatedManager",
            "DelegatedManagerFactory",
            "IssuanceExtension",
            "ManagerCore",
            "StreamingFeeSplitExtension",
            "TradeExtension",
            "WrapExtension",
        ]
    )


@pytest.mark.parametrize("contract,function,selector", REFERENCE_SELECTORS)
def test_published_abi_has_the_reference_selectors(contract, function, selector):
    selectors = {_selector(e) for e in load_abi(f"delegated/{contract}") if e["type"] == "function" and e["name"] == function}
    assert selector in selectors


@pytest.mark.parametrize("contract", PUBLISHED)
def test_compiled_standin_matches_the_published_abi(contract, standin_contracts):
    published = _by_selector(json.loads((ABI_DIR / "delegated" / f"{contract}.json").read_text()))
    compiled = _by_selector(standin_contracts[contract]["abi"])

    assert sorted(_signature(e) for e in published.values()) == sorted(_signature(e) for e in compiled.values())
    for selector, entry in published.items():
        other = compiled[selector]
        assert [_shape(p) for p in entry["inputs"]] == [_shape(p) for p in other["inputs"]], entry["name"]
        if entry["type"] == "function":
            assert [_shape(p) for p in entry["outputs"]] == [_shape(p) for p in other["outputs"]], entry["name"]
            assert entry["stateMutability"] == other["stateMutability"], entry["name"]


def test_trade_failure_events_match_the_reference():
    events = {e["name"]: e for e in load_abi("delegated/BatchTradeExtension") if e["type"] == "event"}
    trade_info = "(string,address,uint256,address,uint256,bytes)"
    assert _signature(events["StringTradeFailed"]) == f"StringTradeFailed(address,uint256,string,{trade_info})"
    assert _signature(events["BytesTradeFailed"]) == f"BytesTradeFailed(address,uint256,bytes,{trade_info})"
    for name in ("StringTradeFailed", "BytesTradeFailed"):
        assert [p["indexed"] for p in events[name]["inputs"]] == [True, True, False, False]
        assert [c["name"] for c in events[name]["inputs"][3]["components"]] == [
            "exchangeName", "sendToken", "sendQuantity", "receiveToken", "receiveQuantity", "data",
        ]
    fees = next(e for e in load_abi("delegated/StreamingFeeSplitExtension") if e.get("name") == "FeesDistributed")
    assert _signature(fees) == "FeesDistributed(address,address,address,uint256,uint256)"
    assert [p["indexed"] for p in fees["inputs"]] == [False, True, True, False, False]
