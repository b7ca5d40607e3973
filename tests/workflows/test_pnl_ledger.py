"""`workflows.pnl.read_ledger` on the sandbox's real contracts: real fee accruals and distributions, issue and
redeem fees, a COMP claim and a keeper rebalance, each ledger entry checked against what the contracts did
(balances moved, events, receipts) and priced at its block with the product's own sources read independently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from web3.logs import DISCARD

from indexops.chain.abis import contract
from indexops.chain.connection import connect
from indexops.chain.history.history import HistoryCounts
from indexops.chain.leverage_reader import COMP
from indexops.cli.context import product as target_of
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.report.pnl.ledger import EntryKind, Party
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID
from indexops.workflows.pnl import read_ledger
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

DAY = 86_400
UNI_ADAPTER = "UniswapV2ExchangeAdapter"
MAX_UINT = 2**256 - 1


def _mined(w3, tx_hash):
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1
    return receipt


def _target(key: str) -> ProductOnNetwork:
    return target_of(SHIPPED_PRODUCTS, key, None)


def _ledger(sandbox, key: str, start, end, cache_dir, counts=None):
    connection = connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID)
    return read_ledger(_target(key), connection, start, end, cache_dir=cache_dir, counts=counts)


def _eth_usd(w3, book, real, block: int) -> float:
    """ETH at the pricing venue's WETH/USDC pool at `block`, read here with the artifacts' ABIs."""
    factory = real("UniswapV2Factory", book["venues"]["uniswap-v2"]["factory"])
    weth, usdc = book["tokens"]["WETH"], book["tokens"]["USDC"]
    pair = real("UniswapV2Pair", factory.functions.getPair(weth, usdc).call())
    reserve0, reserve1, _ = pair.functions.getReserves().call(block_identifier=block)
    usdc_reserve, weth_reserve = (reserve0, reserve1) if usdc.lower() < weth.lower() else (reserve1, reserve0)
    return (usdc_reserve / 1e6) / (weth_reserve / 1e18)


def _comp_usd(w3, book, real, block: int) -> float:
    """The claimed COMP at the token book's COMP pool (on the sandbox a stand-in: Compound's has no pool)."""
    factory = real("UniswapV2Factory", book["venues"]["uniswap-v2"]["factory"])
    weth, comp = book["tokens"]["WETH"], book["tokens"]["COMP"]
    pair = real("UniswapV2Pair", factory.functions.getPair(weth, comp).call())
    reserve0, reserve1, _ = pair.functions.getReserves().call(block_identifier=block)
    comp_reserve, weth_reserve = (reserve0, reserve1) if comp.lower() < weth.lower() else (reserve1, reserve0)
    return (weth_reserve / comp_reserve) * _eth_usd(w3, book, real, block)


def _fli_nav(w3, book, real, block: int) -> float:
    """One ETH2x-FLI at `block`: cETH held x exchangeRateStored x the ETH feed, less the USDC debt x the USDC feed."""
    product = book["leverage"]["products"]["eth2x-fli"]
    set_token, at = product["set_token"], {"block_identifier": block}
    ceth, cusdc = (
        real("CEther", product["collateral_ctoken"]),
        contract(w3, "compound/CErc20", product["borrow_ctoken"]),
    )
    eth_feed, usdc_feed = (real("ChainlinkAggregatorMock", book["price_feeds"][s]) for s in ("WETH", "USDC"))
    collateral = ceth.functions.balanceOf(set_token).call(**at) * ceth.functions.exchangeRateStored().call(**at) / 1e36
    debt = cusdc.functions.borrowBalanceStored(set_token).call(**at) / 1e6
    equity = collateral * eth_feed.functions.latestAnswer().call(**at) / 1e8
    equity -= debt * usdc_feed.functions.latestAnswer().call(**at) / 1e8
    return equity / (real("SetToken", set_token).functions.totalSupply().call(**at) / 1e18)


def _balance(real, token: str, holder: str, block="latest") -> int:
    return real("SetToken", token).functions.balanceOf(holder).call(block_identifier=block)


def test_the_leverage_tokens_ledger_is_what_its_contracts_did(cli, sandbox, w3, book, real, tmp_path):
    product = book["leverage"]["products"]["eth2x-fli"]
    set_token, manager = product["set_token"], product["base_manager"]
    operator, methodologist, keeper = product["operator"], product["methodologist"], product["keeper"]
    deployer = book["accounts"]["deployer"]
    issuance = real("DebtIssuanceModule", book["leverage"]["modules"]["debt_issuance"])
    fee_split = real("FeeSplitAdapter", product["fee_split"])
    first = w3.eth.block_number + 1
    operator_txs = [
        _mined(w3, fee_split.functions.updateIssueFee(10**16).transact({"from": operator})),  # 1%
        _mined(w3, fee_split.functions.updateRedeemFee(2 * 10**16).transact({"from": operator})),  # 2%
    ]
    # the deployer issues 3 sets and redeems 1: the fees are the manager's sets
    real("CEther", product["collateral_ctoken"]).functions.approve(issuance.address, MAX_UINT).transact(
        {"from": deployer}
    )
    real("StandardTokenMock", book["tokens"]["USDC"]).functions.approve(issuance.address, MAX_UINT).transact(
        {"from": deployer}
    )
    held = _balance(real, set_token, manager)
    issued = _mined(w3, issuance.functions.issue(set_token, 3 * 10**18, deployer).transact({"from": deployer}))
    issue_fee, held = _balance(real, set_token, manager) - held, _balance(real, set_token, manager)
    redeemed = _mined(w3, issuance.functions.redeem(set_token, 10**18, deployer).transact({"from": deployer}))
    redeem_fee, held = _balance(real, set_token, manager) - held, _balance(real, set_token, manager)
    assert issue_fee == 3 * 10**16 and redeem_fee == 2 * 10**16
    # a month of streaming fee, then the split pays out everything the manager holds
    w3.provider.make_request("evm_increaseTime", [30 * DAY])
    before = {who: _balance(real, set_token, who) for who in (operator, methodologist)}
    distributed = _mined(w3, fee_split.functions.accrueFeesAndDistribute().transact({"from": operator}))
    operator_txs.append(distributed)
    takes = {who: _balance(real, set_token, who) - before[who] for who in (operator, methodologist)}
    fee_module = real("StreamingFeeModule", book["modules"]["streaming_fee"])
    (actualized,) = fee_module.events.FeeActualized().process_receipt(distributed, errors=DISCARD)
    streaming_fee = actualized["args"]["_managerFee"]
    assert sum(takes.values()) == held + streaming_fee and _balance(real, set_token, manager) == 0
    # COMP: claimed by the keeper (anyoneClaim), moved into the SetToken
    w3.provider.make_request("anvil_mine", [hex(25)])
    comp = real("Comp", COMP)
    comp_before = comp.functions.balanceOf(set_token).call()
    claim = real("ClaimModule", book["leverage"]["modules"]["claim"]).functions.claim(
        set_token, book["compound"]["comptroller"], "CompClaimAdapter"
    )
    claimed = _mined(w3, claim.transact({"from": keeper}))
    comp_claimed = comp.functions.balanceOf(set_token).call() - comp_before
    assert comp_claimed > 0
    # the keeper rebalances after ETH falls 15%
    assert cli("sandbox", "price", "ETH", "--by", "-15").code == 0
    strategy = real("FlexibleLeverageStrategyExtension", product["strategy"])
    rebalanced = _mined(w3, strategy.functions.rebalance(UNI_ADAPTER).transact({"from": keeper, "gas": 3_000_000}))

    ledger = _ledger(sandbox, "eth2x-fli", str(first), None, tmp_path)
    assert (ledger.product_key, ledger.network, ledger.from_block, ledger.to_block) == (
        "eth2x-fli",
        "sandbox",
        first,
        w3.eth.block_number,
    )
    by_kind = {kind: [e for e in ledger.entries if e.kind == kind] for kind in EntryKind}
    tx = {name: r.transactionHash.to_0x_hex() for name, r in (("issue", issued), ("redeem", redeemed))}
    assert [(e.amount, e.tx_hash) for e in by_kind[EntryKind.ISSUE_FEE]] == [(issue_fee, tx["issue"])]
    assert [(e.amount, e.tx_hash) for e in by_kind[EntryKind.REDEEM_FEE]] == [(redeem_fee, tx["redeem"])]
    assert [e.amount for e in by_kind[EntryKind.STREAMING_FEE]] == [streaming_fee]
    assert [(e.party, e.account, e.amount) for e in by_kind[EntryKind.DISTRIBUTION]] == [
        (Party.OPERATOR, operator, takes[operator]),
        (Party.METHODOLOGIST, methodologist, takes[methodologist]),
    ]
    assert [(e.amount, e.token, e.decimals) for e in by_kind[EntryKind.COMP_CLAIMED]] == [(comp_claimed, "COMP", 18)]
    gas = {e.tx_hash: e for e in by_kind[EntryKind.GAS]}
    keeper_txs = [claimed, rebalanced]
    assert set(gas) == {r.transactionHash.to_0x_hex() for r in operator_txs + keeper_txs}  # not the deployer's
    for receipt in operator_txs + keeper_txs:
        entry = gas[receipt.transactionHash.to_0x_hex()]
        assert entry.amount == receipt.gasUsed * receipt.effectiveGasPrice and entry.token == "ETH"
        assert (
            entry.party == (Party.KEEPER if receipt in keeper_txs else Party.OPERATOR)
            and entry.account == receipt["from"]
        )
        assert entry.usd == pytest.approx(entry.amount / 1e18 * _eth_usd(w3, book, real, receipt.blockNumber))
    for entry in by_kind[EntryKind.ISSUE_FEE] + by_kind[EntryKind.STREAMING_FEE] + by_kind[EntryKind.DISTRIBUTION]:
        assert entry.token == "ETH2x-FLI" and entry.decimals == 18
        assert entry.usd == pytest.approx(entry.amount / 1e18 * _fli_nav(w3, book, real, entry.block), rel=1e-9)
    (reward,) = by_kind[EntryKind.COMP_CLAIMED]
    assert reward.usd == pytest.approx(reward.amount / 1e18 * _comp_usd(w3, book, real, reward.block), rel=1e-9)
    assert all(e.timestamp == w3.eth.get_block(e.block).timestamp for e in ledger.entries)
    order = [(e.block, e.kind != EntryKind.GAS) for e in ledger.entries]
    assert order == sorted(order)
    supplies = [
        real("SetToken", set_token).functions.totalSupply().call(block_identifier=b) / 1e18
        for b in (first, ledger.to_block)
    ]
    assert ledger.supply is not None and min(supplies) - 3 <= ledger.supply <= max(supplies) + 3


@pytest.mark.parametrize("key, other", [("sbx", "pix"), ("dpi", None)])
def test_a_split_pays_each_party_what_the_ledger_says(sandbox, w3, book, real, tmp_path, key, other):
    """The self-service extension serves sbx and pix: each ledger holds its own product's payouts only."""
    first = w3.eth.block_number + 1
    w3.provider.make_request("evm_increaseTime", [60 * DAY])
    operator = book["accounts"]["operator"]
    paid = {}
    for product in (key, other) if other else (key,):
        target = _target(product)
        set_token, splitter = target.deployment.set_token, target.deployment.extensions["fee_split"]
        delegated = target.deployment.manager_kind == "delegated"
        owner = (
            contract(w3, "delegated/DelegatedManager", target.deployment.manager).functions.ownerFeeRecipient().call()
            if delegated
            else None
        )
        recipients = (
            (owner, target.deployment.methodologist) if delegated else (operator, target.deployment.methodologist)
        )
        before = [_balance(real, set_token, who) for who in recipients]
        extension = (
            contract(w3, "delegated/StreamingFeeSplitExtension", splitter)
            if delegated
            else real("StreamingFeeSplitExtension", splitter)
        )
        call = extension.functions.accrueFeesAndDistribute(*([set_token] if delegated else []))
        sender = target.deployment.operator if delegated else operator
        receipt = _mined(w3, call.transact({"from": sender}))
        paid[product] = (
            receipt,
            [(who, _balance(real, set_token, who) - b) for who, b in zip(recipients, before, strict=True)],
        )
    ledger = _ledger(sandbox, key, str(first), None, tmp_path)
    receipt, takes = paid[key]
    distributions = [e for e in ledger.entries if e.kind == EntryKind.DISTRIBUTION]
    assert [(e.party, e.account, e.amount, e.tx_hash) for e in distributions] == [
        (Party.OPERATOR, takes[0][0], takes[0][1], receipt.transactionHash.to_0x_hex()),
        (Party.METHODOLOGIST, takes[1][0], takes[1][1], receipt.transactionHash.to_0x_hex()),
    ]
    assert all(e.tx_hash == receipt.transactionHash.to_0x_hex() for e in ledger.entries)  # nothing of the other's


