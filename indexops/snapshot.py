"""Block-pinned product state as plain frozen data: what the reader fills in and the pure code reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PoolReserves:
    """A token/WETH pool as constant-product reserves; for a V3 pool, the current range's virtual reserves."""

    venue: str
    pair: str
    token_reserve: int
    weth_reserve: int
    fee_bps: int
    kind: str = "uniswap-v2"  # or "uniswap-v3"
    fee_tier: int | None = None  # a V3 pool's fee tier, hundredths of a basis point


@dataclass(frozen=True)
class GimExecution:
    max_size: int
    cool_off: int
    last_trade: int
    exchange: str
    exchange_data: bytes


@dataclass(frozen=True)
class ComponentState:
    address: str
    symbol: str
    decimals: int
    unit: int  # real unit per set, base units
    balance: int  # the SetToken's balance of the token
    pools: tuple[PoolReserves, ...]
    gim: GimExecution | None = None


@dataclass(frozen=True)
class StreamingFee:
    recipient: str
    max_percentage: int  # 1e18 = 100%
    percentage: int
    last_accrual: int
    accrued_now: int  # share of supply that `accrueFee` would mint now, 1e18 = 100%


@dataclass(frozen=True)
class Role:
    name: str  # "operator", "methodologist", "trader", "manager"
    holders: tuple[str, ...]
    needed_to: str  # what the role lets its holder do; "" when no command needs it


@dataclass(frozen=True)
class Snapshot:
    network: str
    chain_id: int
    block_number: int
    block_hash: str
    timestamp: int
    set_token: str
    name: str
    symbol: str
    total_supply: int
    position_multiplier: int
    manager: str
    manager_kind: str
    components: tuple[ComponentState, ...]
    weth: str
    usd_pool: PoolReserves | None
    usd_decimals: int
    modules: tuple[tuple[str, str, bool], ...]  # (name, address, initialized)
    roles: tuple[Role, ...]
    fee: StreamingFee | None
    candidates: tuple[ComponentState, ...] = ()  # tokens a target adds, read like components (unit 0)
