"""The products file: every way an operator can get it wrong gives one exact line per problem.

Each bad file is the small valid BASE below with one targeted replacement, so a test
fails loudly if its replacement stops applying (see `edit`) and shows what it broke.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from indexops.config.loader import LoadedConfig, load_config, parse_products
from indexops.config.selection import choose_network, choose_product, resolve_rpc_url
from indexops.config.semantics import WEIGHT_TOLERANCE
from indexops.errors import ConfigError, UsageError
from tests.paths import SHIPPED_PRODUCTS

SOURCE = "products.toml"
SHIPPED = SHIPPED_PRODUCTS

from tests.products_base import (  # noqa: F401
    BASE,
    COMPONENT_UNI,
    COMPONENT_WETH,
    IDX_MAINNET_MODULES,
    IDX_MAINNET_SET_TOKEN,
    IDX_SANDBOX_EXTENSIONS,
    IDX_SANDBOX_KIND,
    IDX_SANDBOX_SET_TOKEN,
    LEV_EXTENSIONS,
    LEV_LEVERAGE,
    MAINNET_PRICING,
    MAINNET_ROUTER,
    MAINNET_RPC,
    MAINNET_USDC,
    MAINNET_WETH,
    SANDBOX_HEAD,
    SANDBOX_UNI,
    edit,
)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_products(text, source=SOURCE)
    assert str(caught.value) == "\n".join(caught.value.problems)
    assert caught.value.exit_code == 2
    return caught.value.problems


def line_of(text: str, snippet: str) -> int:
    """1-based number of the first line of `text` that contains `snippet`."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if snippet in line)


def loaded(text: str = BASE) -> LoadedConfig:
    return LoadedConfig(path=Path(SOURCE), file=parse_products(text, source=SOURCE))


# ---------------------------------------------------------------------------------------------
# The base file and the shipped file are valid
# ---------------------------------------------------------------------------------------------


def test_base_file_is_valid():
    parsed = parse_products(BASE, source=SOURCE)
    assert sorted(parsed.networks) == ["mainnet", "sandbox"]
    assert sorted(parsed.products) == ["idx", "lev"]
    assert parsed.products["idx"].components["UNI"].weight == 0.6


def test_shipped_products_file_is_valid():
    config = load_config(SHIPPED)
    assert config.path == SHIPPED
    assert config.file.default_network == "sandbox"
    assert sorted(config.file.networks) == ["mainnet", "sandbox"]
    assert sorted(config.file.products) == ["btc2x-fli", "dpi", "eth2x-fli", "mvi", "pix", "sbx"]
    assert config.file.products["eth2x-fli"].kind == "leverage"


@pytest.mark.parametrize(
    ("product", "network", "set_token"),
    [
        ("dpi", "mainnet", "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"),
        ("dpi", "sandbox", "0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81"),
        ("mvi", "sandbox", "0x6D544390Eb535d61e196c87d6B9c80dCD8628Acd"),
        ("eth2x-fli", "mainnet", "0xAa6E8127831c9DE45ae56bB1b0d4D4Da6e5665BD"),
    ],
)
def test_every_shipped_deployment_can_be_chosen(product, network, set_token):
    chosen = choose_product(load_config(SHIPPED), product, network)
    assert (chosen.key, chosen.where.name, chosen.deployment.set_token) == (product, network, set_token)


def test_shipped_mainnet_rpc_url_comes_from_the_environment():
    where = choose_network(load_config(SHIPPED), "mainnet")
    url = resolve_rpc_url(where, None, lambda: None, environ={"ETH_RPC_URL": "https://rpc.example/key"})
    assert url == "https://rpc.example/key"


# ---------------------------------------------------------------------------------------------
# One bad edit of the base file -> exactly these lines (without the "products.toml: " prefix)
# ---------------------------------------------------------------------------------------------

