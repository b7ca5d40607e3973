"""Uniswap V3 on the sandbox: pools read as virtual reserves, restored by the arbitrageur, traded
through GIM's and TradeModule's V3 adapters, and plans checked with the Quoter."""

from __future__ import annotations

import pytest
from eth_abi import decode

from indexops.chain.calldata import canonical_type
from indexops.chain.connection import connect
from indexops.chain.reader import read_snapshot
from indexops.config.loader import load_config
from indexops.config.selection import choose_product
from indexops.config.targets_file import load_targets
from indexops.plans import load_plan
from indexops.routes.calls import function_fragment
from indexops.routes.uniswap_v3_data import single_hop_path
from indexops.sandbox import scenario
from indexops.sandbox.arbitrage import Arbitrageur
from indexops.sandbox.replay import replay
from indexops.workflows.plan import make_plan, plan_rebalance_for, read_plan_inputs
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

UNIT = 10**18
FEE_TIER = scenario.UNISWAP_V3_FEE_TIER
FAR_DEADLINE = 2**63
V3_COMPONENTS = ("UNI", "AAVE", "MKR")
SHIPPED_V3_VENUES = 'venues = ["uniswap-v2", "sushiswap", "uniswap-v3"]'
TWO_VENUES = 'venues = ["uniswap-v2", "sushiswap"]'
DPI_WEIGHTS = dict(scenario.DPI.weights)


def _targets(tmp_path, name: str, **changes: float):
    weights = DPI_WEIGHTS | changes
    path = tmp_path / f"{name}.csv"
    path.write_text("symbol,weight\n" + "".join(f"{s},{w}\n" for s, w in weights.items()))
    return path


def _config(tmp_path, *replacements: tuple[str, str]):
    text = SHIPPED_PRODUCTS.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "products.toml"
    path.write_text(text)
    return path


def _v3_pool(real, book, symbol: str):
    factory = real("UniswapV3Factory", book["venues"]["uniswap-v3"]["factory"])
    return real("UniswapV3Pool", factory.functions.getPool(book["tokens"][symbol], book["tokens"]["WETH"], FEE_TIER).call())


def _send(w3, call, sender: str, value: int = 0) -> None:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "value": value}))
    assert receipt.status == 1, call.fn_name


def _decoded_args(abi: str, step) -> tuple:
    fragment = function_fragment(abi, step.function.split("(")[0])
    return decode([canonical_type(e) for e in fragment["inputs"]], bytes.fromhex(step.data[10:]))


def _assert_targets_reached(real, plan, rel: float) -> None:
    set_token = real("SetToken", plan.set_token)
    skipped = {t.symbol for t in plan.skipped}
    for row in plan.targets:
        if row.symbol == "WETH" or row.symbol in skipped or row.current_unit == row.target_unit:
            continue
        unit = set_token.functions.getDefaultPositionRealUnit(row.address).call()
        assert unit == pytest.approx(row.target_unit, rel=rel), row.symbol


# ---------------------------------------------------------------- reading


def test_v3_pools_are_read_as_the_virtual_reserves_of_the_pool_contract(sandbox, w3, book, real, tmp_path):
    target = choose_product(load_config(SHIPPED_PRODUCTS), "dpi", "sandbox")
    connection = connect(sandbox.running.rpc_url, 31337)
    before = connection.round_trips
    snapshot = read_snapshot(connection, target)
    trips = connection.round_trips - before
    for symbol in V3_COMPONENTS:
        component = next(c for c in snapshot.components if c.symbol == symbol)
        [pool] = [p for p in component.pools if p.venue == "uniswap-v3"]
        contract = _v3_pool(real, book, symbol)
        assert (pool.pair, pool.kind, pool.fee_tier, pool.fee_bps) == (contract.address, "uniswap-v3", FEE_TIER, 30)
        sqrt_price, liquidity = contract.functions.slot0().call()[0], contract.functions.liquidity().call()
        token1_per_token0 = (sqrt_price / 2**96) ** 2
        is_token0 = contract.functions.token0().call() == component.address
        weth_per_token = token1_per_token0 if is_token0 else 1 / token1_per_token0
        assert pool.weth_reserve / pool.token_reserve == pytest.approx(weth_per_token, rel=1e-12)
        assert pool.token_reserve * pool.weth_reserve == pytest.approx(liquidity**2, rel=1e-12)
        assert weth_per_token == pytest.approx(scenario.price_usd(symbol) / scenario.ETH_USD, rel=1e-9)
        depth = scenario.token(symbol).uniswap_v3_depth_usd
        assert pool.weth_reserve == pytest.approx(scenario.base_units(depth, "WETH"), rel=1e-3)  # full range ~ the deposit

    without_v3 = load_config(_config(tmp_path, (SHIPPED_V3_VENUES, TWO_VENUES)))
    before = connection.round_trips
    read_snapshot(connection, choose_product(without_v3, "dpi", "sandbox"))
    assert connection.round_trips - before == trips  # V3 reads ride in the same batches


