"""`indexops claim-comp` on the sandbox's real ClaimModule, AirdropModule and Comptroller: the preview is the claim
to the wei, a dry run and a claim below the minimum send nothing, `--absorb` makes COMP a position that issuance
then requires (sent by the operator, or exported for its Safe), and every refusal is one line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from indexops.chain.abis import contract
from indexops.chain.leverage_reader import COMP
from tests.chain.rpc_proxy import FaultyRpcProxy
from tests.paths import SHIPPED_PRODUCTS
from tests.workflows import test_lever_safe
from tests.workflows.test_lever_safe import sign_and_exec

FLI = "eth2x-fli"
PRECISE = 10**18
safe_operated = test_lever_safe.safe_operated  # the fixture: eth2x-fli's BaseManager operated by the sandbox's Safe


def claim(cli, tmp_path, *args, config=SHIPPED_PRODUCTS):
    return cli("claim-comp", *args, "--config", config, "--journal", tmp_path / "journal.sqlite3")


def claimed(cli, tmp_path, *args, config=SHIPPED_PRODUCTS) -> list[dict]:
    result = claim(cli, tmp_path, *args, "--yes", "--json", config=config)
    assert result.code == 0, result.err
    return result.json()


def refused(result, *says: str) -> str:
    assert result.code == 2 and result.out == "", (result.code, result.out, result.err)
    assert result.err.count("\n") == 1 and result.err.startswith("error: "), result.err
    assert all(part in result.err for part in says), result.err
    return result.err


def mine(w3, blocks: int) -> None:
    w3.provider.make_request("anvil_mine", [hex(blocks)])  # COMP accrues per block


def comp_of(w3, book, product=FLI) -> int:
    return contract(w3, "ERC20", COMP).functions.balanceOf(book["leverage"]["products"][product]["set_token"]).call()


def nonces(w3) -> list[int]:
    return [w3.eth.get_transaction_count(account) for account in w3.eth.accounts]


def as_manager(w3, book, call, product=FLI) -> None:
    """Send `call` from the SetToken's BaseManager (a contract: only anvil's impersonation can)."""
    manager = book["leverage"]["products"][product]["base_manager"]
    w3.provider.make_request("anvil_impersonateAccount", [manager])
    w3.provider.make_request("anvil_setBalance", [manager, hex(PRECISE)])
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": manager}))
    w3.provider.make_request("anvil_stopImpersonatingAccount", [manager])
    assert receipt.status == 1


@pytest.mark.chain
def test_a_dry_run_previews_then_the_claim_in_the_next_block_leaves_exactly_the_preview(
    cli, sandbox, w3, book, real, tmp_path
):
    mine(w3, 20)
    before = nonces(w3)
    dry = claim(cli, tmp_path, FLI, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    (preview,) = dry.json()
    assert nonces(w3) == before and comp_of(w3, book) == 0  # nothing sent
    assert not (tmp_path / "journal.sqlite3").exists()
    assert preview["claim_block"] == w3.eth.block_number + 1 and preview["comp_claimable_wei"] > 0
    assert preview["comp_held_after_wei"] == preview["comp_held_wei"] + preview["comp_claimable_wei"]
    assert preview["value_usd"] > preview["gas_cost_usd"] > 0 and preview["meets_minimum"]
    assert preview["net_usd"] == pytest.approx(preview["value_usd"] - preview["gas_cost_usd"])
    assert preview["net_weth"] == pytest.approx(preview["value_weth"] - preview["gas_cost_eth"])
    assert preview["gas"] > 200_000 and preview["base_fee_wei"] > 0 and preview["priority_fee_wei"] > 0

    (done,) = claimed(cli, tmp_path, FLI)
    assert done["comp_claimable_wei"] == preview["comp_claimable_wei"]  # the same next block, previewed again
    assert done["claim"]["block_number"] == preview["claim_block"] and done["claim"]["in_previewed_block"]
    assert comp_of(w3, book) == preview["comp_held_after_wei"] == done["claim"]["held_wei"]  # to the wei
    assert done["claim"]["claimed_wei"] == preview["comp_claimable_wei"]
    assert done["absorb"] is None
    components = real("SetToken", preview["set_token"]).functions.getComponents().call()
    assert COMP not in components  # a balance, not a position


@pytest.mark.chain
def test_the_human_preview_and_the_choices_after_the_claim(cli, sandbox, w3, tmp_path):
    mine(w3, 20)
    dry = claim(cli, tmp_path, FLI, "--dry-run")
    assert dry.code == 0 and "dry run: nothing is sent" in dry.out and "claim" in dry.out
    assert "priced at the pools of the network's COMP token" in dry.err  # the sandbox's stand-in for COMP
    done = claim(cli, tmp_path, FLI, "--yes")
    assert done.code == 0, done.err
    assert "as previewed to the wei" in done.out
    assert "not a position" in done.out and f"indexops claim-comp {FLI} --absorb" in done.out
    assert "leave it for the manager" in done.out


@pytest.mark.chain
def test_below_the_minimum_it_stops_with_exit_1_and_force_claims(cli, sandbox, w3, book, real, tmp_path):
    mine(w3, 2)  # a few dollars of COMP, under the $50 minimum
    before = nonces(w3)
    result = claim(cli, tmp_path, FLI, "--yes", "--json")
    assert result.code == 1 and nonces(w3) == before and comp_of(w3, book) == 0
    (preview,) = result.json()
    assert not preview["meets_minimum"] and preview["net_usd"] < preview["min_net_usd"] == 50
    assert result.err.count("\n") == 1 and "below the minimum of $50.00" in result.err
    assert "products.eth2x-fli.rewards.min_net_usd): nothing was sent; --force claims anyway" in result.err

    (forced,) = claimed(cli, tmp_path, FLI, "--force")
    assert comp_of(w3, book) == forced["comp_held_after_wei"] == preview["comp_held_after_wei"] > 0


def test_the_minimum_is_the_products_and_defaults_when_absent(cli, sandbox, w3, tmp_path):
    text = SHIPPED_PRODUCTS.read_text()
    lower = tmp_path / "lower.toml"
    lower.write_text(
        text.replace("[products.eth2x-fli.rewards]\nmin_net_usd = 50", "[products.eth2x-fli.rewards]\nmin_net_usd = 1")
    )
    absent = tmp_path / "absent.toml"
    absent.write_text(text.replace("[products.eth2x-fli.rewards]\nmin_net_usd = 50\n", ""))
    mine(w3, 2)
    (low,) = claim(cli, tmp_path, FLI, "--dry-run", "--json", config=lower).json()
    assert low["min_net_usd"] == 1 and low["meets_minimum"]
    (default,) = claim(cli, tmp_path, FLI, "--dry-run", "--json", config=absent).json()
    assert default["min_net_usd"] == 50 and not default["meets_minimum"]
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace("[products.eth2x-fli.rewards]\nmin_net_usd = 50", "[products.eth2x-fli.rewards]\nmin_net = 5")
    )
    assert claim(cli, tmp_path, FLI, "--dry-run", config=bad).code == 2


@pytest.mark.chain
def test_absorb_makes_comp_a_position_that_issuance_requires(cli, sandbox, w3, book, real, tmp_path):
    mine(w3, 20)
    (done,) = claimed(cli, tmp_path, FLI, "--absorb")
    set_token = real("SetToken", done["set_token"])
    assert COMP in set_token.functions.getComponents().call()
    unit = set_token.functions.getDefaultPositionRealUnit(COMP).call()
    supply = set_token.functions.totalSupply().call()
    assert unit == done["absorb"]["unit"] > 0
    assert unit == done["claim"]["held_wei"] * PRECISE // supply  # every COMP held, spread over the supply
    issuance = real("DebtIssuanceModule", book["leverage"]["modules"]["debt_issuance"])
    components, equity, _debt = issuance.functions.getRequiredComponentIssuanceUnits(done["set_token"], PRECISE).call()
    assert COMP in components and equity[components.index(COMP)] >= unit  # issuing one set now takes COMP
    mine(w3, 20)
    (again,) = claim(cli, tmp_path, FLI, "--dry-run", "--json").json()
    assert again["comp_is_position"] and again["value_usd"] > 0  # still valued, now that COMP is a component


@pytest.mark.chain
def test_all_claims_every_leverage_product_with_a_claim_module(cli, sandbox, w3, book, real, tmp_path):
    mine(w3, 40)
    dry = claim(cli, tmp_path, "--all", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert [p["product_key"] for p in dry.json()] == ["eth2x-fli", "btc2x-fli"]
    done = claimed(cli, tmp_path, "--all", "--force")
    for product, claim_done in zip(("eth2x-fli", "btc2x-fli"), done, strict=True):
        assert comp_of(w3, book, product) == claim_done["claim"]["held_wei"] > 0
    assert done[0]["claim"]["in_previewed_block"]  # the first lands in the block it was previewed in


@pytest.mark.chain
def test_a_safe_operator_gets_the_absorb_as_a_batch_and_executing_it_makes_comp_a_position(
    cli, sandbox, w3, book, real, tmp_path, safe_operated
):
    mine(w3, 20)
    (done,) = claimed(cli, tmp_path, FLI, "--absorb", config=safe_operated)
    assert done["claim"]["held_wei"] == comp_of(w3, book)  # the claim went out from account 1: anyone may claim
    exported = done["absorb"]
    assert exported["safe"] == book["safe"]["safe"] and exported["tx_hash"] is None and len(exported["batches"]) == 1
    batch = json.loads(open(exported["batches"][0]).read())
    (call,) = batch["transactions"]
    assert call["to"] == book["leverage"]["modules"]["airdrop"] and call["contractMethod"]["name"] == "absorb"
    set_token = real("SetToken", done["set_token"])
    assert COMP not in set_token.functions.getComponents().call()  # nothing sent for the absorb
    sign_and_exec(cli, safe_operated, exported["sidecar"])
    assert COMP in set_token.functions.getComponents().call()


@pytest.mark.chain
@pytest.mark.parametrize("killed_at", ["signed", "sent"])
def test_a_claim_left_in_flight_by_a_killed_run_is_followed_not_sent_again(
    cli, sandbox, w3, book, real, tmp_path, killed_at
):
    mine(w3, 20)
    start, operator = w3.eth.block_number + 1, book["accounts"]["operator"]
    nonce = w3.eth.get_transaction_count(operator)
    command = [sys.executable, "-m", "indexops", "claim-comp", FLI, "--yes", "--json", "--config", SHIPPED_PRODUCTS]
    command += ["--journal", str(tmp_path / "journal.sqlite3")]
    env = {k: v for k, v in os.environ.items() if k != "INDEXOPS_FAULT"}
    killed = subprocess.run(command, env={**env, "INDEXOPS_FAULT": killed_at}, capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert w3.eth.get_transaction_count(operator, "pending") == nonce + (killed_at == "sent")  # broadcast or not
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    (done,) = json.loads(finished.stdout)
    assert done["claim"]["resumed"] and w3.eth.get_transaction_count(operator) == nonce + 1
    module = real("ClaimModule", book["leverage"]["modules"]["claim"])
    (event,) = module.events.RewardClaimed().get_logs(from_block=start)  # one claim, however many runs
    assert event["args"]["_amount"] == done["claim"]["claimed_wei"] == comp_of(w3, book) > 0


# ---- refusals: one line, exit 2, nothing sent ----


@pytest.mark.chain
def test_a_claim_only_the_manager_may_make_is_refused(cli, sandbox, w3, book, real, tmp_path):
    product = book["leverage"]["products"][FLI]
    module = real("ClaimModule", book["leverage"]["modules"]["claim"])
    as_manager(w3, book, module.functions.updateAnyoneClaim(product["set_token"], False))
    mine(w3, 20)
    before = nonces(w3)
    refused(
        claim(cli, tmp_path, FLI, "--yes"),
        "ClaimModule.anyoneClaim is false: only the SetToken's manager",
        product["base_manager"],
        "interactManager is onlyAdapter",
        w3.eth.accounts[1],
    )
    assert nonces(w3) == before and comp_of(w3, book) == 0


@pytest.mark.chain
def test_absorb_refusals_come_before_the_claim(cli, sandbox, w3, book, real, tmp_path):
    mine(w3, 20)
    before = nonces(w3)
    operator = book["accounts"]["operator"]
    refused(
        claim(cli, tmp_path, FLI, "--absorb", "--yes", "--account", "5"),
        "--absorb makes COMP a position that issuance then requires: the operator's decision",
        operator,
    )
    airdrop = real("AirdropModule", book["leverage"]["modules"]["airdrop"])
    as_manager(w3, book, airdrop.functions.updateAnyoneAbsorb(book["leverage"]["products"][FLI]["set_token"], False))
    refused(claim(cli, tmp_path, FLI, "--absorb", "--yes"), "AirdropModule.anyoneAbsorb is false", "onlyAdapter")
    assert nonces(w3) == before and comp_of(w3, book) == 0


def test_bad_products_are_refused(cli, tmp_path):
    refused(claim(cli, tmp_path, "nope"), "unknown product 'nope'")
    refused(claim(cli, tmp_path, "dpi"), "dpi is not a leverage token")
    refused(claim(cli, tmp_path, FLI, "--all"), "give one PRODUCT or --all")
    refused(claim(cli, tmp_path), "give one PRODUCT or --all")
    text = SHIPPED_PRODUCTS.read_text()
    without = tmp_path / "products.toml"
    section = text.index("[products.eth2x-fli.deployments.sandbox]")
    start = text.index("claim = ", section)
    end = text.index(", ", start) + 2
    without.write_text(text[:start] + text[end:])
    refused(
        claim(cli, tmp_path, FLI, config=without),
        "products.eth2x-fli.deployments.sandbox.modules.claim: missing",
    )


@pytest.mark.chain
def test_all_skips_a_product_without_a_claim_module(cli, sandbox, w3, tmp_path):
    text = SHIPPED_PRODUCTS.read_text()
    section = text.index("[products.btc2x-fli.deployments.sandbox]")
    start = text.index("claim = ", section)
    end = text.index(", ", start) + 2
    without = tmp_path / "products.toml"
    without.write_text(text[:start] + text[end:])
    mine(w3, 5)
    result = claim(cli, tmp_path, "--all", "--dry-run", "--json", config=without)
    assert result.code == 0, result.err
    assert [p["product_key"] for p in result.json()] == ["eth2x-fli"]


def _simulation_garbage(request, answer):
    calls = request if isinstance(request, list) else [request]
    if any(call.get("method") == "eth_simulateV1" for call in calls) and isinstance(answer, dict):
        answer["result"] = "lots of COMP"
    return answer


@pytest.mark.chain
def test_an_rpc_answering_garbage_is_one_line_naming_the_rpc_without_its_secret(cli, sandbox, w3, tmp_path):
    mine(w3, 20)
    before = nonces(w3)
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(_simulation_garbage)
        result = claim(cli, tmp_path, FLI, "--yes", "--rpc-url", proxy.url + "/v2/SECRETKEY")
    err = refused(result, f"error: {FLI}: the RPC at {proxy.url} answered eth_simulateV1 with no block of three calls")
    assert "SECRETKEY" not in err and nonces(w3) == before