CASES = [
    # addresses
    pytest.param(
        [(IDX_MAINNET_SET_TOKEN, '"0xZZ94CA1F11D487c2bBe4543E90080AeBa4BA3C2b"')],
        ["products.idx.deployments.mainnet.set_token: not an address: "
         "'0xZZ94CA1F11D487c2bBe4543E90080AeBa4BA3C2b' ('Z' is not a hex digit)"],
        id="address-not-hex",
    ),
    pytest.param(
        [(IDX_MAINNET_SET_TOKEN, '"0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2"')],
        ["products.idx.deployments.mainnet.set_token: not an address: "
         "'0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2' (39 hex digits after 0x, expected 40)"],
        id="address-too-short",
    ),
    pytest.param(
        [(IDX_MAINNET_SET_TOKEN, '"0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b0"')],
        ["products.idx.deployments.mainnet.set_token: not an address: "
         "'0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b0' (41 hex digits after 0x, expected 40)"],
        id="address-too-long",
    ),
    pytest.param(
        [(IDX_MAINNET_SET_TOKEN, '"1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"')],
        ["products.idx.deployments.mainnet.set_token: not an address: "
         "'1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b' (expected 0x followed by 40 hex digits)"],
        id="address-without-0x",
    ),
    pytest.param(
        [(IDX_MAINNET_SET_TOKEN, "1494")],
        ["products.idx.deployments.mainnet.set_token: must be a valid string (got 1494)"],
        id="address-not-a-string",
    ),
    pytest.param(
        [(MAINNET_WETH, 'WETH = { address = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", decimals = 18 }')],
        ["networks.mainnet.tokens.WETH.address: address is not checksummed: "
         "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2 (expected 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2)"],
        id="address-all-lowercase",
    ),
    pytest.param(
        [(MAINNET_ROUTER, 'router = "0x7a250d5630b4cF539739dF2C5dAcb4c659F2488D"')],
        ["networks.mainnet.venues.uniswap-v2.router: address is not checksummed: "
         "0x7a250d5630b4cF539739dF2C5dAcb4c659F2488D (expected 0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D)"],
        id="address-checksum-typo",
    ),
    pytest.param(
        [(IDX_SANDBOX_KIND, IDX_SANDBOX_KIND + '\nallowed_traders = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x12"]')],
        ["products.idx.deployments.sandbox.allowed_traders.1: not an address: '0x12' (2 hex digits after 0x, expected 40)"],
        id="allowed-trader-not-an-address",
    ),
    # weights and units
    pytest.param(
        [(COMPONENT_UNI, 'UNI = { weight = 0.5, venues = ["uniswap-v2"] }')],
        ["products.idx.components: weights sum to 0.9, not 1 (tolerance 1e-09)"],
        id="weights-sum-to-0.9",
    ),
    pytest.param(
        [(COMPONENT_UNI, 'UNI = { weight = 0.600000002, venues = ["uniswap-v2"] }')],
        ["products.idx.components: weights sum to 1.000000002, not 1 (tolerance 1e-09)"],
        id="weights-sum-2e-9-over",
    ),
    pytest.param(
        [(COMPONENT_WETH, "WETH = { weight = -0.4 }")],
        ["products.idx.components.WETH.weight: must be greater than or equal to 0 (got -0.4)"],
        id="negative-weight",
    ),
    pytest.param(
        [(COMPONENT_WETH, "WETH = { weight = nan }")],
        ["products.idx.components.WETH.weight: must be greater than or equal to 0 (got nan)"],
        id="nan-weight",
    ),
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { weight = "lots" }')],
        ["products.idx.components.WETH.weight: must be a valid number (got 'lots')"],
        id="weight-not-a-number",
    ),
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { weight = "0.05" }')],
        ["products.idx.components.WETH.weight: must be a valid number (got '0.05')"],
        id="weight-as-a-string",
    ),
    pytest.param(
        [(COMPONENT_UNI, 'UNI = { units = "1.5", venues = ["uniswap-v2"] }'), (COMPONENT_WETH, "WETH = { units = -2 }")],
        ["products.idx.components.WETH.units: must be greater than or equal to 0 (got -2)"],
        id="negative-units",
    ),
    pytest.param(
        [(COMPONENT_WETH, "WETH = { weight = 0.4, units = 1 }")],
        ["products.idx.components.WETH: give exactly one of weight or units, not both"],
        id="weight-and-units",
    ),
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { venues = ["uniswap-v2"] }')],
        ["products.idx.components.WETH: give exactly one of weight or units (neither is given)"],
        id="neither-weight-nor-units",
    ),
    pytest.param(
        [(COMPONENT_WETH, "WETH = { units = 1 }")],
        ["products.idx.components: mixes weights and units: give every component a weight, or every component units"],
        id="weights-mixed-with-units",
    ),
    pytest.param(
        [("[products.idx.components]\n" + COMPONENT_UNI + "\n" + COMPONENT_WETH + "\n", "")],
        ["products.idx.components: missing: an index product needs at least one component"],
        id="index-without-components",
    ),
    # keys
    pytest.param(
        [(IDX_SANDBOX_KIND, 'manager_kind = "safe"')],
        ["products.idx.deployments.sandbox.manager_kind: must be 'delegated', 'base-manager' or 'direct' (got 'safe')"],
        id="unknown-manager-kind",
    ),
    pytest.param(
        [(IDX_SANDBOX_SET_TOKEN, IDX_SANDBOX_SET_TOKEN.replace("set_token", "set_tokn"))],
        ["products.idx.deployments.sandbox.set_token: missing required key",
         "products.idx.deployments.sandbox.set_tokn: unknown key"],
        id="typo-set_tokn",
    ),
    pytest.param(
        [('default_network = "sandbox"\n', 'default_network = "sandbox"\nversion = 2\n')],
        ["version: unknown key"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        [(IDX_SANDBOX_SET_TOKEN, "")],
        ["products.idx.deployments.sandbox.set_token: missing required key"],
        id="missing-set_token",
    ),
    pytest.param(
        [(SANDBOX_HEAD, "[networks.sandbox]\nsandbox = true\n")],
        ["networks.sandbox.chain_id: missing required key"],
        id="missing-chain_id",
    ),
    pytest.param(
        [('default_network = "sandbox"\n', "")],
        ["default_network: missing required key"],
        id="missing-default_network",
    ),
    pytest.param(
        [("chain_id = 1\n", "chain_id = 0\n")],
        ["networks.mainnet.chain_id: must be greater than 0 (got 0)"],
        id="chain_id-zero",
    ),
    pytest.param(
        [("chain_id = 1\n", "chain_id = true\n")],
        ["networks.mainnet.chain_id: must be a valid integer (got True)"],
        id="chain_id-boolean",
    ),
    pytest.param(
        [(IDX_MAINNET_MODULES, IDX_MAINNET_MODULES.replace("gim =", "gimm ="))],
        ["products.idx.deployments.mainnet.modules.gimm: unknown key: must be 'trade', 'gim', 'streaming_fee', "
         "'basic_issuance', 'debt_issuance', 'claim', 'wrap' or 'airdrop'"],
        id="unknown-module-name",
    ),
    pytest.param(
        [(IDX_SANDBOX_EXTENSIONS, IDX_SANDBOX_EXTENSIONS.replace("trade =", "trades ="))],
        ["products.idx.deployments.sandbox.extensions.trades: unknown key: must be 'gim', 'fee_split', 'trade', "
         "'batch_trade', 'claim', 'wrap' or 'fli_strategy'"],
        id="unknown-extension-name",
    ),
    pytest.param(
        [('name = "Test Index"', 'name = ""')],
        ["products.idx.name: string should have at least 1 character (got '')"],
        id="empty-product-name",
    ),
    # cross references
    pytest.param(
        [('default_network = "sandbox"', 'default_network = "local"')],
        ["default_network: unknown network 'local' (networks: mainnet, sandbox)"],
        id="default_network-not-defined",
    ),
    pytest.param(
        [("[products.idx.deployments.sandbox]", "[products.idx.deployments.goerli]")],
        ["products.idx.deployments.goerli: unknown network 'goerli' (networks: mainnet, sandbox)"],
        id="deployment-on-undefined-network",
    ),
    pytest.param(
        [(SANDBOX_UNI, "")],
        ["products.idx.components.UNI: token 'UNI' is not in networks.sandbox.tokens"],
        id="component-token-not-in-token-book",
    ),
    pytest.param(
        [(COMPONENT_UNI, 'UNI = { weight = 0.6, venues = ["uniswap-v2", "sushiswap"] }')],
        ["products.idx.components.UNI.venues: unknown venue 'sushiswap' on network 'mainnet' (venues: uniswap-v2)",
         "products.idx.components.UNI.venues: unknown venue 'sushiswap' on network 'sandbox' (venues: uniswap-v2)"],
        id="component-venue-unknown",
    ),
    pytest.param(
        [(MAINNET_PRICING, MAINNET_RPC + 'pricing_venue = "sushiswap"')],
        ["networks.mainnet.pricing_venue: unknown venue 'sushiswap' (venues: uniswap-v2)"],
        id="pricing_venue-unknown",
    ),
    pytest.param(
        [(MAINNET_RPC, MAINNET_RPC + 'weth = "WETH9"\n')],
        ["networks.mainnet.weth: token 'WETH9' is not in networks.mainnet.tokens"],
        id="weth-symbol-not-in-tokens",
    ),
    pytest.param(
        [(SANDBOX_HEAD, SANDBOX_HEAD + 'usd = "DAI"\n')],
        ["networks.sandbox.usd: token 'DAI' is not in networks.sandbox.tokens"],
        id="usd-symbol-not-in-tokens",
    ),
    pytest.param(
        [(SANDBOX_UNI, SANDBOX_UNI + 'WETH2 = { address = "0x5FbDB2315678afecb367f032d93F642f64180aa3" }\n')],
        ["networks.sandbox.tokens.WETH2: duplicate token: same address as WETH (0x5FbDB2315678afecb367f032d93F642f64180aa3)"],
        id="duplicate-token-address",
    ),
    pytest.param(
        [(MAINNET_RPC, "")],
        ["networks.mainnet.rpc_url: missing: a network other than the sandbox needs an RPC URL"],
        id="mainnet-without-rpc_url",
    ),
    # hex data and ranges
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { weight = 0.4, exchange_data = "0xabc" }')],
        ["products.idx.components.WETH.exchange_data: not whole bytes: '0xabc' has an odd number of hex digits (3)"],
        id="exchange_data-odd-length",
    ),
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { weight = 0.4, exchange_data = "0x0g" }')],
        ["products.idx.components.WETH.exchange_data: not hex: '0x0g' ('g' is not a hex digit)"],
        id="exchange_data-not-hex",
    ),
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { weight = 0.4, exchange_data = "0bb8" }')],
        ["products.idx.components.WETH.exchange_data: not 0x-prefixed hex: '0bb8'"],
        id="exchange_data-without-0x",
    ),
    pytest.param(
        [(MAINNET_ROUTER, MAINNET_ROUTER + "\nfee_bps = 10000")],
        ["networks.mainnet.venues.uniswap-v2.fee_bps: must be less than 10000 (got 10000)"],
        id="fee_bps-too-high",
    ),
    pytest.param(
        [(MAINNET_ROUTER, MAINNET_ROUTER + "\nfee_bps = -1")],
        ["networks.mainnet.venues.uniswap-v2.fee_bps: must be greater than or equal to 0 (got -1)"],
        id="fee_bps-negative",
    ),
    pytest.param(
        [(MAINNET_USDC, MAINNET_USDC.replace("decimals = 6", "decimals = 37"))],
        ["networks.mainnet.tokens.USDC.decimals: must be less than or equal to 36 (got 37)"],
        id="decimals-too-high",
    ),
    pytest.param(
        [(MAINNET_USDC, MAINNET_USDC.replace("decimals = 6", "decimals = -1"))],
        ["networks.mainnet.tokens.USDC.decimals: must be greater than or equal to 0 (got -1)"],
        id="decimals-negative",
    ),
    # leverage and manager kinds
    pytest.param(
        [(LEV_LEVERAGE, "")],
        ["products.lev.leverage: missing: a leverage product needs its leverage settings"],
        id="leverage-without-settings",
    ),
    pytest.param(
        [(LEV_LEVERAGE, LEV_LEVERAGE.replace("min = 1.7", "min = 2.1"))],
        ["products.lev.leverage: must satisfy min <= target <= max < ripcord (got min 2.1, target 2.0, max 2.3, ripcord 2.7)"],
        id="leverage-min-above-target",
    ),
    pytest.param(
        [(LEV_LEVERAGE, LEV_LEVERAGE.replace("ripcord = 2.7", "ripcord = 2.3"))],
        ["products.lev.leverage: must satisfy min <= target <= max < ripcord (got min 1.7, target 2.0, max 2.3, ripcord 2.3)"],
        id="leverage-ripcord-not-above-max",
    ),
    pytest.param(
        [(LEV_EXTENSIONS, LEV_EXTENSIONS.replace("fli_strategy =", "gim ="))],
        ["products.lev.deployments.mainnet.extensions.fli_strategy: missing: a leverage product needs its strategy extension"],
        id="leverage-deployment-without-strategy",
    ),
    pytest.param(
        [(IDX_MAINNET_MODULES, IDX_MAINNET_MODULES.replace("gim =", "trade ="))],
        ["products.idx.deployments.mainnet.modules.gim: missing: manager kind 'base-manager' trades through it"],
        id="base-manager-without-modules.gim",
    ),
    pytest.param(
        [(IDX_SANDBOX_EXTENSIONS, IDX_SANDBOX_EXTENSIONS.replace("trade =", "batch_trade ="))],
        ["products.idx.deployments.sandbox.extensions.trade: missing: manager kind 'delegated' trades through it"],
        id="delegated-without-extensions.trade",
    ),
    pytest.param(
        [(IDX_SANDBOX_KIND, 'manager_kind = "direct"')],
        ["products.idx.deployments.sandbox.modules.trade: missing: manager kind 'direct' trades through it"],
        id="direct-without-modules.trade",
    ),
    pytest.param(
        [('symbol = "IDX"\n', 'symbol = "IDX"\nexecution = { max_gas_price_gwei = 1e308 }\n')],
        ["products.idx.execution.max_gas_price_gwei: must be less than or equal to 1000000 (got 1e+308)"],
        id="gas-cap-beyond-any-gas-price",
    ),
    pytest.param(
        [('symbol = "IDX"\n', 'symbol = "IDX"\nexecution = { max_duration_hours = inf }\n')],
        ["products.idx.execution.max_duration_hours: must be a finite number (got inf)"],
        id="infinite-duration",
    ),
    pytest.param(
        [("[products.lev.deployments.mainnet]\n", "[products.lev.other]\n")],
        ["products.lev.deployments: missing required key", "products.lev.other: unknown key"],
        id="product-without-deployments",
    ),
]


