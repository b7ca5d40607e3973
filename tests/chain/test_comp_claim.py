"""The COMP claim reader and simulation against the sandbox's real ClaimModule, AirdropModule and Comptroller."""

from __future__ import annotations

import pytest

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer
from indexops.chain.comp_claim import ClaimWouldRevert, read_claim_setup, simulate_claim
from indexops.chain.connection import connect
from indexops.chain.leverage_reader import COMP, read_leverage
from indexops.errors import UsageError
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID
from tests.chain.rpc_proxy import FaultyRpcProxy

pytestmark = pytest.mark.chain

FLI = "eth2x-fli"


def _claim_data(real, book, product=FLI, adapter="CompClaimAdapter") -> str:
    set_token = book["leverage"]["products"][product]["set_token"]
    module = real("ClaimModule", book["leverage"]["modules"]["claim"])
    return module.encode_abi("claim", [set_token, book["compound"]["comptroller"], adapter])


def _simulate(connection, book, data: str, caller: str, latest: int, product=FLI):
    return simulate_claim(
        connection,
        product=product,
        caller=caller,
        claim_module=book["leverage"]["modules"]["claim"],
        data=data,
        set_token=book["leverage"]["products"][product]["set_token"],
        comp=COMP,
        latest_block=latest,
    )


@pytest.mark.parametrize("product", ["eth2x-fli", "btc2x-fli"])
def test_the_simulated_claim_is_the_claim_mined_next_and_the_readers_model(sandbox, w3, book, real, product):
    set_token = book["leverage"]["products"][product]["set_token"]
    data = _claim_data(real, book, product)
    w3.provider.make_request("anvil_mine", [hex(25)])  # COMP accrues per block, not per second
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    reading = read_leverage(connection, book["leverage"]["products"][product]["strategy"])
    operator = book["accounts"]["operator"]
    simulated = _simulate(connection, book, data, operator, reading.block_number, product)
    assert simulated.block_number == reading.block_number + 1
    assert simulated.claimed > 0 and simulated.claimed == reading.comp_claimable  # the pure model agrees
    comp = contract(w3, "ERC20", COMP).functions
    assert comp.balanceOf(set_token).call() == simulated.held_before == reading.comp_held
    claim = {"from": operator, "to": book["leverage"]["modules"]["claim"], "data": data}
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(claim))
    assert receipt.status == 1 and receipt.blockNumber == simulated.block_number
    assert comp.balanceOf(set_token).call() == simulated.held_after  # to the wei


def test_the_setup_is_what_the_sandbox_deploys(sandbox, w3, book):
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    product = book["leverage"]["products"][FLI]
    setup = read_claim_setup(
        connection,
        block_number=w3.eth.block_number,
        set_token=product["set_token"],
        claim_module=book["leverage"]["modules"]["claim"],
        airdrop_module=book["leverage"]["modules"]["airdrop"],
        comptroller=book["compound"]["comptroller"],
        comp=COMP,
    )
    assert setup.manager == product["base_manager"]
    assert setup.claim_initialized and setup.anyone_claim
    assert setup.comptroller_is_reward_pool and setup.comp_claim_added
    assert setup.airdrop_initialized and setup.comp_is_airdrop and setup.anyone_absorb
    assert setup.comp_held == 0 and not setup.comp_is_position


def test_a_claim_the_module_refuses_is_its_reason(sandbox, w3, book, real):
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    data = _claim_data(real, book, adapter="NoSuchAdapter")
    with pytest.raises(ClaimWouldRevert) as caught:
        _simulate(connection, book, data, book["accounts"]["operator"], w3.eth.block_number)
    assert str(caught.value).endswith("would revert: Must be valid adapter; nothing was sent")


def _simulate_answers(change):
    def rewrite(request, answer):
        calls = request if isinstance(request, list) else [request]
        if any(call.get("method") == "eth_simulateV1" for call in calls) and isinstance(answer, dict):
            change(answer)
        return answer

    return rewrite


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda a: a.update(result=[]), "answered eth_simulateV1 with no block of three calls"),
        (lambda a: a["result"][0]["calls"][2].update(returnData="0x12"), "answered eth_simulateV1 with a balance of 1"),
        (lambda a: a["result"][0]["calls"][1].update(status="yes"), "with a call result that is not one"),
        (lambda a: a["result"][0].update(number="0x1"), "a block numbered 1, not the"),
    ],
)
def test_a_simulation_answered_with_garbage_is_one_line(sandbox, w3, book, real, change, says):
    data = _claim_data(real, book)
    w3.provider.make_request("anvil_mine", [hex(5)])  # a claim right after the deployment's last block reverts
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(_simulate_answers(change))
        connection = connect(proxy.url, SANDBOX_CHAIN_ID)
        with pytest.raises(GarbageAnswer) as caught:
            _simulate(connection, book, data, book["accounts"]["operator"], w3.eth.block_number)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_node_without_eth_simulate_says_so(sandbox, w3, book, real):
    def unsupported(answer):
        answer.pop("result", None)
        answer["error"] = {"code": -32601, "message": "the method eth_simulateV1 does not exist/is not available"}

    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(_simulate_answers(unsupported))
        connection = connect(proxy.url, SANDBOX_CHAIN_ID)
        with pytest.raises(UsageError) as caught:
            _simulate(connection, book, _claim_data(real, book), book["accounts"]["operator"], w3.eth.block_number)
    assert f"the RPC at {proxy.url} does not support eth_simulateV1" in str(caught.value)
