"""What the sandbox deploys: tokens with DPI's and MVI's names, prices, pool depths and weights.

Plain data, so that tests and benchmarks can read the same figures the sandbox was built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

ETH_USD = 3_000.0
USDC_WETH_DEPTH_USD = 100_000_000


@dataclass(frozen=True)
class SandboxToken:
    symbol: str
    name: str
    decimals: int
    price_usd: float
    uniswap_depth_usd: float  # value of each side of the component/WETH pool
    sushiswap_depth_usd: float = 0.0  # 0: no pool on the second venue
    uniswap_v3_depth_usd: float = 0.0  # full-range 0.3% pool; 0: no pool


@dataclass(frozen=True)
class SandboxProduct:
    key: str
    name: str
    symbol: str
    value_per_set_usd: float
    supply: int  # whole sets issued
    weights: dict[str, float]  # the weights the set holds now (last rebalance's)
    streaming_fee: float  # per year, e.g. 0.0095
    operator_is_safe: bool


TOKENS = (
    SandboxToken("USDC", "USD Coin", 6, 1.0, 0),
    SandboxToken("UNI", "Uniswap", 18, 8.0, 40e6, 10e6, uniswap_v3_depth_usd=10e6),
    SandboxToken("AAVE", "Aave Token", 18, 150.0, 25e6, 8e6, uniswap_v3_depth_usd=8e6),
    SandboxToken("MKR", "Maker", 18, 1500.0, 20e6, 6e6, uniswap_v3_depth_usd=30e6),  # V3 is the deepest
    SandboxToken("SNX", "Synthetix Network Token", 18, 2.5, 6e6, 3e6),
    SandboxToken("COMP", "Compound", 18, 50.0, 8e6, 4e6),
    SandboxToken("YFI", "yearn.finance", 18, 7000.0, 6e6, 3e6),
    SandboxToken("SUSHI", "SushiToken", 18, 1.0, 3e6, 6e6),
    SandboxToken("LRC", "LoopringCoin V2", 18, 0.25, 1.5e6),
    SandboxToken("1INCH", "1INCH Token", 18, 0.4, 2e6, 1e6),
    SandboxToken("BAL", "Balancer", 18, 3.0, 2e6, 2e6),
    SandboxToken("REN", "Republic Token", 18, 0.05, 0.4e6, 0.2e6),
    SandboxToken("KNC", "Kyber Network Crystal", 18, 0.6, 0.6e6),
    SandboxToken("MANA", "Decentraland MANA", 18, 0.5, 3e6, 1e6),
    SandboxToken("SAND", "SAND", 18, 0.5, 3e6),
    SandboxToken("AXS", "Axie Infinity Shard", 18, 7.0, 4e6, 1e6),
    SandboxToken("ENJ", "Enjin Coin", 18, 0.3, 1e6),
    SandboxToken("GALA", "Gala", 8, 0.03, 2e6),
)

DPI = SandboxProduct(
    key="dpi",
    name="DeFi Pulse Index",
    symbol="DPI",
    value_per_set_usd=100.0,
    supply=50_000,
    weights={
        "UNI": 0.21,
        "AAVE": 0.18,
        "MKR": 0.16,
        "SNX": 0.09,
        "COMP": 0.07,
        "YFI": 0.06,
        "SUSHI": 0.05,
        "LRC": 0.05,
        "1INCH": 0.04,
        "BAL": 0.04,
        "REN": 0.03,
        "KNC": 0.01,
        "WETH": 0.01,
    },
    streaming_fee=0.0095,
    operator_is_safe=False,
)

MVI = SandboxProduct(
    key="mvi",
    name="Metaverse Index",
    symbol="MVI",
    value_per_set_usd=50.0,
    supply=20_000,
    weights={"MANA": 0.28, "SAND": 0.22, "AXS": 0.18, "ENJ": 0.12, "GALA": 0.10, "USDC": 0.05, "WETH": 0.05},
    streaming_fee=0.0095,
    operator_is_safe=True,
)

PRODUCTS = (DPI, MVI)

# A self-service product: created through Set's DelegatedManagerFactory, traded by its operator
# through TradeExtension and BatchTradeExtension (every component has a pool on both venues).
SBX = SandboxProduct(
    key="sbx",
    name="Sandbox Index",
    symbol="SBX",
    value_per_set_usd=100.0,
    supply=10_000,
    weights={"UNI": 0.25, "AAVE": 0.20, "COMP": 0.20, "SNX": 0.15, "MANA": 0.15, "WETH": 0.05},
    streaming_fee=0.0095,
    operator_is_safe=False,
)

DELEGATED_PRODUCTS = (SBX,)

# A productive index under the self-service manager, deployed last (it needs Compound v2): most of its
# value supplied to Compound as cUSDC, earning COMP, with ClaimExtension and WrapExtension for its operator.
PIX = SandboxProduct(
    key="pix",
    name="Productive Index",
    symbol="PIX",
    value_per_set_usd=100.0,
    supply=10_000,
    weights={"cUSDC": 0.60, "WETH": 0.25, "UNI": 0.15},
    streaming_fee=0.0095,
    operator_is_safe=False,
)

# ---------------------------------------------------------------------------------------------
# Leverage tokens: Compound v2 lending, Chainlink-like feeds, and FLI products levered against USDC.
# Their methodology, execution, ripcord and exchange settings are products.toml's (`leverage_settings`);
# what is here is the sandbox's market and how much of each product there is.
# ---------------------------------------------------------------------------------------------

BTC_USD = 50_000.0

# Deployed with the leverage stack, after everything above, so that no earlier address moves.
LEVERAGE_TOKENS = (SandboxToken("WBTC", "Wrapped BTC", 8, BTC_USD, 0),)

# Pools the leverage products trade through (each side's value in USD); the uniswap-v2 USDC/WETH
# pool above is the first venue's WETH/USDC pool.
LEVERAGE_POOLS_USD = {
    ("sushiswap", "WETH", "USDC"): 50_000_000,
    ("uniswap-v2", "WBTC", "USDC"): 80_000_000,
    ("sushiswap", "WBTC", "USDC"): 50_000_000,
}

# Assets with a price feed (8 decimals, as Chainlink's USD feeds) and a Compound market.
PRICED_ASSETS = ("WETH", "WBTC", "USDC")
PRICE_ALIASES = {"ETH": "WETH", "BTC": "WBTC"}
FEED_DECIMALS = 8

COMPOUND_COLLATERAL_FACTOR = 0.75
COMPOUND_CLOSE_FACTOR = 0.5
COMPOUND_LIQUIDATION_INCENTIVE = 1.08
COMPOUND_MAX_ASSETS = 10
COMP_RATE_PER_BLOCK = 0.176  # COMP a block over all markets, mainnet's rate when Set's leverage tokens launched
COMPTROLLER_COMP = 1_000_000  # COMP the Comptroller holds to pay out
# Lenders' supply in each market, in whole tokens (the deployer lends): what the products borrow from.
LENDER_SUPPLY = {"USDC": 50_000_000, "WETH": 10_000, "WBTC": 500}


@dataclass(frozen=True)
class SandboxLeverageProduct:
    key: str  # the products.toml key, whose name, symbol and strategy settings the sandbox deploys
    collateral: str
    borrow: str
    collateral_per_set: float  # whole collateral tokens a set holds before it is levered
    supply: int  # whole sets issued to the deployer
    streaming_fee: float  # per year


ETH2X_FLI = SandboxLeverageProduct("eth2x-fli", "WETH", "USDC", 0.05, 20_000, 0.0195)
BTC2X_FLI = SandboxLeverageProduct("btc2x-fli", "WBTC", "USDC", 0.003, 20_000, 0.0195)
LEVERAGE_PRODUCTS = (ETH2X_FLI, BTC2X_FLI)

# ETH each strategy extension holds to pay ripcord callers.
EXTENSION_ETHER = 10

# anvil's default dev accounts, by the role each plays in the sandbox
DEPLOYER, OPERATOR, METHODOLOGIST, TRADER = 0, 1, 2, 3
SAFE_OWNERS = (4, 5, 6)
SAFE_THRESHOLD = 2
ARBITRAGEUR = 8
DELEGATED_OPERATOR = 7  # the operator of the DelegatedManager products; the owner is DEPLOYER
KEEPER = 9  # on every leverage strategy's caller allowlist (rebalance, iterateRebalance); no other role

UNISWAP_V3_FEE_TIER = 3000  # 0.3%, in hundredths of a basis point

GIM_COOL_OFF_SECONDS = 600
GIM_MAX_TRADE_USD = 250_000


def token(symbol: str) -> SandboxToken:
    for candidate in TOKENS + LEVERAGE_TOKENS:
        if candidate.symbol == symbol:
            return candidate
    raise KeyError(symbol)


def price_usd(symbol: str) -> float:
    return ETH_USD if symbol == "WETH" else token(symbol).price_usd


def decimals(symbol: str) -> int:
    return 18 if symbol == "WETH" else token(symbol).decimals


def base_units(usd: float, symbol: str) -> int:
    """How many base units of `symbol` are worth `usd` at the scenario's price (exact, no float drift)."""
    return int(Fraction(usd) / Fraction(price_usd(symbol)).limit_denominator(10**9) * 10 ** decimals(symbol))