def test_a_rerun_is_served_from_the_cache(sandbox, w3, book, real, tmp_path):
    product = book["leverage"]["products"]["eth2x-fli"]
    first = w3.eth.block_number + 1
    w3.provider.make_request("evm_increaseTime", [30 * DAY])
    fee_split = real("FeeSplitAdapter", product["fee_split"])
    _mined(w3, fee_split.functions.accrueFeesAndDistribute().transact({"from": product["operator"]}))
    w3.provider.make_request("anvil_mine", [hex(70)])  # past the finality margin: the fees' blocks are final
    cold, warm = HistoryCounts(), HistoryCounts()
    ledger = _ledger(sandbox, "eth2x-fli", str(first), None, tmp_path, cold)
    again = _ledger(sandbox, "eth2x-fli", str(first), None, tmp_path, warm)
    assert again.entries == ledger.entries and len(ledger.entries) == 4  # fee, two takes, the operator's gas
    assert cold.logs_fetched >= 4 and warm.logs_fetched == 0 and warm.logs_from_cache == 4
    assert (
        warm.calls_fetched < cold.calls_fetched
        and warm.receipts_fetched == 0
        and warm.headers_fetched < cold.headers_fetched
    )  # only blocks within the finality margin
    assert warm.log_round_trips == 1 and warm.round_trips <= cold.round_trips // 2


