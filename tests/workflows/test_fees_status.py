"""`indexops fees status` on the real fee contracts: what it says each party would receive is what
accrueFeesAndDistribute then pays them, to the wei, for the three kinds of split."""

from __future__ import annotations

import pytest

from tests.paths import SHIPPED_PRODUCTS

DAY = 86_400
OPERATOR = 1  # anvil account 1: the sandbox products' operator, on the splits' caller allowlists


def _status(cli, product: str) -> dict:
    result = cli("fees", "status", product, "--json", "--config", SHIPPED_PRODUCTS)
    assert result.code == 0, result.err
    return result.json()


@pytest.mark.chain
@pytest.mark.parametrize(
    "product, kind, abi",
    [
        ("dpi", "fee-split-extension", "StreamingFeeSplitExtension"),
        ("eth2x-fli", "fee-split-adapter", "StreamingFeeSplitExtension"),
        ("sbx", "delegated-manager", "delegated/StreamingFeeSplitExtension"),
    ],
)
def test_what_each_party_would_receive_is_what_the_distribution_pays(cli, sandbox, w3, product, kind, abi):
    from indexops.chain.abis import contract
    from indexops.chain.connection import connect
    from indexops.chain.fee_reader import read_fees
    from indexops.cli.context import product as target_of
    from indexops.report.fee_split import preview
    from indexops.workflows.fees import fee_terms

    w3.provider.make_request("evm_increaseTime", [30 * DAY])
    w3.provider.make_request("evm_mine", [])
    shown = _status(cli, product)
    split = shown["split"]
    assert split["kind"] == kind and int(shown["streaming_fee"]["accrued_fraction"]) > 0
    target = target_of(SHIPPED_PRODUCTS, product, None)
    reading = read_fees(connect(sandbox.running.rpc_url, 31337), target)
    assert reading.block_number == shown["block_number"]
    role = "owner" if kind == "delegated-manager" else "operator"
    parties = {role: split[role]["address"], "methodologist": split["methodologist"]["address"]}
    assert int(split[role]["sets"]) == preview(fee_terms(reading), reading.timestamp).to_operator

    token = contract(w3, "SetToken", target.deployment.set_token)
    before = {name: token.functions.balanceOf(address).call() for name, address in parties.items()}
    landing = reading.timestamp + 12
    w3.provider.make_request("evm_setNextBlockTimestamp", [landing])
    splitter = contract(w3, abi, split["contract"])
    call = splitter.functions.accrueFeesAndDistribute(
        *([target.deployment.set_token] if kind == "delegated-manager" else [])
    )
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": w3.eth.accounts[OPERATOR]}))
    assert receipt.status == 1 and w3.eth.get_block(receipt.blockNumber).timestamp == landing
    paid = {name: token.functions.balanceOf(address).call() - before[name] for name, address in parties.items()}
    expected = preview(fee_terms(reading), landing)
    assert paid == {role: expected.to_operator, "methodologist": expected.to_methodologist}
    assert expected.to_operator > 0 and expected.to_methodologist > 0


@pytest.mark.chain
def test_the_table_names_the_split_and_the_parties(cli, sandbox, w3):
    result = cli("fees", "status", "dpi", "--config", SHIPPED_PRODUCTS)
    assert result.code == 0, result.err
    assert (
        "StreamingFeeSplitExtension" in result.out
        and "methodologist" in result.out
        and "would receive now" in result.out
    )


def test_a_product_without_a_fee_split_is_one_line_exit_2(cli, tmp_path):
    text = SHIPPED_PRODUCTS.read_text()
    start = text.index("[products.dpi.deployments.sandbox]")
    line_start = text.index("extensions = {", start)
    line_end = text.index("\n", line_start)
    edited = (
        text[:line_start] + text[line_start:line_end].replace('fee_split = "', 'unused_fee_split = "') + text[line_end:]
    )
    products = tmp_path / "products.toml"
    products.write_text(edited)
    result = cli("fees", "status", "dpi", "--config", products)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
