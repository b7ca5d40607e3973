"""A leverage product's strategy settings in products.toml: strictly typed, checked against the network
and against the rules FlexibleLeverageStrategyExtension's constructor enforces, one line per problem."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indexops.config.loader import load_config, parse_products
from indexops.errors import ConfigError
from indexops.sandbox.leverage_settings import strategy_settings
from tests.paths import SHIPPED_PRODUCTS
from tests.products_base import BASE, edit

SOURCE = "products.toml"
SHIPPED = SHIPPED_PRODUCTS

LEVERAGE_PRODUCT = 'leverage = { target = 2.0, min = 1.7, max = 2.3, ripcord = 2.7 }\n'
WITH_INTERVAL = 'leverage = { target = 2.0, min = 1.7, max = 2.3, ripcord = 2.7, rebalance_interval = 86400 }\n'
SANDBOX_TOKENS = '[networks.sandbox.tokens]\n'
EXTRA_TOKENS = (
    '[networks.sandbox.tokens]\ncETH = { address = "0x0000000000000000000000000000000000000001", decimals = 8 }\n'
    'cUSDC = { address = "0x0000000000000000000000000000000000000002", decimals = 8 }\n'
)
SANDBOX_VENUE = 'router = "0xB7f8BC63BbcaD18155201308C8f3540b07f84F5e"\n'
SANDBOX_VENUE_NAMED = SANDBOX_VENUE + 'trade_adapter = "UniswapV2ExchangeAdapter"\n'

LEVERAGE_DEPLOYMENT = """
[products.lev.deployments.sandbox]
set_token = "0xA6D6d7c556ce6Ada136ba32Dbe530993f128CA44"
manager_kind = "base-manager"
extensions = { fli_strategy = "0x95775fD3Afb1F4072794CA4ddA27F2444BCf8Ac3" }

[products.lev.deployments.sandbox.leverage]
collateral = "WETH"
borrow = "USDC"
collateral_ctoken = "cETH"
borrow_ctoken = "cUSDC"
leverage_module = "0x6A59CC73e334b018C9922793d96Df84B538E6fD5"
comptroller = "0xAdE429ba898c34722e722415D722A70a297cE3a2"
collateral_oracle = "0x3904b8f5b0F49cD206b7d5AABeE5D1F37eE15D8d"
borrow_oracle = "0xFE5f411481565fbF70D8D33D992C78196E014b90"
allowed_callers = ["0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"]

[products.lev.deployments.sandbox.leverage.execution]
unutilized_leverage = 0.01
slippage = 0.02
twap_cooldown = 30

[products.lev.deployments.sandbox.leverage.incentive]
ether_reward = 1
slippage = 0.05
twap_cooldown = 1

