"""The sandbox's leverage tokens on the real contracts: Compound v2, CompoundLeverageModule (linked), Index
Coop's FlexibleLeverageStrategyExtension, engaged at the target ratio, agreeing with products.toml."""

from __future__ import annotations

import json

import pytest

from indexops.config.loader import load_config
from indexops.sandbox import scenario
from indexops.sandbox.deploy.compound import COMP_ADDRESS
from indexops.sandbox.deployer import Deployer
from indexops.sandbox.leverage_settings import strategy_settings
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

PRECISE = 10**18
FLI = ("eth2x-fli", "btc2x-fli")
COLLATERAL = {"eth2x-fli": "WETH", "btc2x-fli": "WBTC"}
CTOKEN = {"WETH": "cETH", "WBTC": "cWBTC", "USDC": "cUSDC"}


@pytest.fixture(scope="module")
def config():
    return load_config(SHIPPED_PRODUCTS).file


def _strategy(real, book, key):
    return real("FlexibleLeverageStrategyExtension", book["leverage"]["products"][key]["strategy"])


# ---------------------------------------------------------------- products.toml against the deployment book


@pytest.mark.parametrize("key", FLI)
def test_shipped_products_file_matches_the_leverage_deployment(config, book, key):
    deployed, modules = book["leverage"]["products"][key], book["leverage"]["modules"]
    d = config.products[key].deployments["sandbox"]
    assert (d.set_token, d.manager, d.operator, d.methodologist) == (
        deployed["set_token"], deployed["base_manager"], deployed["operator"], deployed["methodologist"]
    )
    assert d.manager_kind == "base-manager"
    assert d.extensions == {"fli_strategy": deployed["strategy"], "fee_split": deployed["fee_split"]}
    assert dict(d.modules) == {k: modules[k] for k in ("debt_issuance", "streaming_fee", "claim", "airdrop")}
    assert modules["claim"] == book["modules"]["claim"] and modules["streaming_fee"] == book["modules"]["streaming_fee"]
    strategy = d.leverage
    assert strategy is not None
    assert strategy.leverage_module == modules["compound_leverage"]
    assert strategy.comptroller == book["compound"]["comptroller"]
    collateral = COLLATERAL[key]
    assert (strategy.collateral, strategy.borrow) == (collateral, "USDC")
    assert (strategy.collateral_ctoken, strategy.borrow_ctoken) == (CTOKEN[collateral], "cUSDC")
    assert (strategy.collateral_oracle, strategy.borrow_oracle) == (
        book["price_feeds"][collateral], book["price_feeds"]["USDC"]
    )
    assert strategy.allowed_callers == (book["accounts"]["keeper"],)
    tokens = config.networks["sandbox"].tokens
    assert tokens[strategy.collateral_ctoken].address == deployed["collateral_ctoken"]
    assert tokens[strategy.borrow_ctoken].address == deployed["borrow_ctoken"]


def test_the_keeper_plays_no_other_sandbox_role(book, w3):
    others = {scenario.DEPLOYER, scenario.OPERATOR, scenario.METHODOLOGIST, scenario.TRADER, scenario.ARBITRAGEUR,
              scenario.DELEGATED_OPERATOR, *scenario.SAFE_OWNERS}
    assert scenario.KEEPER not in others
    assert book["accounts"]["keeper"] == w3.eth.accounts[scenario.KEEPER] == "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"


# ---------------------------------------------------------------- engaged at the target


@pytest.mark.parametrize("key", FLI)
def test_each_product_is_engaged_at_its_target_within_the_band(config, book, real, key):
    methodology = config.products[key].leverage
    strategy = _strategy(real, book, key)
    ratio = strategy.functions.getCurrentLeverageRatio().call() / PRECISE
    assert methodology.min < ratio < methodology.max
    assert abs(ratio - methodology.target) < methodology.recentering_speed * (methodology.max - methodology.target)
    assert strategy.functions.twapLeverageRatio().call() == 0  # the engage TWAP is over
    names, verdicts = strategy.functions.shouldRebalance().call()
    assert sorted(names) == sorted(config.products[key].deployments["sandbox"].leverage.exchanges)
    assert verdicts == [0] * len(names)  # NONE: nothing to do until the rebalance interval passes
    assert book["leverage"]["products"][key]["engage_chunks"] > 1  # the engage took a TWAP, as real ones do


