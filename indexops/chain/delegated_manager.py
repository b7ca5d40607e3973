"""What a DelegatedManager and its trade extensions allow right now, read in one batched round."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.errors import ChainError


@dataclass(frozen=True)
class ManagerAllowances:
    """The manager's asset allowlist (for the assets asked about), its extensions' state and batchTrade's
    integrations."""

    manager: str
    use_asset_allowlist: bool
    allowed_assets: dict[str, bool]  # checksummed asset -> isAllowedAsset
    initialized_extensions: dict[str, bool]  # checksummed extension -> isInitializedExtension
    batch_integrations: dict[str, bool]  # exchange name -> BatchTradeExtension.isIntegration


def read_allowances(
    w3,
    manager: str,
    *,
    assets: Iterable[str],
    extensions: Iterable[str],
    batch_extension: str | None = None,
    integrations: Iterable[str] = (),
) -> ManagerAllowances:
    delegated = contract(w3, "delegated/DelegatedManager", manager)
    reader = BatchReader(w3, w3.eth.block_number)
    use_allowlist = reader.call(delegated, "useAssetAllowlist")
    asset_tickets = {asset: reader.call(delegated, "isAllowedAsset", asset) for asset in sorted(set(assets))}
    extension_tickets = {ext: reader.call(delegated, "isInitializedExtension", ext) for ext in sorted(set(extensions))}
    integration_tickets = {}
    if batch_extension is not None:
        batcher = contract(w3, "delegated/BatchTradeExtension", batch_extension)
        integration_tickets = {name: reader.call(batcher, "isIntegration", name) for name in sorted(set(integrations))}
    got = reader.run()

    def value(ticket: int, what: str):
        result = got[ticket]
        if isinstance(result, CallFailed):
            raise ChainError(f"cannot read {what} of the DelegatedManager {manager}: {result.reason}")
        return result

    return ManagerAllowances(
        manager=manager,
        use_asset_allowlist=bool(value(use_allowlist, "useAssetAllowlist")),
        allowed_assets={a: bool(value(t, f"isAllowedAsset({a})")) for a, t in asset_tickets.items()},
        initialized_extensions={
            e: bool(value(t, f"isInitializedExtension({e})")) for e, t in extension_tickets.items()
        },
        batch_integrations={
            n: bool(value(t, f"BatchTradeExtension.isIntegration({n!r})")) for n, t in integration_tickets.items()
        },
    )