[products.lev.deployments.sandbox.leverage.exchanges]
UniswapV2ExchangeAdapter = { twap_max_trade_size = 200, incentivized_twap_max_trade_size = 500.5 }
"""

VALID = edit(BASE, (LEVERAGE_PRODUCT, WITH_INTERVAL), (SANDBOX_TOKENS, EXTRA_TOKENS),
             (SANDBOX_VENUE, SANDBOX_VENUE_NAMED)) + LEVERAGE_DEPLOYMENT


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_products(text, source=SOURCE)
    return caught.value.problems


def test_a_leverage_deployment_is_valid_and_typed():
    strategy = parse_products(VALID).products["lev"].deployments["sandbox"].leverage
    assert strategy is not None
    assert (strategy.collateral, strategy.borrow, strategy.collateral_ctoken) == ("WETH", "USDC", "cETH")
    assert strategy.execution.twap_cooldown == 30 and strategy.incentive.ether_reward == Decimal(1)
    assert strategy.exchanges["UniswapV2ExchangeAdapter"].incentivized_twap_max_trade_size == Decimal("500.5")
    assert strategy.exchanges["UniswapV2ExchangeAdapter"].lever_exchange_data == "0x"


def test_the_settings_in_contract_units():
    settings = strategy_settings(parse_products(VALID), "lev")
    assert settings.methodology == (2 * 10**18, 17 * 10**17, 23 * 10**17, 5 * 10**16, 86400)
    assert settings.execution == (10**16, 2 * 10**16, 30)
    assert settings.incentive == (10**18, 27 * 10**17, 5 * 10**16, 1)
    assert settings.exchanges == {"UniswapV2ExchangeAdapter": (200 * 10**18, 0, 5005 * 10**17, b"", b"")}


def test_the_sandbox_needs_the_settings_it_deploys():
    without = parse_products(edit(BASE, (LEVERAGE_PRODUCT, WITH_INTERVAL)))
    with pytest.raises(ConfigError, match=r"products.lev: the sandbox deploys this leverage product"):
        strategy_settings(without, "lev")


CASES = [
    pytest.param(
        [("twap_cooldown = 30\n", "twap_cooldown = 30\nkeeper = 1\n")],
        ["products.lev.deployments.sandbox.leverage.execution.keeper: unknown key"],
        id="unknown-execution-key",
    ),
    pytest.param(
        [('borrow = "USDC"\n', 'borrow = "USDC"\nborrow_cap = 5\n')],
        ["products.lev.deployments.sandbox.leverage.borrow_cap: unknown key"],
        id="unknown-leverage-key",
    ),
    pytest.param(
        [("slippage = 0.02\n", "slippage = 2\n")],
        ["products.lev.deployments.sandbox.leverage.execution.slippage: must be less than or equal to 1 (got 2)"],
        id="slippage-above-one",
    ),
    pytest.param(
        [("slippage = 0.02\n", 'slippage = "2%"\n')],
        ["products.lev.deployments.sandbox.leverage.execution.slippage: must be a valid number (got '2%')"],
        id="slippage-a-string",
    ),
    pytest.param(
        [("slippage = 0.02\n", "slippage = nan\n")],
        ["products.lev.deployments.sandbox.leverage.execution.slippage: must be a finite number (got nan)"],
        id="slippage-nan",
    ),
    pytest.param(
        [("twap_cooldown = 30\n", "twap_cooldown = 30.5\n")],
        ["products.lev.deployments.sandbox.leverage.execution.twap_cooldown: must be a valid integer (got 30.5)"],
        id="cooldown-not-whole",
    ),
    pytest.param(
        [("twap_max_trade_size = 200,", "twap_max_trade_size = 0,")],
        ["products.lev.deployments.sandbox.leverage.exchanges.UniswapV2ExchangeAdapter.twap_max_trade_size: "
         "must be greater than 0 (got 0)"],
        id="trade-size-zero",
    ),
    pytest.param(
        [('collateral_oracle = "0x3904b8f5b0F49cD206b7d5AABeE5D1F37eE15D8d"',
          'collateral_oracle = "0x3904b8f5b0f49cd206b7d5aabee5d1f37ee15d8d"')],
        ["products.lev.deployments.sandbox.leverage.collateral_oracle: address is not checksummed: "
         "0x3904b8f5b0f49cd206b7d5aabee5d1f37ee15d8d (expected 0x3904b8f5b0F49cD206b7d5AABeE5D1F37eE15D8d)"],
        id="oracle-not-checksummed",
    ),
    pytest.param(
        [("[products.lev.deployments.sandbox.leverage.incentive]\nether_reward = 1\nslippage = 0.05\ntwap_cooldown = 1\n", "")],
        ["products.lev.deployments.sandbox.leverage.incentive: missing required key"],
        id="incentive-missing",
    ),
    pytest.param(
        [('collateral_ctoken = "cETH"', 'collateral_ctoken = "cWETH"')],
        ["products.lev.deployments.sandbox.leverage.collateral_ctoken: token 'cWETH' is not in networks.sandbox.tokens"],
        id="ctoken-not-in-the-address-book",
    ),
    pytest.param(
        [("UniswapV2ExchangeAdapter = {", "UniswapV3ExchangeAdapter = {")],
        ["products.lev.deployments.sandbox.leverage.exchanges.UniswapV3ExchangeAdapter: no venue on network 'sandbox' "
         "trades through an adapter named 'UniswapV3ExchangeAdapter' (trade adapters: UniswapV2ExchangeAdapter)"],
        id="exchange-without-a-venue",
    ),
    pytest.param(
        [("twap_max_trade_size = 200,", "twap_max_trade_size = 0.0000000000000000001,")],
        ["products.lev.deployments.sandbox.leverage.exchanges.UniswapV2ExchangeAdapter.twap_max_trade_size: "
         "1E-19 has more decimals than WETH (18): the contract stores base units"],
        id="trade-size-below-a-base-unit",
    ),
    pytest.param(
        [(WITH_INTERVAL, LEVERAGE_PRODUCT)],
        ["products.lev.leverage.rebalance_interval: missing: a deployed strategy needs its rebalance interval (seconds)"],
        id="no-rebalance-interval",
    ),
    pytest.param(
        [("rebalance_interval = 86400", "rebalance_interval = 20")],
        ["products.lev.deployments.sandbox.leverage.execution.twap_cooldown: must not exceed the rebalance interval "
         "(30 s > 20 s)"],
        id="cooldown-above-interval",
    ),
    pytest.param(
        [("ether_reward = 1\nslippage = 0.05\ntwap_cooldown = 1\n", "ether_reward = 1\nslippage = 0.05\ntwap_cooldown = 31\n")],
        ["products.lev.deployments.sandbox.leverage.incentive.twap_cooldown: must not exceed the TWAP cooldown "
         "(31 s > 30 s)"],
        id="ripcord-cooldown-above-twap-cooldown",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), CASES)
def test_one_bad_edit_gives_exactly_these_lines(edits, expected):
    assert problems(edit(VALID, *edits)) == [f"{SOURCE}: {line}" for line in expected]


def test_a_leverage_section_on_an_index_product_is_refused():
    strategy = LEVERAGE_DEPLOYMENT[LEVERAGE_DEPLOYMENT.index("[products.lev.deployments.sandbox.leverage]"):]
    text = VALID + "\n" + strategy.replace("[products.lev.", "[products.idx.")
    assert problems(text) == [
        f"{SOURCE}: products.idx.deployments.sandbox.leverage: applies to leverage products only (this product is 'index')"
    ]


def test_the_shipped_file_has_both_leverage_products_on_the_sandbox():
    config = load_config(SHIPPED).file
    for key, collateral in (("eth2x-fli", "WETH"), ("btc2x-fli", "WBTC")):
        deployment = config.products[key].deployments["sandbox"]
        assert deployment.leverage is not None and deployment.leverage.collateral == collateral
        assert set(deployment.leverage.exchanges) == {"UniswapV2ExchangeAdapter", "SushiswapExchangeAdapter"}
    assert config.products["eth2x-fli"].deployments["mainnet"].leverage is None  # the mainnet entry is as it was


KEEPER = """
[products.lev.keeper]
routine_max_gwei = 30
iterate_max_gwei = 200
ripcord_max_gwei = 3000
max_bumps = 3
bump_after_blocks = 3
"""
WITH_KEEPER = VALID + KEEPER


def test_a_keeper_section_is_typed_and_optional():
    keeper = parse_products(WITH_KEEPER).products["lev"].keeper
    assert keeper is not None and (keeper.routine_max_gwei, keeper.iterate_max_gwei) == (30, 200)
    assert (keeper.ripcord_max_gwei, keeper.max_bumps, keeper.bump_after_blocks) == (3000, 3, 3)
    assert parse_products(VALID).products["lev"].keeper is None


KEEPER_CASES = [
    pytest.param(
        ("routine_max_gwei = 30", "routine_max_gwei = 0"),
        "products.lev.keeper.routine_max_gwei: must be greater than 0 (got 0)",
        id="routine-zero",
    ),
    pytest.param(
        ("iterate_max_gwei = 200", 'iterate_max_gwei = "200"'),
        "products.lev.keeper.iterate_max_gwei: must be a valid number (got '200')",
        id="iterate-a-string",
    ),
    pytest.param(
        ("ripcord_max_gwei = 3000", "ripcord_max_gwei = inf"),
        "products.lev.keeper.ripcord_max_gwei: must be a finite number (got inf)",
        id="ripcord-inf",
    ),
    pytest.param(
        ("ripcord_max_gwei = 3000", "ripcord_max_gwei = 2000000"),
        "products.lev.keeper.ripcord_max_gwei: must be less than or equal to 1000000 (got 2000000)",
        id="ripcord-absurd",
    ),
    pytest.param(
        ("max_bumps = 3", "max_bumps = -1"),
        "products.lev.keeper.max_bumps: must be greater than or equal to 0 (got -1)",
        id="bumps-negative",
    ),
    pytest.param(
        ("max_bumps = 3", "max_bumps = 2.5"),
        "products.lev.keeper.max_bumps: must be a valid integer (got 2.5)",
        id="bumps-not-whole",
    ),
    pytest.param(
        ("max_bumps = 3", "max_bumps = 50"),
        "products.lev.keeper.max_bumps: must be less than or equal to 20 (got 50)",
        id="bumps-too-many",
    ),
    pytest.param(
        ("bump_after_blocks = 3", "bump_after_blocks = 0"),
        "products.lev.keeper.bump_after_blocks: must be greater than 0 (got 0)",
        id="bump-after-zero",
    ),
    pytest.param(
        ("bump_after_blocks = 3", "bump_after_blocks = true"),
        "products.lev.keeper.bump_after_blocks: must be a valid integer (got True)",
        id="bump-after-a-boolean",
    ),
    pytest.param(
        ("bump_after_blocks = 3", "bump_after_blocks = 3\nmin_gwei = 1"),
        "products.lev.keeper.min_gwei: unknown key",
        id="unknown-key",
    ),
    pytest.param(
        ("iterate_max_gwei = 200", "iterate_max_gwei = 20"),
        "products.lev.keeper.iterate_max_gwei: must not be below routine_max_gwei (20 < 30): "
        "a routine rebalance whose interval is lapsing pays up to iterate_max_gwei",
        id="iterate-below-routine",
    ),
    pytest.param(
        ("ripcord_max_gwei = 3000", "ripcord_max_gwei = 100"),
        "products.lev.keeper.ripcord_max_gwei: must not be below iterate_max_gwei (100 < 200): "
        "a ripcord is the most urgent call",
        id="ripcord-below-iterate",
    ),
]


@pytest.mark.parametrize(("change", "expected"), KEEPER_CASES)
def test_one_bad_keeper_value_gives_one_line_naming_its_key(change, expected):
    assert problems(edit(WITH_KEEPER, change)) == [f"{SOURCE}: {expected}"]


def test_a_keeper_section_on_an_index_product_is_refused():
    text = WITH_KEEPER + KEEPER.replace("[products.lev.", "[products.idx.")
    assert problems(text) == [
        f"{SOURCE}: products.idx.keeper: applies to leverage products only (this product is 'index')"
    ]


def test_the_shipped_leverage_products_have_a_keeper_policy():
    config = load_config(SHIPPED).file
    for key in ("eth2x-fli", "btc2x-fli"):
        keeper = config.products[key].keeper
        assert keeper is not None
        assert keeper.routine_max_gwei <= keeper.iterate_max_gwei <= keeper.ripcord_max_gwei
