"""The state a Safe transaction of a product may change, read in one batch: GIM settings and rebalance
targets per component, the manager's roles and the Safe's own owners, threshold and nonce."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.config.selection import ProductOnNetwork
from indexops.safe.decoding import Label, token_amount
from indexops.units import duration

EXECUTION_INFO_FIELDS = (
    ("targetUnit", 0),
    ("maxSize", 1),
    ("coolOffPeriod", 2),
    ("exchangeName", 4),
    ("exchangeData", 5),
)
AMOUNT_FIELDS = {"targetUnit", "maxSize"}


@dataclass(frozen=True)
class Probe:
    subject: str  # "GIM executionInfo MANA", "BaseManager", "Safe"
    field: str  # "targetUnit", "operator", "owners"
    abi: str
    address: str
    function: str
    args: tuple = ()
    pick: int | None = None  # element of a tuple result
    token: Label | None = None  # amounts of this token
    token_address: str | None = None


@dataclass(frozen=True)
class StateChange:
    subject: str
    field: str
    before: Any
    after: Any
    before_text: str
    after_text: str
    token: str | None = None


def probes_for(
    target: ProductOnNetwork | None, safe: str, labels: Mapping[str, Label], tokens: Iterable[str] = ()
) -> list[Probe]:
    probes = [
        Probe("Safe", "owners", "GnosisSafe", safe, "getOwners"),
        Probe("Safe", "threshold", "GnosisSafe", safe, "getThreshold"),
        Probe("Safe", "nonce", "GnosisSafe", safe, "nonce"),
    ]
    if target is None:
        return probes
    deployment = target.deployment
    probes.append(Probe(f"{target.product.symbol} SetToken", "manager", "SetToken", deployment.set_token, "manager"))
    if deployment.manager_kind == "base-manager" and deployment.manager:
        probes += [
            Probe("BaseManager", name, "BaseManager", deployment.manager, name)
            for name in ("operator", "methodologist", "getAdapters")
        ]
    elif deployment.manager_kind == "delegated" and deployment.manager:
        probes += [
            Probe("DelegatedManager", name, "delegated/DelegatedManager", deployment.manager, name)
            for name in ("owner", "getOperators", "methodologist")
        ]
    gim = deployment.modules.get("gim")
    if gim is not None:
        probes += _gim_probes(gim, deployment.set_token, _component_tokens(target, labels, tokens), labels)
    return probes


def _component_tokens(target: ProductOnNetwork, labels: Mapping[str, Label], extra: Iterable[str]) -> list[str]:
    network = target.where.network
    addresses = [network.tokens[symbol].address for symbol in target.product.components if symbol in network.tokens]
    for address in extra:
        if address not in addresses and labels.get(address) is not None and labels[address].symbol:
            addresses.append(address)
    return addresses


def _gim_probes(gim: str, set_token: str, tokens: Sequence[str], labels: Mapping[str, Label]) -> list[Probe]:
    probes = [
        Probe("GIM", "rebalanceComponents", "GeneralIndexModule", gim, "getRebalanceComponents", (set_token,)),
        Probe("GIM", "positionMultiplier", "GeneralIndexModule", gim, "rebalanceInfo", (set_token,), 0),
        Probe("GIM", "raiseTargetPercentage", "GeneralIndexModule", gim, "rebalanceInfo", (set_token,), 1),
        Probe("GIM", "allowedTraders", "GeneralIndexModule", gim, "getAllowedTraders", (set_token,)),
        Probe("GIM", "anyoneTrade", "GeneralIndexModule", gim, "permissionInfo", (set_token,)),
    ]
    for token in tokens:
        label = labels.get(token)
        for field, pick in EXECUTION_INFO_FIELDS:
            probes.append(
                Probe(
                    f"GIM executionInfo {label.name if label else token}",
                    field,
                    "GeneralIndexModule",
                    gim,
                    "executionInfo",
                    (set_token, token),
                    pick,
                    label if field in AMOUNT_FIELDS else None,
                    token,
                )
            )
    return probes


def read_probes(w3, probes: Sequence[Probe]) -> list[Any]:
    """One value per probe at the latest block; a read that fails is None."""
    reader = BatchReader(w3, int(w3.eth.block_number))
    tickets = [reader.call(contract(w3, probe.abi, probe.address), probe.function, *probe.args) for probe in probes]
    results = reader.run()
    values: list[Any] = []
    for probe, ticket in zip(probes, tickets, strict=True):
        value = results[ticket]
        if isinstance(value, CallFailed):
            values.append(None)
            continue
        values.append(_plain(value[probe.pick] if probe.pick is not None else value))
    return values


def state_changes(
    probes: Sequence[Probe], before: Sequence[Any], after: Sequence[Any], labels: Mapping[str, Label]
) -> list[StateChange]:
    return [
        StateChange(
            probe.subject,
            probe.field,
            old,
            new,
            _text(probe, old, labels),
            _text(probe, new, labels),
            probe.token_address,
        )
        for probe, old, new in zip(probes, before, after, strict=True)
        if old != new
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _text(probe: Probe, value: Any, labels: Mapping[str, Label]) -> str:
    if value is None:
        return "unreadable"
    if probe.token is not None and isinstance(value, int):
        return token_amount(value, probe.token)
    if isinstance(value, list):
        return ", ".join(_named(item, labels) for item in value) or "none"
    if probe.field == "coolOffPeriod":
        return duration(value)
    return _named(value, labels)


def _named(value: Any, labels: Mapping[str, Label]) -> str:
    label = labels.get(value) if isinstance(value, str) else None
    return f"{value} ({label.name})" if label else str(value)