@pytest.mark.parametrize(("replacements", "expected"), CASES)
def test_bad_file_gives_exact_problem_lines(replacements, expected):
    assert problems(edit(BASE, *replacements)) == [f"{SOURCE}: {line}" for line in expected]


def test_cases_are_distinct_bad_inputs():
    texts = [edit(BASE, *case.values[0]) for case in CASES]
    assert len(set(texts)) == len(texts) >= 25
    assert BASE not in texts


# ---------------------------------------------------------------------------------------------
# TOML itself
# ---------------------------------------------------------------------------------------------


def test_invalid_toml_value_names_line_and_column():
    text = edit(BASE, ("chain_id = 31337\n", "chain_id = \n"))
    line = line_of(text, "[networks.sandbox]") + 1
    assert text.splitlines()[line - 1] == "chain_id = "
    assert problems(text) == [f"{SOURCE}: invalid TOML: Invalid value (at line {line}, column 12)"]


def test_unclosed_table_header_names_line():
    text = edit(BASE, ("[networks.sandbox]\n", "[networks.sandbox\n"))
    line = line_of(text, "[networks.sandbox")
    assert text.splitlines()[line - 1] == "[networks.sandbox"
    assert problems(text) == [
        f"{SOURCE}: invalid TOML: Expected ']' at the end of a table declaration (at line {line}, column 18)"
    ]


