"""A leverage token whose operator is a Safe: its settings go out as a Safe batch, its disengage as one SafeTx per
chunk executed one at a time, and `indexops execute` journals them once their effect is on chain."""

from __future__ import annotations

import json

import pytest

from indexops.chain.abis import contract
from indexops.plans import load_plan
from indexops.sandbox.market import leverage_price_restorer
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

PRECISE = 10**18
FLI = "eth2x-fli"


def mined(w3, tx_hash) -> None:
    """Wait for the transaction's receipt (anvil answers eth_sendTransaction before its block is readable)."""
    assert w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01).status == 1


@pytest.fixture
def safe_operated(w3, book, real, tmp_path):
    """eth2x-fli's BaseManager operated by the sandbox's 2-of-3 Safe, and a products file that says so."""
    safe = book["safe"]["safe"]
    manager = real("BaseManager", book["leverage"]["products"][FLI]["base_manager"])
    mined(w3, manager.functions.setOperator(safe).transact({"from": book["accounts"]["operator"]}))
    text = SHIPPED_PRODUCTS.read_text()
    section = text.index("[products.eth2x-fli.deployments.sandbox]")
    operator = text.index("operator = ", section)
    end = text.index("\n", operator)
    config = tmp_path / "products.toml"
    config.write_text(text[:operator] + f'operator = "{safe}"\noperator_is_safe = true' + text[end:])
    return config


def sign_and_exec(cli, config, sidecar, *, next_only=False):
    for owner in ("4", "5"):
        signed = cli("safe", "sign", sidecar, "--account", owner, "--config", config)
        assert signed.code == 0, signed.err
    executed = cli(
        "safe", "exec", sidecar, "--account", "4", "--yes", "--config", config, *(["--next"] if next_only else [])
    )
    assert executed.code == 0, executed.err


def test_settings_of_a_safe_operated_strategy_are_exported_as_one_batch(
    cli, sandbox, w3, book, real, tmp_path, safe_operated
):
    fli = real("FlexibleLeverageStrategyExtension", book["leverage"]["products"][FLI]["strategy"])
    safe = book["safe"]["safe"]
    result = cli(
        "lever",
        "settings",
        FLI,
        "--config",
        safe_operated,
        "--set",
        "max=2.8",
        "--set",
        "ripcord=3",
        "--out",
        tmp_path / "settings.json",
        "--json",
    )
    assert result.code == 0, result.err
    document = result.json()
    assert document["operator"] == safe and document["calls"] == ["setIncentiveSettings", "setMethodologySettings"]
    assert len(document["safe"]["batches"]) == 1  # both calls in one SafeTx, through MultiSendCallOnly
    batch = json.loads(open(document["safe"]["batches"][0]).read())
    assert [t["contractMethod"]["name"] for t in batch["transactions"]] == [
        "setIncentiveSettings",
        "setMethodologySettings",
    ]
    assert fli.functions.getMethodology().call()[2] == 23 * PRECISE // 10  # nothing sent yet

    sign_and_exec(cli, safe_operated, document["safe"]["sidecar"])
    assert fli.functions.getMethodology().call()[2] == 28 * PRECISE // 10
    assert fli.functions.getIncentive().call()[1] == 3 * PRECISE
    journaled = cli(
        "execute",
        tmp_path / "settings.json",
        "--config",
        safe_operated,
        "--journal",
        tmp_path / "j.sqlite3",
        "--yes",
        "--safe-file",
        document["safe"]["sidecar"],
        "--json",
    )
    assert journaled.code == 0, journaled.err
    events = [json.loads(line)["event"] for line in journaled.out.splitlines()]
    assert events == ["external", "external", "done"]


def test_a_safe_disengages_chunk_by_chunk(cli, sandbox, w3, book, real, tmp_path, safe_operated):
    fli = real("FlexibleLeverageStrategyExtension", book["leverage"]["products"][FLI]["strategy"])
    start = w3.eth.block_number + 1
    out = tmp_path / "disengage.json"
    planned = cli("lever", "disengage", FLI, "--config", safe_operated, "--out", out)
    assert planned.code == 0, planned.err
    plan = load_plan(out)
    chunks = len(plan.steps)
    assert chunks > 1 and {s.signer_role for s in plan.steps} == {"operator"}

    journal = tmp_path / "j.sqlite3"
    base = ("execute", out, "--config", safe_operated, "--journal", journal, "--yes")
    atomic = cli(*base, "--safe", "--multisend")
    assert atomic.code == 2 and "chunks that wait for the TWAP cool-off between them" in atomic.err
    exported = cli(*base, "--safe", "--out", tmp_path / "safe", "--json")
    assert exported.code == 0, exported.err
    files = exported.json()
    assert len(files["batches"]) == chunks and files["nonces"] == list(
        range(files["nonces"][0], files["nonces"][0] + chunks)
    )
    early = cli(*base)
    assert early.code == 2 and "leaves no trace in the strategy's storage: give the transaction" in early.err

    market = leverage_price_restorer(w3, book, plan)
    for owner in ("4", "5"):
        assert cli("safe", "sign", files["sidecar"], "--account", owner, "--config", safe_operated).code == 0
    for _ in range(chunks):  # one chunk at a time, the pools given the cool-off to recover
        executed = cli("safe", "exec", files["sidecar"], "--account", "4", "--yes", "--next", "--config", safe_operated)
        assert executed.code == 0, executed.err
        market()
        w3.provider.make_request("evm_increaseTime", [plan.steps[0].cool_off_after])
        w3.provider.make_request("evm_mine", [])
    names = [log["event"] for log in fli.events.Disengaged().get_logs(from_block=start)]
    assert len(names) == chunks  # the plan's predicted chunk count
    borrow = contract(w3, "compound/CErc20", book["leverage"]["products"][FLI]["borrow_ctoken"])
    assert borrow.functions.borrowBalanceStored(book["leverage"]["products"][FLI]["set_token"]).call() == 0

    unproven = cli(*base, "--safe-tx", "0x" + "00" * 32)  # a hash that executed nothing: the chain moved by itself
    assert unproven.code == 2 and unproven.err.startswith("error: the chain moved since the plan was made")
    journaled = cli(*base, "--safe-file", files["sidecar"], "--json")
    assert journaled.code == 0, journaled.err
    assert [json.loads(line)["event"] for line in journaled.out.splitlines()] == ["external"] * chunks + ["done"]