# ---------------------------------------------------------------- the arbitrageur


def test_the_arbitrageur_puts_a_moved_v3_pool_back_at_its_price(w3, book, real):
    arbitrageur = Arbitrageur(w3, book)
    pool = _v3_pool(real, book, "MKR")
    assert {p for p, _, _ in arbitrageur.v3_pools} == {_v3_pool(real, book, s).address for s in V3_COMPONENTS}
    reference = arbitrageur.reference()
    deployer, mkr, weth = book["accounts"]["deployer"], book["tokens"]["MKR"], book["tokens"]["WETH"]
    router = real("SwapRouter", book["venues"]["uniswap-v3"]["router"])
    _send(w3, real("WETH9", weth).functions.deposit(), deployer, value=100 * UNIT)
    for token in (mkr, weth):
        _send(w3, real("StandardTokenMock", token).functions.approve(router.address, 2**256 - 1), deployer)
    for send, receive, amount in ((mkr, weth, 200 * UNIT), (weth, mkr, 100 * UNIT)):
        _send(w3, router.functions.exactInputSingle((send, receive, FEE_TIER, deployer, FAR_DEADLINE, amount, 0, 0)), deployer)
        assert pool.functions.slot0().call()[0] != reference[pool.address]
        assert arbitrageur.restore(reference) == 1
        assert pool.functions.slot0().call()[0] == reference[pool.address]
    assert arbitrageur.restore(reference) == 0


# ---------------------------------------------------------------- GIM through UniswapV3IndexExchangeAdapter


@pytest.mark.parametrize(("side", "changes"), [("buy", {"MKR": 0.18, "SNX": 0.07}), ("sell", {"MKR": 0.14, "SNX": 0.11})])
def test_gim_trades_mkr_on_its_deepest_pool_the_v3_one(cli, sandbox, w3, book, real, tmp_path, side, changes):
    out = tmp_path / "dpi.json"
    result = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--targets", _targets(tmp_path, side, **changes),
                 "--gas-price", "30", "--out", out)
    assert result.code == 0, result.err
    plan = load_plan(out)
    mkr, index_adapter = book["tokens"]["MKR"], book["venues"]["uniswap-v3"]["index_adapter"]
    setup = {s.function.split("(")[0]: s.args for s in plan.steps if s.phase == "setup"}
    exchanges = dict(zip(setup["setExchanges"]["_components"], setup["setExchanges"]["_exchangeNames"]))
    data = dict(zip(setup["setExchangeData"]["_components"], setup["setExchangeData"]["_exchangeData"]))
    assert exchanges == {mkr: "UniswapV3IndexExchangeAdapter"} and data == {mkr: "0x000bb8"}
    mkr_steps = [s for s in plan.steps if s.component == "MKR"]
    assert mkr_steps and {(s.side, s.venue) for s in mkr_steps} == {(side, "uniswap-v3")}

    replay(w3, plan.steps, {"operator": book["products"]["dpi"]["operator"], "trader": book["accounts"]["trader"]},
           Arbitrageur(w3, book))

    gim = real("GeneralIndexModule", book["modules"]["gim"])
    executed = [e["args"] for e in gim.events.TradeExecuted().get_logs(from_block=0)]
    on_v3 = [e for e in executed if mkr in (e["_sellComponent"], e["_buyComponent"])]
    assert len(on_v3) == len(mkr_steps) and {e["_exchangeAdapter"] for e in on_v3} == {index_adapter}
    assert gim.functions.executionInfo(plan.set_token, mkr).call()[5] == bytes.fromhex("000bb8")
    _assert_targets_reached(real, plan, rel=2e-3)


# ---------------------------------------------------------------- TradeExtension and batchTrade through UniswapV3ExchangeAdapter