def test_component_listed_twice_is_a_duplicate_key_on_its_line():
    text = edit(BASE, (COMPONENT_WETH + "\n", COMPONENT_WETH + '\nUNI = { weight = 0.1, venues = ["uniswap-v2"] }\n'))
    line = line_of(text, "UNI = { weight = 0.1")
    assert problems(text) == [
        f"{SOURCE}: invalid TOML: duplicate key 'products.idx.components.UNI': "
        f"set a second time at line {line} (each key may be given only once)"
    ]


def test_quoted_duplicate_with_multiline_value_names_the_line_the_key_is_on():
    text = edit(BASE, (COMPONENT_WETH + "\n", COMPONENT_WETH + '\n"UNI" = { weight = 0.1, venues = [\n  "uniswap-v2",\n] }\n'))
    line = line_of(text, '"UNI" = {')
    assert problems(text) == [
        f"{SOURCE}: invalid TOML: duplicate key 'products.idx.components.UNI': "
        f"set a second time at line {line} (each key may be given only once)"
    ]


def test_table_declared_twice_names_table_and_line():
    text = BASE + "\n[networks.sandbox]\nexplorer_url = \"http://localhost\"\n"
    line = len(BASE.splitlines()) + 2
    assert text.splitlines()[line - 1] == "[networks.sandbox]"
    assert problems(text) == [
        f"{SOURCE}: invalid TOML: duplicate table [networks.sandbox]: "
        f"declared a second time at line {line} (each table may be declared only once)"
    ]


