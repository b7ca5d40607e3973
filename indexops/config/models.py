"""The products file as typed, frozen models.

Shape and field-level rules live here; rules that relate one part of the file to another
(a component's token must be in the network's address book, weights must sum to one...)
live in `semantics.py`, so that every problem is reported with its own key path.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from indexops.config.types import Address, AlertUrl, HexData, RpcUrl
from indexops.limits import MAX_GAS_PRICE_GWEI

UNISWAP_V2_PAIR_INIT_CODE_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"
UNISWAP_V3_POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"
MAX_BUMPS = 20  # 1.125^20 is ~10x the first offer: past that a cap, not a bump, is what binds
MAX_BUMP_AFTER_BLOCKS = 1_000

ManagerKind = Literal["delegated", "base-manager", "direct"]
ModuleName = Literal["trade", "gim", "streaming_fee", "basic_issuance", "debt_issuance", "claim", "wrap", "airdrop"]
ExtensionName = Literal["gim", "fee_split", "trade", "batch_trade", "claim", "wrap", "fli_strategy"]


class Strict(BaseModel):
    """Unknown keys are errors; numbers and booleans are strict (TOML has real types, so `chain_id = true`
    or `weight = \"0.4\"` is a mistake, not a value)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Token(Strict):
    address: Address
    decimals: int | None = Field(strict=True, default=None, ge=0, le=36)


class Venue(Strict):
    """An exchange on one network, and the names Set's registry knows it by.

    A "uniswap-v2" venue is a constant-product pair per token pair; a "uniswap-v3" venue is one
    pool per token pair at `fee_tier` (hundredths of a basis point: 3000 is 0.3%), whose fee in
    basis points is `fee_tier / 100`, and whose `quoter` checks planned amounts.
    """

    kind: Literal["uniswap-v2", "uniswap-v3"]
    factory: Address
    router: Address
    fee_bps: int = Field(strict=True, default=30, ge=0, lt=10_000)
    fee_tier: int | None = Field(strict=True, default=None, gt=0, lt=1_000_000)
    quoter: Address | None = None
    trade_adapter: str | None = None
    index_adapter: str | None = None
    init_code_hash: HexData = UNISWAP_V2_PAIR_INIT_CODE_HASH

    @model_validator(mode="before")
    @classmethod
    def _defaults_of_v3(cls, data):
        if not isinstance(data, dict) or data.get("kind") != "uniswap-v3":
            return data
        data = {"init_code_hash": UNISWAP_V3_POOL_INIT_CODE_HASH, **data}
        if isinstance(data.get("fee_tier"), int) and "fee_bps" not in data:
            data["fee_bps"] = data["fee_tier"] // 100
        return data


class WellKnownContracts(Strict):
    multicall3: Address | None = None
    multisend_call_only: Address | None = None