def test_a_date_is_the_first_block_at_or_after_its_midnight(sandbox, w3, book, real, tmp_path):
    product = book["leverage"]["products"]["eth2x-fli"]
    latest = datetime.fromtimestamp(w3.eth.get_block("latest").timestamp, UTC)
    day = (latest + timedelta(days=2)).date()
    midnight = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    w3.provider.make_request("evm_setNextBlockTimestamp", [midnight - 5])
    w3.provider.make_request("evm_mine", [])
    w3.provider.make_request("evm_setNextBlockTimestamp", [midnight + 7])
    fee_split = real("FeeSplitAdapter", product["fee_split"])
    distributed = _mined(w3, fee_split.functions.accrueFeesAndDistribute().transact({"from": product["operator"]}))
    ledger = _ledger(sandbox, "eth2x-fli", day.isoformat(), day.isoformat(), tmp_path)
    assert ledger.from_block == ledger.to_block == distributed.blockNumber
    assert {e.tx_hash for e in ledger.entries} == {distributed.transactionHash.to_0x_hex()}


def test_bad_ranges_are_one_line(sandbox, w3, book, tmp_path):
    head = w3.eth.block_number
    cases = {
        ("1", None): "--from 1: before eth2x-fli was deployed on sandbox (its SetToken was created in block ",
        ("2000-01-01", None): "--from 2000-01-01: before eth2x-fli was deployed on sandbox",
        (None, str(head + 1_000)): f"--to {head + 1_000}: past the chain's head (block ",
        (None, "2999-01-01"): "--to 2999-01-01: after the chain's head (block ",
        (str(head), str(head - 1)): f"--to {head - 1}: block {head - 1} is before --from {head} (block {head})",
        ("yesterday", None): "--from 'yesterday': give a block number or a date YYYY-MM-DD (UTC)",
        ("2024-02-30", None): "--from 2024-02-30: not a date (YYYY-MM-DD)",
    }
    for (start, end), says in cases.items():
        with pytest.raises(UsageError) as refused:
            _ledger(sandbox, "eth2x-fli", start, end, tmp_path)
        assert str(refused.value).startswith(says) and "\n" not in str(refused.value), str(refused.value)


def test_a_product_without_fees_is_one_line(sandbox, tmp_path):
    target = _target("dpi")
    deployment = target.deployment.model_copy(update={"modules": {"gim": target.deployment.modules["gim"]}})
    bare = ProductOnNetwork(target.key, target.product, deployment, target.where)
    with pytest.raises(UsageError) as refused:
        read_ledger(bare, connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID), None, None, cache_dir=tmp_path)
    assert str(refused.value) == (
        "dpi: no streaming fee or debt issuance module (products.dpi.deployments.sandbox.modules): no fees to report"
    )