def test_duplicate_key_inside_an_inline_table():
    modules = 'modules = { gim = "0x84cE03AE547330f61584aD6103743732B1AE97C5", gim = "0x84cE03AE547330f61584aD6103743732B1AE97C5" }'
    text = edit(BASE, (IDX_MAINNET_MODULES, modules))
    line = line_of(text, modules)
    column = modules.rindex('"') + 2  # tomllib points just past the repeated value
    assert problems(text) == [f"{SOURCE}: invalid TOML: Duplicate inline table key 'gim' (at line {line}, column {column})"]


# ---------------------------------------------------------------------------------------------
# Several problems at once: every one is reported, in file order
# ---------------------------------------------------------------------------------------------


def test_several_field_problems_are_all_reported():
    text = edit(
        BASE,
        (IDX_MAINNET_SET_TOKEN, '"0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b"'),
        (COMPONENT_WETH, "WETH = { weight = -0.4 }"),
        (IDX_SANDBOX_SET_TOKEN, IDX_SANDBOX_SET_TOKEN.replace("set_token", "set_tokn")),
        (MAINNET_USDC, MAINNET_USDC.replace("decimals = 6", "decimals = 99")),
    )
    assert problems(text) == [
        f"{SOURCE}: networks.mainnet.tokens.USDC.decimals: must be less than or equal to 36 (got 99)",
        f"{SOURCE}: products.idx.components.WETH.weight: must be greater than or equal to 0 (got -0.4)",
        f"{SOURCE}: products.idx.deployments.mainnet.set_token: address is not checksummed: "
        "0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b (expected 0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b)",
        f"{SOURCE}: products.idx.deployments.sandbox.set_token: missing required key",
        f"{SOURCE}: products.idx.deployments.sandbox.set_tokn: unknown key",
    ]


