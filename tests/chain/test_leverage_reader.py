"""The leverage reader against the real FlexibleLeverageStrategyExtension and Compound on the sandbox."""

from __future__ import annotations

import pytest

from indexops.chain.abis import contract
from indexops.chain.connection import connect
from indexops.chain.leverage_reader import read_leverage
from indexops.leverage.ratio import leverage_ratio
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID

pytestmark = pytest.mark.chain


@pytest.mark.parametrize("product", ["eth2x-fli", "btc2x-fli"])
def test_the_reading_equals_the_contracts_own_answers(sandbox, w3, book, real, product):
    strategy_address = book["leverage"]["products"][product]["strategy"]
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    keeper = book["accounts"]["keeper"]
    before = connection.round_trips
    reading = read_leverage(connection, strategy_address, callers=[keeper])
    assert connection.round_trips - before == 3  # the block, the extension, the markets and exchanges

    fli = real("FlexibleLeverageStrategyExtension", strategy_address).functions
    assert reading.contract_ratio == fli.getCurrentLeverageRatio().call()
    assert leverage_ratio(reading.state) == reading.contract_ratio  # the pure maths values it as the contract does
    assert reading.settings.methodology.target_leverage_ratio == fli.getMethodology().call()[0]
    assert list(reading.exchanges) == fli.getEnabledExchanges().call()
    assert reading.callers == {keeper: True}
    set_token = reading.strategy.set_token
    assert set_token == book["leverage"]["products"][product]["set_token"]
    assert reading.state.set_total_supply == real("SetToken", set_token).functions.totalSupply().call()
    assert reading.state.ether_balance == w3.eth.get_balance(strategy_address)
    borrow = contract(w3, "compound/CErc20", reading.strategy.borrow_ctoken).functions  # the npm ABI
    assert reading.state.borrow_balance == borrow.borrowBalanceStored(set_token).call() > 0


def test_claimable_comp_is_what_a_claim_at_the_next_block_sends(sandbox, w3, book):
    strategy_address = book["leverage"]["products"]["eth2x-fli"]["strategy"]
    w3.provider.make_request("anvil_mine", [hex(200)])  # COMP accrues per block
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    reading = read_leverage(connection, strategy_address)
    assert reading.comp_claimable > 0
    set_token = reading.strategy.set_token
    comp = contract(w3, "ERC20", "0xc00e94Cb662C3520282E6f5717214004A7f26888").functions
    before = comp.balanceOf(set_token).call()
    assert before == reading.comp_held
    comptroller = w3.eth.contract(
        address=reading.strategy.comptroller,
        abi=[
            f
            for f in contract(w3, "compound/Comptroller", reading.strategy.comptroller).abi
            if f.get("name") == "claimComp" and len(f["inputs"]) == 1
        ],
    )
    receipt = w3.eth.wait_for_transaction_receipt(
        comptroller.functions.claimComp(set_token).transact({"from": w3.eth.accounts[0]})
    )
    assert receipt.status == 1 and receipt.blockNumber == reading.block_number + 1
    assert comp.balanceOf(set_token).call() - before == reading.comp_claimable