@pytest.mark.parametrize("key", FLI)
def test_compound_balances_of_the_set_match_its_positions_and_the_ratio(book, real, key):
    deployed = book["leverage"]["products"][key]
    collateral = COLLATERAL[key]
    set_token = real("SetToken", deployed["set_token"])
    ctoken = real("CERc20", deployed["collateral_ctoken"])
    cusdc = real("CERc20", deployed["borrow_ctoken"])
    supply = set_token.functions.totalSupply().call()
    assert supply == scenario.LEVERAGE_PRODUCTS[FLI.index(key)].supply * PRECISE

    held = ctoken.functions.balanceOf(set_token.address).call()
    owed = cusdc.functions.borrowBalanceStored(set_token.address).call()
    assert held > 0 and owed > 0
    positions = {(p[0], p[1]): p[2] for p in set_token.functions.getPositions().call()}
    zero = "0x" + "00" * 20
    assert positions[(ctoken.address, zero)] == held * PRECISE // supply  # the cToken is the default position
    usdc_unit = positions[(book["tokens"]["USDC"], book["leverage"]["modules"]["compound_leverage"])]
    # the debt, per set, as of the last sync (units round up, by at most one base unit a set): the other
    # product's borrows have accrued interest on it since
    recorded = -usdc_unit * supply // PRECISE
    assert usdc_unit < 0 and recorded <= owed + supply // PRECISE and recorded == pytest.approx(owed, rel=1e-5)
    assert cusdc.functions.balanceOf(set_token.address).call() == 0  # it borrows USDC, supplies none

    # the ratio from Compound's balances and the feeds, independently of the strategy's own arithmetic
    underlying = held * ctoken.functions.exchangeRateStored().call() // PRECISE
    feeds = {s: real("ChainlinkAggregatorV3Mock", a).functions.latestAnswer().call() for s, a in book["price_feeds"].items()}
    value = underlying * feeds[collateral] / 10 ** scenario.decimals(collateral)
    debt = owed * feeds["USDC"] / 10**6
    strategy = _strategy(real, book, key)
    assert strategy.functions.getCurrentLeverageRatio().call() / PRECISE == pytest.approx(value / (value - debt), rel=1e-9)
    comptroller = real("Comptroller", book["compound"]["comptroller"])
    error, liquidity, shortfall = comptroller.functions.getAccountLiquidity(set_token.address).call()
    assert (error, shortfall) == (0, 0) and liquidity > 0


@pytest.mark.parametrize("key", FLI)
def test_the_sets_are_held_and_the_lenders_liquidity_is_in_compound(book, real, key):
    set_token = real("SetToken", book["leverage"]["products"][key]["set_token"])
    assert set_token.functions.balanceOf(book["accounts"]["deployer"]).call() == set_token.functions.totalSupply().call()
    cusdc = real("CERc20", book["compound"]["ctokens"]["cUSDC"])
    assert cusdc.functions.getCash().call() > 5 * cusdc.functions.totalBorrows().call()  # room for keepers to lever


# ---------------------------------------------------------------- the strategy's settings are products.toml's


@pytest.mark.parametrize("key", FLI)
def test_the_strategy_settings_equal_the_products_file(config, book, real, w3, key):
    settings = strategy_settings(config, key)
    strategy = _strategy(real, book, key)
    assert tuple(strategy.functions.getMethodology().call()) == settings.methodology
    assert tuple(strategy.functions.getExecution().call()) == settings.execution
    assert tuple(strategy.functions.getIncentive().call()) == settings.incentive
    assert sorted(strategy.functions.getEnabledExchanges().call()) == sorted(settings.exchanges)
    for name, (size, _, ripcord_size, lever_data, delever_data) in settings.exchanges.items():
        on_chain = strategy.functions.getExchangeSettings(name).call()
        assert (on_chain[0], on_chain[2], on_chain[3], on_chain[4]) == (size, ripcord_size, lever_data, delever_data)
        assert on_chain[1] > 0  # traded during the engage
    deployed = book["leverage"]["products"][key]
    collateral = COLLATERAL[key]
    assert tuple(strategy.functions.getStrategy().call()) == (
        deployed["set_token"], book["leverage"]["modules"]["compound_leverage"], book["compound"]["comptroller"],
        book["price_feeds"][collateral], book["price_feeds"]["USDC"], deployed["collateral_ctoken"],
        deployed["borrow_ctoken"], book["tokens"][collateral], book["tokens"]["USDC"],
        28 - scenario.decimals(collateral), 22,
    )
    assert strategy.functions.callAllowList(book["accounts"]["keeper"]).call() is True
    assert strategy.functions.anyoneCallable().call() is False
    assert w3.eth.get_balance(strategy.address) == scenario.EXTENSION_ETHER * PRECISE
    manager = real("BaseManager", deployed["base_manager"])
    assert sorted(manager.functions.getAdapters().call()) == sorted([deployed["strategy"], deployed["fee_split"]])
    assert real("SetToken", deployed["set_token"]).functions.manager().call() == deployed["base_manager"]