def test_several_cross_reference_problems_are_all_reported():
    text = edit(
        BASE,
        ('default_network = "sandbox"', 'default_network = "local"'),
        (MAINNET_PRICING, MAINNET_RPC + 'pricing_venue = "sushiswap"'),
        (COMPONENT_UNI, 'UNI = { weight = 0.5, venues = ["uniswap-v2"] }'),
        (IDX_MAINNET_MODULES, IDX_MAINNET_MODULES.replace("gim =", "trade =")),
        (SANDBOX_UNI, ""),
        (LEV_LEVERAGE, ""),
    )
    assert problems(text) == [
        f"{SOURCE}: default_network: unknown network 'local' (networks: mainnet, sandbox)",
        f"{SOURCE}: networks.mainnet.pricing_venue: unknown venue 'sushiswap' (venues: uniswap-v2)",
        f"{SOURCE}: products.idx.components: weights sum to 0.9, not 1 (tolerance 1e-09)",
        f"{SOURCE}: products.idx.deployments.mainnet.modules.gim: missing: manager kind 'base-manager' trades through it",
        f"{SOURCE}: products.idx.components.UNI: token 'UNI' is not in networks.sandbox.tokens",
        f"{SOURCE}: products.lev.leverage: missing: a leverage product needs its leverage settings",
    ]


# ---------------------------------------------------------------------------------------------
# Weights: the tolerance boundary
# ---------------------------------------------------------------------------------------------


def test_weights_within_tolerance_pass():
    text = edit(BASE, (COMPONENT_UNI, 'UNI = { weight = 0.5999999995, venues = ["uniswap-v2"] }'))
    parsed = parse_products(text, source=SOURCE)
    total = sum(c.weight for c in parsed.products["idx"].components.values())
    assert 0 < 1 - total < WEIGHT_TOLERANCE  # 1 - 5e-10, give or take float rounding
    assert abs(total - (1 - 5e-10)) < 1e-15


def test_units_only_components_pass_without_a_sum():
    text = edit(BASE, (COMPONENT_UNI, 'UNI = { units = "12.5", venues = ["uniswap-v2"] }'), (COMPONENT_WETH, "WETH = { units = 3 }"))
    parsed = parse_products(text, source=SOURCE)
    assert [str(c.units) for c in parsed.products["idx"].components.values()] == ["12.5", "3"]


