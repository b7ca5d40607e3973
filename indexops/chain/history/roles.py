"""Who acts for a product at one block, from products.toml and the chain: the SetToken's manager, its operator
side (an Index Coop BaseManager's operator; a DelegatedManager's owner and operators; the owners of an operator
that is a Safe, who send its transactions), its methodologist, and its keepers (GeneralIndexModule's allowed
traders, a leverage strategy's allowed callers)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address

from indexops.chain.abis import contract
from indexops.chain.history import answered
from indexops.chain.history.archive import ArchiveReader
from indexops.chain.history.history import ChainHistory
from indexops.config.selection import ProductOnNetwork


@dataclass(frozen=True)
class Roles:
    manager: str
    operators: frozenset[str]  # checksummed, every one
    methodologists: frozenset[str]
    keepers: frozenset[str]
    operator_safe: str | None  # the operator when it is a Safe: its owners are among `operators`

    def role_of(self, account: str) -> str | None:
        """ "operator", "methodologist" or "keeper" (first that fits), else None."""
        account = to_checksum_address(account)
        for name, holders in (
            ("operator", self.operators),
            ("methodologist", self.methodologists),
            ("keeper", self.keepers),
        ):
            if account in holders:
                return name
        return None

    @property
    def accounts(self) -> frozenset[str]:
        return self.operators | self.methodologists | self.keepers


def read_roles(history: ChainHistory, target: ProductOnNetwork, block: int) -> Roles:
    w3, deployment = history.connection.w3, target.deployment
    set_token = deployment.set_token
    reader = ArchiveReader(history).at(block)
    asked = {}
    if deployment.manager is None:
        asked["manager"] = reader.call(contract(w3, "SetToken", set_token), "manager")
    if "gim" in deployment.modules:
        gim = contract(w3, "GeneralIndexModule", deployment.modules["gim"])
        asked["traders"] = reader.call(gim, "getAllowedTraders", set_token)
    first = reader.run()
    manager = deployment.manager or answered.value(
        history.connection, first, asked["manager"], "SetToken.manager", block
    )
    operators = {deployment.operator} if deployment.operator else set()
    methodologists = {deployment.methodologist} if deployment.methodologist else set()
    keepers = set(deployment.allowed_traders)
    if deployment.leverage is not None:
        keepers |= set(deployment.leverage.allowed_callers)
    if "traders" in asked:
        keepers |= set(answered.maybe(first, asked["traders"]) or ())
    reader.at(block)
    if deployment.manager_kind == "base-manager":
        base = contract(w3, "BaseManager", manager)
        tickets = {"operator": reader.call(base, "operator"), "methodologist": reader.call(base, "methodologist")}
    elif deployment.manager_kind == "delegated":
        delegated = contract(w3, "delegated/DelegatedManager", manager)
        tickets = {
            "operator": reader.call(delegated, "owner"),
            "operators": reader.call(delegated, "getOperators"),
            "methodologist": reader.call(delegated, "methodologist"),
        }
    else:
        tickets = {}
        operators.add(manager)  # a SetToken managed by an account directly
    second = reader.run()
    got = {
        name: answered.value(history.connection, second, t, f"the manager's {name}", block)
        for name, t in tickets.items()
    }
    operators |= {got["operator"]} if "operator" in got else set()
    operators |= set(got.get("operators", ()))
    methodologists |= {got["methodologist"]} if "methodologist" in got else set()
    safe = deployment.operator if deployment.operator_is_safe else None
    if safe is not None:
        owners = reader.at(block).call(contract(w3, "GnosisSafe", safe), "getOwners")
        operators |= set(answered.value(history.connection, reader.run(), owners, "the operator Safe's owners", block))
    return Roles(
        manager=to_checksum_address(manager),
        operators=frozenset(to_checksum_address(a) for a in operators),
        methodologists=frozenset(to_checksum_address(a) for a in methodologists),
        keepers=frozenset(to_checksum_address(a) for a in keepers),
        operator_safe=to_checksum_address(safe) if safe else None,
    )
