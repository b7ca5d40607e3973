"""TradeModule.trade's arguments and the call itself, shared by the direct and delegated routes.

TradeModule takes quantities per set, not totals: it moves `supply * units / 1e18` rounded down,
checks the minimum received the same way, and afterwards re-derives each unit from the balances.
The delegated route's extensions pass the same arguments through, so both routes use `Trade` and the
unit arithmetic defined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from indexops.errors import UsageError
from indexops.routes.calls import Call, make_call

PRECISE_UNIT = 10**18


class InvalidTrade(UsageError):
    """A trade whose quantities TradeModule would refuse or misread."""


@dataclass(frozen=True)
class Trade:
    """One TradeModule trade, quantities in per-set units; `label` names it for people ("UNI -> WETH")."""

    side: Literal["sell", "buy"]
    exchange_name: str
    send_token: str
    send_units: int
    receive_token: str
    min_receive_units: int
    data: bytes = b""
    label: str = ""

    def as_tuple(self) -> tuple:
        """The order of TradeModule.trade's arguments after the SetToken (and of a batchTrade item)."""
        return (
            self.exchange_name,
            self.send_token,
            self.send_units,
            self.receive_token,
            self.min_receive_units,
            self.data,
        )

    def describe(self) -> str:
        what = self.label or f"{_short(self.send_token)} -> {_short(self.receive_token)}"
        return (
            f"{self.side} {what} on {self.exchange_name}: "
            f"{self.send_units} units/set for at least {self.min_receive_units}"
        )


def units_to_send(total: int, supply: int) -> int:
    """Per-set units whose total, as TradeModule rounds it, never exceeds `total` (rounds down); for a
    total no larger than what the position tracks, never above the position's unit either."""
    _check_quantities(total, supply)
    return total * PRECISE_UNIT // supply


def units_to_receive_at_least(total: int, supply: int) -> int:
    """Per-set units whose total, as TradeModule rounds it, is never below `total` (rounds up), so a
    minimum-receive limit is never loosened by the conversion."""
    _check_quantities(total, supply)
    return -(-total * PRECISE_UNIT // supply)


def module_total(units: int, supply: int) -> int:
    """What TradeModule moves (or demands) for `units` per set: supply x units / 1e18, rounded down."""
    return supply * units // PRECISE_UNIT


def unit_after_trade(supply: int, balance_before: int, balance_after: int, unit_before: int) -> int:
    """The unit TradeModule writes for a component whose balance moved (Position.calculateDefaultEditPositionUnit):
    tokens held beyond the tracked position stay untracked."""
    if balance_after == 0:
        return 0
    untracked = balance_before - module_total(unit_before, supply)
    return (balance_after - untracked) * PRECISE_UNIT // supply


def trade_call(trade_module: str, set_token: str, trade: Trade, description: str | None = None) -> Call:
    """TradeModule.trade, sent by the SetToken's manager itself."""
    check_trade(trade)
    return make_call(
        "TradeModule",
        "trade",
        trade_module,
        [set_token, *trade.as_tuple()],
        "operator",
        description or trade.describe(),
    )


def check_trade(trade: Trade) -> None:
    if trade.send_units <= 0:
        raise InvalidTrade(f"{trade.describe()}: TradeModule refuses a trade that sends nothing")
    if trade.min_receive_units < 0:
        raise InvalidTrade(f"{trade.describe()}: the minimum received cannot be negative")
    if trade.send_token == trade.receive_token:
        raise InvalidTrade(f"{trade.describe()}: sends and receives the same token")


def _check_quantities(total: int, supply: int) -> None:
    if supply <= 0:
        raise InvalidTrade(f"cannot convert to per-set units: the total supply is {supply}")
    if total < 0:
        raise InvalidTrade(f"cannot convert a negative quantity ({total}) to per-set units")


def _short(address: str) -> str:
    return address[:6] + "..." + address[-4:] if len(address) == 42 else address