TOKEN_COUNT = 12
TOKENS = {f"T{i}": to_checksum_address(f"0x{i + 1:040x}") for i in range(TOKEN_COUNT)}


def weighted_file(weights: list[float]) -> str:
    """A one-network file whose only product holds T0..Tn with these weights, written exactly (repr round-trips)."""
    tokens = "\n".join(f'{s} = {{ address = "{a}" }}' for s, a in TOKENS.items())
    components = "\n".join(f"T{i} = {{ weight = {w!r} }}" for i, w in enumerate(weights))
    return f"""\
default_network = "sandbox"

[networks.sandbox]
chain_id = 31337
sandbox = true
pricing_venue = "uniswap-v2"
weth = "T0"
usd = "T1"

[networks.sandbox.venues.uniswap-v2]
kind = "uniswap-v2"
factory = "0x610178dA211FEF7D417bC0e6FeD39F05609AD788"
router = "0xB7f8BC63BbcaD18155201308C8f3540b07f84F5e"

[networks.sandbox.tokens]
{tokens}

[products.p]
name = "Property"
symbol = "P"

[products.p.components]
{components}

[products.p.deployments.sandbox]
set_token = "0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81"
manager_kind = "base-manager"
modules = {{ gim = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853" }}
"""


raw_weights = st.lists(st.floats(min_value=1e-3, max_value=1e3, allow_nan=False), min_size=1, max_size=TOKEN_COUNT)


def normalised(raw: list[float]) -> list[float]:
    scale = sum(raw)
    return [w / scale for w in raw]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_weights)
def test_normalised_random_weights_validate(raw):
    weights = normalised(raw)
    parsed = parse_products(weighted_file(weights), source=SOURCE)
    assert [c.weight for c in parsed.products["p"].components.values()] == weights


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_weights, delta=st.floats(min_value=-4e-10, max_value=4e-10))
def test_weights_perturbed_within_tolerance_validate(raw, delta):
    weights = normalised(raw)
    index = weights.index(max(weights))
    weights[index] += delta
    parse_products(weighted_file(weights), source=SOURCE)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_weights, size=st.floats(min_value=2e-9, max_value=0.5), up=st.booleans(), data=st.data())
def test_weights_perturbed_beyond_tolerance_fail_with_their_sum(raw, size, up, data):
    weights = normalised(raw)
    if up:
        index = data.draw(st.integers(min_value=0, max_value=len(weights) - 1), label="index")
        weights[index] += size
    else:  # take it from the largest weight (at least 1/n), keeping every weight non-negative
        index = weights.index(max(weights))
        weights[index] -= min(size, weights[index])
    total = sum(weights)
    assume(abs(total - 1) > 1.5e-9)  # stay clear of the boundary, where float rounding decides
    assert problems(weighted_file(weights)) == [
        f"{SOURCE}: products.p.components: weights sum to {total:.12g}, not 1 (tolerance 1e-09)"
    ]
    assert float(f"{total:.12g}") != 1.0  # the printed sum shows the operator how far off it is


# ---------------------------------------------------------------------------------------------
# Choosing a product and a network; resolving the RPC URL
# ---------------------------------------------------------------------------------------------


def usage_error(call) -> str:
    with pytest.raises(UsageError) as caught:
        call()
    assert caught.value.exit_code == 2
    return str(caught.value)


def test_unknown_product():
    assert usage_error(lambda: choose_product(loaded(), "dpx", None)) == (
        f"{SOURCE}: products: unknown product 'dpx' (products: idx, lev)"
    )


def test_unknown_network():
    assert usage_error(lambda: choose_network(loaded(), "goerli")) == (
        f"{SOURCE}: networks: unknown network 'goerli' (networks: mainnet, sandbox)"
    )


def test_unknown_network_when_choosing_a_product():
    assert usage_error(lambda: choose_product(loaded(), "idx", "goerli")) == (
        f"{SOURCE}: networks: unknown network 'goerli' (networks: mainnet, sandbox)"
    )


def test_product_not_deployed_on_the_default_network():
    assert usage_error(lambda: choose_product(loaded(), "lev", None)) == (
        f"{SOURCE}: products.lev.deployments: lev is not deployed on 'sandbox' (deployed on: mainnet)"
    )