def test_products_check_against_the_sandbox_passes_with_the_leverage_products(cli, sandbox):
    result = cli("products", "check", "--config", SHIPPED_PRODUCTS, "--network", "sandbox")
    assert result.code == 0, result.err


# ---------------------------------------------------------------- Compound, COMP and the linked library


def test_comp_sits_at_its_mainnet_address_and_the_comptroller_holds_it(book, real, w3):
    comptroller = real("Comptroller", book["compound"]["comptroller"])
    assert comptroller.functions.getCompAddress().call() == COMP_ADDRESS == book["compound"]["comp"]
    comp = real("Comp", COMP_ADDRESS)
    assert comp.functions.symbol().call() == "COMP"
    assert comp.functions.balanceOf(comptroller.address).call() == scenario.COMPTROLLER_COMP * PRECISE
    assert comptroller.functions.compSpeeds(book["compound"]["ctokens"]["cUSDC"]).call() > 0  # borrowers earn COMP
    markets = comptroller.functions.getAllMarkets().call()
    assert sorted(markets) == sorted(book["compound"]["ctokens"].values())


def test_the_leverage_module_runs_the_compound_library_linked_at_every_offset(book, w3, toolchain):
    libraries = book["leverage"]["libraries"]
    assert list(libraries) == ["contracts/protocol/integration/lib/Compound.sol:Compound"]
    library = libraries["contracts/protocol/integration/lib/Compound.sol:Compound"]
    assert len(w3.eth.get_code(library)) > 0
    path = (toolchain.set_protocol_v2 / "artifacts/contracts/protocol/modules/CompoundLeverageModule.sol"
            / "CompoundLeverageModule.json")
    offsets = json.loads(path.read_text())["deployedLinkReferences"]["contracts/protocol/integration/lib/Compound.sol"]
    runtime = bytes(w3.eth.get_code(book["leverage"]["modules"]["compound_leverage"]))
    assert len(offsets["Compound"]) == 12
    assert all(runtime[o["start"]:o["start"] + 20] == bytes.fromhex(library[2:]) for o in offsets["Compound"])


def test_a_second_linked_deploy_reuses_the_library(w3, book, artifacts):
    from indexops.sandbox.linking import Library

    deployer = book["accounts"]["deployer"]
    known = {Library(*name.split(":")): address for name, address in book["leverage"]["libraries"].items()}
    d = Deployer(w3, artifacts, deployer, dict(known))
    nonce = w3.eth.get_transaction_count(deployer)
    adapter = d.deploy("CompoundWrapV2Adapter")  # links the same Compound library
    assert w3.eth.get_transaction_count(deployer) == nonce + 1  # the adapter only: no second library
    assert d.libraries == known
    fresh = Deployer(w3, artifacts, deployer)
    fresh.deploy("CompoundWrapV2Adapter")
    assert w3.eth.get_transaction_count(deployer) == nonce + 3  # a deployer that knows none deploys it once
    assert set(fresh.libraries) == set(known) and len(w3.eth.get_code(adapter.address)) > 0


# ---------------------------------------------------------------- `indexops sandbox price`