class Network(Strict):
    """`rpc_url`, or `rpc_urls` in order of preference (requests fail over down the list); `${NAME}` is filled in
    from the environment. `rpc_timeout_seconds`: an answer slower than this counts as a failed endpoint."""

    chain_id: int = Field(strict=True, gt=0)
    rpc_url: RpcUrl | None = None
    rpc_urls: tuple[RpcUrl, ...] | None = None
    rpc_timeout_seconds: float | None = Field(strict=True, default=None, gt=0, le=600, allow_inf_nan=False)
    sandbox: bool = Field(default=False, strict=True)
    explorer_url: str | None = None
    contracts: WellKnownContracts = WellKnownContracts()
    weth: str = "WETH"
    usd: str = "USDC"
    pricing_venue: str
    tokens: dict[str, Token] = {}
    venues: dict[str, Venue] = {}

    @field_validator("rpc_urls")
    @classmethod
    def _some_urls(cls, urls: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if urls is not None and not urls:
            raise ValueError("empty: give at least one URL, or leave rpc_urls out")
        return urls

    @model_validator(mode="after")
    def _one_way_to_give_urls(self) -> Network:
        if self.rpc_url is not None and self.rpc_urls is not None:
            raise ValueError("both rpc_url and rpc_urls: give one of them (rpc_urls = [...] for several)")
        return self

    @property
    def urls(self) -> tuple[tuple[str, str], ...]:
        """Each RPC URL as written, with its key path under the network (`rpc_url`, `rpc_urls.0`...)."""
        if self.rpc_urls is not None:
            return tuple((f"rpc_urls.{i}", url) for i, url in enumerate(self.rpc_urls))
        return () if not self.rpc_url else (("rpc_url", self.rpc_url),)


class Component(Strict):
    weight: float | None = Field(strict=True, default=None, ge=0)
    units: Decimal | None = Field(default=None, ge=0)
    venues: tuple[str, ...] = ()
    exchange_data: HexData = "0x"
    max_trade_size: Decimal | None = Field(default=None, gt=0)
    cool_off: int | None = Field(strict=True, default=None, ge=0)


class Execution(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # `inf` hours or bps mean nothing

    default_slippage_bps: int = Field(strict=True, default=50, ge=0, le=10_000)
    max_gas_price_gwei: float | None = Field(strict=True, default=None, gt=0, le=MAX_GAS_PRICE_GWEI)
    cool_off: int = Field(strict=True, default=300, ge=0)
    max_duration_hours: float = Field(strict=True, default=24, gt=0)
    max_chunk_impact_bps: float = Field(strict=True, default=100, gt=0, lt=10_000)
    batch_gas_limit: int = Field(strict=True, default=8_000_000, gt=0)
    weight_cap: float | None = Field(strict=True, default=None, gt=0, le=1)
    max_plan_age_blocks: int = Field(strict=True, default=300, gt=0)
    drift_tolerance_bps: float = Field(strict=True, default=50, ge=0)
    dust_usd: float = Field(strict=True, default=100, ge=0)


class Leverage(Strict):
    """The methodology (FlexibleLeverageStrategyExtension's MethodologySettings) and the ripcord's ratio,
    the same on every network. `rebalance_interval` is in seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    target: float = Field(strict=True, gt=1)
    min: float = Field(strict=True, gt=1)
    max: float = Field(strict=True, gt=1)
    ripcord: float = Field(strict=True, gt=1)
    recentering_speed: float = Field(strict=True, default=0.05, gt=0, le=1)
    rebalance_interval: int | None = Field(strict=True, default=None, gt=0)


class LeverageExecution(Strict):
    """ExecutionSettings: fractions of one (0.02 is 2%), the cooldown between TWAP chunks in seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    unutilized_leverage: float = Field(strict=True, ge=0, le=1)
    slippage: float = Field(strict=True, ge=0, le=1)
    twap_cooldown: int = Field(strict=True, ge=0)


class LeverageIncentive(Strict):
    """IncentiveSettings, the ripcord's: the caller's reward in ETH, its slippage and cooldown (its
    leverage ratio is the product's `leverage.ripcord`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ether_reward: Decimal = Field(ge=0)
    slippage: float = Field(strict=True, ge=0, le=1)
    twap_cooldown: int = Field(strict=True, ge=0)


class LeverageExchange(Strict):
    """ExchangeSettings of one exchange, by the adapter name the strategy trades through. Trade sizes are
    in whole collateral tokens (ETH, WBTC); the contract stores them in the collateral's base units."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    twap_max_trade_size: Decimal = Field(gt=0)
    incentivized_twap_max_trade_size: Decimal = Field(ge=0)
    lever_exchange_data: HexData = "0x"
    delever_exchange_data: HexData = "0x"


class Keeper(Strict):
    """A leverage product's keeper gas policy (`indexops.leverage.gas_policy`), in gwei per gas: a routine
    rebalance waits for a base fee under `routine_max_gwei` (within its rebalance interval), a TWAP chunk
    pays up to `iterate_max_gwei`, a ripcord up to `ripcord_max_gwei` at most (less when less is at stake).
    A stuck transaction is replaced at the same nonce after `bump_after_blocks` blocks, `max_bumps` times."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    routine_max_gwei: float = Field(strict=True, default=30, gt=0, le=MAX_GAS_PRICE_GWEI)
    iterate_max_gwei: float = Field(strict=True, default=200, gt=0, le=MAX_GAS_PRICE_GWEI)
    ripcord_max_gwei: float = Field(strict=True, default=3_000, gt=0, le=MAX_GAS_PRICE_GWEI)
    max_bumps: int = Field(strict=True, default=3, ge=0, le=MAX_BUMPS)
    bump_after_blocks: int = Field(strict=True, default=3, gt=0, le=MAX_BUMP_AFTER_BLOCKS)


class Rewards(Strict):
    """A leverage product's COMP claims (`indexops claim-comp`): a claim is sent only when the COMP it collects
    is worth at least `min_net_usd` more than its gas at the current fee (`--force` sends it anyway)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    min_net_usd: float = Field(strict=True, default=50, ge=0, le=1_000_000_000)


class LeverageDeployment(Strict):
    """What a leverage product's strategy is built from on one network: token symbols from the network's
    address book, the Compound and Chainlink contracts, keepers allowed to rebalance, and its settings."""

    collateral: str = Field(min_length=1)
    borrow: str = Field(min_length=1)
    collateral_ctoken: str = Field(min_length=1)
    borrow_ctoken: str = Field(min_length=1)
    leverage_module: Address
    comptroller: Address
    collateral_oracle: Address
    borrow_oracle: Address
    allowed_callers: tuple[Address, ...] = ()
    execution: LeverageExecution
    incentive: LeverageIncentive
    exchanges: dict[str, LeverageExchange] = Field(min_length=1)


class Deployment(Strict):
    set_token: Address
    manager_kind: ManagerKind
    manager: Address | None = None
    operator: Address | None = None
    operator_is_safe: bool = Field(default=False, strict=True)
    methodologist: Address | None = None
    allowed_traders: tuple[Address, ...] = ()
    modules: dict[ModuleName, Address] = {}
    extensions: dict[ExtensionName, Address] = {}
    leverage: LeverageDeployment | None = None


class Product(Strict):
    name: str = Field(min_length=1)
    symbol: str = Field(min_length=1)
    kind: Literal["index", "leverage"] = "index"
    rebalance_cadence: str | None = None
    execution: Execution = Execution()
    components: dict[str, Component] = {}
    leverage: Leverage | None = None
    keeper: Keeper | None = None
    rewards: Rewards | None = None
    deployments: dict[str, Deployment] = Field(min_length=1)


class Alerts(Strict):
    """`keeper run`'s alerts: apprise URLs (`${NAME}` filled in from the environment, never shown), and the
    keeper balance under which it says so."""

    urls: tuple[AlertUrl, ...]
    keeper_min_eth: float | None = Field(strict=True, default=None, gt=0, le=1_000_000, allow_inf_nan=False)

    @field_validator("urls")
    @classmethod
    def _some(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        if not urls:
            raise ValueError("empty: give at least one apprise URL, or leave [alerts] out")
        return urls


class ProductsFile(Strict):
    default_network: str
    alerts: Alerts | None = None
    networks: dict[str, Network] = Field(min_length=1)
    products: dict[str, Product] = {}