def test_choosing_defaults_to_default_network():
    chosen = choose_product(loaded(), "idx", None)
    assert (chosen.where.name, chosen.deployment.manager_kind) == ("sandbox", "delegated")
    chosen = choose_product(loaded(), "idx", "mainnet")
    assert (chosen.where.name, chosen.deployment.set_token) == ("mainnet", "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b")


def no_sandbox() -> str | None:
    return None


def test_rpc_url_env_variable_not_set():
    where = choose_network(loaded(), "mainnet")
    assert usage_error(lambda: resolve_rpc_url(where, None, no_sandbox, environ={"OTHER": "x"})) == (
        f"{SOURCE}: networks.mainnet.rpc_url: environment variable ETH_RPC_KEY is not set (export it, or pass --rpc-url)"
    )


def test_rpc_url_env_variable_empty():
    where = choose_network(loaded(), "mainnet")
    assert usage_error(lambda: resolve_rpc_url(where, None, no_sandbox, environ={"ETH_RPC_KEY": ""})) == (
        f"{SOURCE}: networks.mainnet.rpc_url: environment variable ETH_RPC_KEY is empty (export it, or pass --rpc-url)"
    )


def test_rpc_url_names_the_variable_that_is_missing_among_several():
    text = edit(BASE, (MAINNET_RPC, 'rpc_url = "https://${RPC_HOST}/v2/${ETH_RPC_KEY}"\n'))
    where = choose_network(loaded(text), "mainnet")
    assert usage_error(lambda: resolve_rpc_url(where, None, no_sandbox, environ={"RPC_HOST": "eth.example"})) == (
        f"{SOURCE}: networks.mainnet.rpc_url: environment variable ETH_RPC_KEY is not set (export it, or pass --rpc-url)"
    )
    url = resolve_rpc_url(where, None, no_sandbox, environ={"RPC_HOST": "eth.example", "ETH_RPC_KEY": "k1"})
    assert url == "https://eth.example/v2/k1"


def test_rpc_url_interpolates_the_environment():
    where = choose_network(loaded(), "mainnet")
    assert resolve_rpc_url(where, None, no_sandbox, environ={"ETH_RPC_KEY": "abc123"}) == "https://eth.example/v2/abc123"


def test_rpc_url_override_wins_over_a_missing_variable():
    where = choose_network(loaded(), "mainnet")
    assert resolve_rpc_url(where, "http://127.0.0.1:8545", no_sandbox, environ={}) == "http://127.0.0.1:8545"


def test_sandbox_network_uses_the_running_sandbox():
    where = choose_network(loaded(), None)
    assert where.name == "sandbox"
    assert resolve_rpc_url(where, None, lambda: "http://127.0.0.1:18545", environ={}) == "http://127.0.0.1:18545"
    assert usage_error(lambda: resolve_rpc_url(where, None, no_sandbox, environ={})) == (
        "the sandbox is not running: start it with `indexops sandbox up`"
    )


# ---------------------------------------------------------------------------------------------
# Finding and reading the file
# ---------------------------------------------------------------------------------------------


def test_missing_config_path(tmp_path):
    missing = tmp_path / "nope" / "products.toml"
    assert usage_error(lambda: load_config(missing)) == f"{missing}: no such products file"


def test_config_path_that_is_a_directory(tmp_path):
    assert usage_error(lambda: load_config(tmp_path)) == f"{tmp_path}: no such products file"


def test_no_products_file_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "home"))
    assert usage_error(lambda: load_config(None)) == (
        f"no products file: looked for {tmp_path / 'products.toml'} and {tmp_path / 'home' / 'config' / 'products.toml'}; "
        "pass --config PATH"
    )


def test_products_file_found_in_the_user_config_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "home"))
    path = tmp_path / "home" / "config" / "products.toml"
    path.parent.mkdir(parents=True)
    path.write_text(BASE, encoding="utf-8")
    assert load_config(None).path == path


def test_loaded_file_problems_name_its_path(tmp_path):
    path = tmp_path / "products.toml"
    path.write_text(edit(BASE, (COMPONENT_WETH, "WETH = { units = 1 }")), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f"{path}: products.idx.components: mixes weights and units: give every component a weight, or every component units"
    ]


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "products.toml"
    path.write_bytes(BASE.encode() + b"# caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [f"{path}: not UTF-8 text: invalid continuation byte at byte {len(BASE) + 5}"]
