"""What the DelegatedManager, its extensions and Set's modules would refuse, found before anything is sent.

Each refusal is one line naming what is wrong and who can allow it. The asset allowlist and the extensions'
state are said as the delegated route says them (`routes.delegated_checks.refusals`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from eth_utils import to_checksum_address

from indexops.chain.delegated_manager import ManagerAllowances
from indexops.chain.productive import Held, ProductiveState
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.routes.delegated_checks import ManagerWouldRefuse, TradeNeeds, refusals

EXTENSION_NAMES = {"claim": "ClaimExtension", "wrap": "WrapExtension"}
MODULE_NAMES = {"claim": "ClaimModule", "airdrop": "AirdropModule", "wrap": "WrapModuleV2"}


def human(base_units: int, decimals: int) -> str:
    """A token amount as a plain decimal, exact: 1000, 0.004."""
    return format(Decimal(base_units).scaleb(-decimals).normalize(), "f")


class Refused(UsageError):
    def __init__(self, product: str, why: str):
        super().__init__(f"{product}: {why}; nothing was sent")


def configured(target: ProductOnNetwork, kind: str, key: str) -> str:
    """The address of module or extension `key`, or one line naming the products-file key that is missing."""
    found = getattr(target.deployment, kind).get(key)
    if found is None:
        names = MODULE_NAMES if kind == "modules" else EXTENSION_NAMES
        where = target.where
        raise UsageError(
            f"{where.source}: products.{target.key}.deployments.{where.name}.{kind}.{key}: missing: "
            f"the call goes through the product's {names[key]}"
        )
    return found


def require_module(target: ProductOnNetwork, state: ProductiveState, key: str) -> str:
    address = configured(target, "modules", key)
    if not state.modules.get(key):
        raise Refused(target.key, f"its {MODULE_NAMES[key]} {address} is not initialized on the SetToken")
    return address


def require_manager_allows(
    target: ProductOnNetwork, state: ProductiveState, extension: str, receives: Iterable[Held]
) -> str:
    """The extension initialized on the manager, and every token the call leaves the SetToken holding allowed."""
    address = to_checksum_address(configured(target, "extensions", extension))
    tokens = list(receives)
    allowed = ManagerAllowances(
        manager=state.manager,
        use_asset_allowlist=state.use_asset_allowlist,
        allowed_assets={token.address: token.allowed for token in tokens},
        initialized_extensions={address: bool(state.extensions.get(extension))},
        batch_integrations={},
    )
    needs = TradeNeeds(frozenset(t.address for t in tokens), frozenset([address]), None, frozenset())
    symbols = {token.address: token.symbol for token in tokens}
    problems = refusals(needs, allowed, symbols, {address: EXTENSION_NAMES[extension]})
    if problems:
        raise ManagerWouldRefuse(problems)
    return address


def require_operator(target: ProductOnNetwork, state: ProductiveState, signer: str, what: str) -> None:
    if state.is_operator(signer):
        return
    operators = ", ".join(state.operators) or "none"
    raise Refused(
        target.key,
        f"{what} is an operator's call and {signer} is not an operator of its DelegatedManager {state.manager} "
        f"(operators: {operators}): choose the operator with --account",
    )