@pytest.mark.parametrize("batch", [False, True], ids=["serial", "batch"])
def test_delegated_chunks_split_across_v2_and_v3_execute(cli, sandbox, w3, book, real, tmp_path, batch):
    config = _config(
        tmp_path,
        (f"UNI = {{ weight = 0.27, {TWO_VENUES} }}", f"UNI = {{ weight = 0.27, {SHIPPED_V3_VENUES} }}"),
        (f"AAVE = {{ weight = 0.18, {TWO_VENUES} }}", f"AAVE = {{ weight = 0.18, {SHIPPED_V3_VENUES} }}"),
        ("max_duration_hours = 6\n", "max_duration_hours = 0.1\n"),  # one chunk each: large enough to split
    )
    targets = tmp_path / "sbx.csv"
    targets.write_text("symbol,weight\nUNI,0.40\nAAVE,0.05\nCOMP,0.19\nSNX,0.16\nMANA,0.15\nWETH,0.05\n")
    out = tmp_path / "sbx.json"
    result = cli("plan", "sbx", "--config", config, "--targets", targets, "--gas-price", "30", "--out", out,
                 *(["--batch"] if batch else []))
    assert result.code == 0, result.err
    plan = load_plan(out)
    if batch:
        trades = [t for s in plan.steps for t in _decoded_args("delegated/BatchTradeExtension", s)[1]]
    else:
        trades = [_decoded_args("delegated/TradeExtension", s)[1:] for s in plan.steps]
    tokens = {address.lower(): symbol for symbol, address in book["tokens"].items()}
    venues_of = {}
    for name, send, _, receive, _, data in trades:
        component = tokens[receive] if tokens[send] == "WETH" else tokens[send]
        venues_of.setdefault(component, set()).add(name)
        if name == "UniswapV3ExchangeAdapter":
            assert data == single_hop_path(send, FEE_TIER, receive)
        else:
            assert data == b""
    assert venues_of["UNI"] >= {"UniswapV2ExchangeAdapter", "UniswapV3ExchangeAdapter"}
    assert venues_of["AAVE"] >= {"UniswapV2ExchangeAdapter", "UniswapV3ExchangeAdapter"}

    replay(w3, plan.steps, {"operator": book["delegated"]["products"]["sbx"]["operator"]}, Arbitrageur(w3, book))

    module = real("TradeModule", book["modules"]["trade"])
    adapters = [e["args"]["_exchangeAdapter"] for e in module.events.ComponentExchanged().get_logs(from_block=0)]
    assert adapters.count(book["venues"]["uniswap-v3"]["trade_adapter"]) == sum(
        1 for t in trades if t[0] == "UniswapV3ExchangeAdapter")
    assert len(adapters) == len(trades)  # no trade failed inside a batch
    _assert_targets_reached(real, plan, rel=5e-3)


# ---------------------------------------------------------------- the Quoter check


def _concentrate_liquidity_around_the_price(w3, book, real) -> None:
    """One extra position over the 60 ticks holding MKR's price: the pool looks twice as deep as it is
    to any trade that moves the price out of them, which the virtual reserves cannot see."""
    pool = _v3_pool(real, book, "MKR")
    tick = pool.functions.slot0().call()[1]
    lower = tick // 60 * 60
    deployer = book["accounts"]["deployer"]
    _send(w3, real("WETH9", book["tokens"]["WETH"]).functions.deposit(), deployer, value=100 * UNIT)
    manager = real("NonfungiblePositionManager", book["venues"]["uniswap-v3"]["position_manager"])
    token0, token1 = pool.functions.token0().call(), pool.functions.token1().call()
    liquidity = pool.functions.liquidity().call()
    _send(w3, manager.functions.mint(
        (token0, token1, FEE_TIER, lower, lower + 60, 32 * UNIT, 32 * UNIT, 0, 0, deployer, FAR_DEADLINE)
    ), deployer)
    assert pool.functions.liquidity().call() == pytest.approx(2 * liquidity, rel=0.01)


def test_the_quoter_check_replaces_an_amount_the_virtual_reserves_got_wrong(cli, sandbox, w3, book, real, tmp_path):
    _concentrate_liquidity_around_the_price(w3, book, real)
    targets = _targets(tmp_path, "mkr", MKR=0.06, WETH=0.11)
    target = choose_product(load_config(SHIPPED_PRODUCTS), "dpi", "sandbox")
    wanted = load_targets(targets, set(target.where.network.tokens))
    connection = connect(sandbox.running.rpc_url, 31337)
    unchecked = plan_rebalance_for(read_plan_inputs(connection, target, targets=wanted, gas_price_gwei=500))
    result = make_plan(connection, target, targets=wanted, gas_price_gwei=500, out=tmp_path / "dpi.json", data_dir=tmp_path)

    [planned] = [p for p in unchecked.trades if p.trade.component == "MKR"]
    steps = [s for s in result.plan.steps if s.component == "MKR"]
    assert len(steps) == planned.chunks.chunk_count and {s.venue for s in steps} == {"uniswap-v3"}
    quoter = real("Quoter", book["venues"]["uniswap-v3"]["quoter"])
    for step, chunk in zip(steps, planned.chunks.chunks):
        sold = int(step.expected["component_amount"])
        quoted = quoter.functions.quoteExactInputSingle(
            book["tokens"]["MKR"], book["tokens"]["WETH"], FEE_TIER, sold, 0).call()
        assert sold == chunk.quantity
        assert (chunk.weth - quoted) * 10_000 > chunk.weth  # more than 1 bp below what the planner expected
        assert int(step.expected["weth_amount"]) == quoted
        assert int(step.limits["min_weth_received"]) == quoted * 9_950 // 10_000

    tight = _config(tmp_path, ("[products.dpi.execution]\ndefault_slippage_bps = 50",
                               "[products.dpi.execution]\ndefault_slippage_bps = 5"))
    refused = cli("plan", "dpi", "--config", tight, "--targets", targets, "--gas-price", "500", "--out", tmp_path / "x.json")
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert refused.err.startswith("error: MKR: the uniswap-v3 Quoter gives ")
    assert "worse than 5 bps of slippage allows" in refused.err
    assert not (tmp_path / "x.json").exists()