def _pools_holding(real, book, symbol):
    """(venue, pool, other token) for every pool of `symbol`, found through the factories."""
    asset, found = book["tokens"][symbol], []
    for name, venue in book["venues"].items():
        for other_symbol, other in book["tokens"].items():
            if other == asset:
                continue
            if "quoter" in venue:
                pool = real("UniswapV3Factory", venue["factory"]).functions.getPool(asset, other, 3000).call()
            else:
                pool = real("UniswapV2Factory", venue["factory"]).functions.getPair(asset, other).call()
            if int(pool, 16):
                found.append((name, pool, other))
    return found


def _pool_price(real, pool, venue, asset, other) -> float:
    """Other-token base units per asset base unit."""
    if venue == "uniswap-v3":
        sqrt = real("UniswapV3Pool", pool).functions.slot0().call()[0]
        price = (sqrt / 2**96) ** 2
        return price if int(asset, 16) < int(other, 16) else 1 / price
    pair = real("UniswapV2Pair", pool)
    reserve0, reserve1, _ = pair.functions.getReserves().call()
    return reserve1 / reserve0 if pair.functions.token0().call() == asset else reserve0 / reserve1


def test_price_by_moves_the_feed_the_oracle_and_every_pool(cli, w3, book, real):
    feed = real("ChainlinkAggregatorV3Mock", book["price_feeds"]["WETH"])
    oracle = real("CompoundPriceOracleMock", book["compound"]["oracle"])
    ceth = book["compound"]["ctokens"]["cETH"]
    pools = _pools_holding(real, book, "WETH")
    assert len(pools) > 30 and any(v == "uniswap-v3" for v, _, _ in pools)
    weth = book["tokens"]["WETH"]
    before = {pool: _pool_price(real, pool, venue, weth, other) for venue, pool, other in pools}
    answer, oracle_price = feed.functions.latestAnswer().call(), oracle.functions.getUnderlyingPrice(ceth).call()
    block = w3.eth.block_number
    strategy = _strategy(real, book, "eth2x-fli")
    ratio = strategy.functions.getCurrentLeverageRatio().call() / PRECISE

    result = cli("sandbox", "price", "WETH", "--by", "-25", "--json")
    assert result.code == 0, result.err
    assert result.json()["before_usd"] == 3000 and result.json()["after_usd"] == 2250
    assert feed.functions.latestAnswer().call() == answer * 3 // 4 == 2250 * 10**8
    assert oracle.functions.getUnderlyingPrice(ceth).call() == oracle_price * 3 // 4 == 2250 * PRECISE
    for venue, pool, other in pools:
        moved = _pool_price(real, pool, venue, weth, other) / before[pool]
        assert moved == pytest.approx(0.75, rel=1e-5), (venue, pool, other)
    assert {p["pool"] for p in result.json()["pools"]} == {pool for _, pool, _ in pools}
    assert w3.eth.block_number > block
    # the strategy sees the market's move: with equity at (2 x 0.75 - 1) of the debt, about 3x
    expected = 0.75 * ratio / (0.75 * ratio - (ratio - 1))
    assert strategy.functions.getCurrentLeverageRatio().call() / PRECISE == pytest.approx(expected, rel=1e-6)


def test_price_to_sets_one_asset_and_leaves_the_others(cli, book, real):
    feeds = {s: real("ChainlinkAggregatorV3Mock", a) for s, a in book["price_feeds"].items()}
    result = cli("sandbox", "price", "btc", "--to", "40000")
    assert result.code == 0, result.err
    assert "WBTC: $50,000.00 -> $40,000.00 (-20.00%)" in result.out
    assert feeds["WBTC"].functions.latestAnswer().call() == 40_000 * 10**8
    assert feeds["WETH"].functions.latestAnswer().call() == 3_000 * 10**8
    oracle = real("CompoundPriceOracleMock", book["compound"]["oracle"])
    assert oracle.functions.getUnderlyingPrice(book["compound"]["ctokens"]["cWBTC"]).call() == 40_000 * 10**28
    wbtc, usdc = book["tokens"]["WBTC"], book["tokens"]["USDC"]
    for venue, pool, other in _pools_holding(real, book, "WBTC"):
        assert other == usdc
        assert _pool_price(real, pool, venue, wbtc, usdc) == pytest.approx(40_000 * 10**6 / 10**8, rel=1e-5)
