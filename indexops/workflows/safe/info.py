"""`indexops safe info SAFE`: what the chain says a Safe is, set beside what the products file says of it.

Read at one block: VERSION, nonce, owners, threshold, the enabled modules, the guard and the fallback
handler (from their storage slots), the singleton (master copy, slot 0). Then the products file: every
product whose operator of record on this network is the Safe, whether it says so with
`operator_is_safe`, and whether the Safe holds the product's roles on chain. Notices say what signers
should know: modules (they execute without owner signatures), a guard, no fallback handler, a singleton
that is not an official Safe deployment, a threshold of one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from eth_utils import keccak
from web3.exceptions import ContractLogicError

from indexops.chain.abis import contract
from indexops.chain.connection import error_line
from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice
from indexops.errors import ChainError
from indexops.safe.safe_view import SafeView, differences
from indexops.safe.service import TransactionService
from indexops.values import ZERO_ADDRESS, address_from_word, checksummed
from indexops.workflows.safe.chain import NotASafe, products_operated, read_safe, role_holders

GUARD_SLOT = int.from_bytes(keccak(text="guard_manager.guard.address"), "big")
FALLBACK_HANDLER_SLOT = int.from_bytes(keccak(text="fallback_manager.handler.address"), "big")
SINGLETON_SLOT = 0
SENTINEL = "0x0000000000000000000000000000000000000001"
MODULES_PAGE = 50
# The singletons Safe deploys (safe-deployments), by version; "+L2" emits events for indexers.
OFFICIAL_SINGLETONS = {
    "0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552": "1.3.0",
    "0x69f4D1788e39c87893C980c06EdF4b7f686e2938": "1.3.0",
    "0x3E5c63644E683549055b9Be8653de26E0B4CD36E": "1.3.0+L2",
    "0xfb1bffC9d739B8D520DaF37dF666da4C687191EA": "1.3.0+L2",
    "0x41675C099F32341bf84BFc5382aF534df5C7461a": "1.4.1",
    "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762": "1.4.1+L2",
    "0xFf51A5898e281Db6DfC7855790607438dF2ca44b": "1.5.0",
    "0xEdd160fEBBD92E350D4D398fb636302fccd67C7e": "1.5.0+L2",
}


@dataclass(frozen=True)
class ProductRole:
    product: str
    operator_is_safe: bool
    roles_held: tuple[str, ...]  # roles the Safe holds on chain ("operator", "owner")


@dataclass(frozen=True)
class SafeInfo:
    address: str
    network: str
    chain_id: int
    block: int
    version: str
    nonce: int
    threshold: int
    owners: tuple[str, ...]
    modules: tuple[str, ...]
    guard: str
    fallback_handler: str
    master_copy: str
    official_singleton: str | None  # the version an official singleton at that address is, None if not one
    products: tuple[ProductRole, ...]
    notices: tuple[str, ...]
    service: str | None = None
    service_differences: tuple[str, ...] | None = None  # None: no service asked; () it agrees


def safe_info(
    w3, loaded: LoadedConfig, where: NetworkChoice, safe: str, service: TransactionService | None = None
) -> SafeInfo:
    address = checksummed(safe, "Safe address")
    state = read_safe(w3, address)
    modules, guard, handler, singleton = _read_managers(w3, address, state.block_number)
    products = tuple(_role(w3, target, address) for target in products_operated(loaded, where, address))
    official = OFFICIAL_SINGLETONS.get(singleton)
    found = None
    if service is not None:
        view = SafeView(address, state.nonce, state.threshold, state.owners, singleton)
        described = service.describe_safe(address)
        found = ("the service does not know this Safe",) if described is None else tuple(differences(described, view))
    info = SafeInfo(
        address=address,
        network=where.name,
        chain_id=where.network.chain_id,
        block=state.block_number,
        version=state.version,
        nonce=state.nonce,
        threshold=state.threshold,
        owners=state.owners,
        modules=modules,
        guard=guard,
        fallback_handler=handler,
        master_copy=singleton,
        official_singleton=official,
        products=products,
        notices=(),
        service=service.display_url if service is not None else None,
        service_differences=found,
    )
    return replace(info, notices=tuple(notices(info, where)))


def notices(info: SafeInfo, where: NetworkChoice) -> list[str]:
    found = [
        f"module {module} is enabled: it can execute transactions from the Safe without owner signatures"
        for module in info.modules
    ]
    if info.guard != ZERO_ADDRESS:
        found.append(f"guard {info.guard} checks every execTransaction (and can block it)")
    if info.fallback_handler == ZERO_ADDRESS:
        found.append("no fallback handler: the Safe cannot sign as the owner of another Safe (EIP-1271)")
    if info.official_singleton is None:
        found.append(f"the singleton {info.master_copy} is not an official Safe deployment (a local or custom one)")
    elif info.official_singleton.split("+")[0] != info.version:
        found.append(f"the singleton is the official {info.official_singleton}, but VERSION() says {info.version}")
    if info.threshold == 1 and len(info.owners) > 1:
        found.append(f"threshold 1 of {len(info.owners)}: any one owner can execute alone")
    for role in info.products:
        key = f"products.{role.product}.deployments.{where.name}"
        if not role.operator_is_safe:
            found.append(f"{key}.operator is this Safe, but {key}.operator_is_safe is not true ({where.source})")
        if not role.roles_held:
            found.append(f"{key}.operator is this Safe, but on chain it holds no role of {role.product}")
    if not info.products:
        found.append(f"no product of {where.source} names this Safe as its operator on {where.name}")
    if info.service_differences:
        found.append(f"the service at {info.service} disagrees: {'; '.join(info.service_differences)}")
    return found


def _role(w3, target, safe: str) -> ProductRole:
    holders = role_holders(w3, target)
    held = tuple(sorted(role for role, addresses in holders.items() if safe in addresses))
    return ProductRole(target.key, target.deployment.operator_is_safe, held)


def _read_managers(w3, safe: str, block: int) -> tuple[tuple[str, ...], str, str, str]:
    """Modules, guard, fallback handler and singleton at `block`."""
    try:
        listed, _next = (
            contract(w3, "GnosisSafe", safe)
            .functions.getModulesPaginated(SENTINEL, MODULES_PAGE)
            .call(block_identifier=block)
        )
        words = [
            bytes(w3.eth.get_storage_at(safe, slot, block_identifier=block))
            for slot in (GUARD_SLOT, FALLBACK_HANDLER_SLOT, SINGLETON_SLOT)
        ]
    except ContractLogicError as error:
        raise NotASafe(safe, f"getModulesPaginated() reverted ({error})") from None
    except Exception as error:  # web3 raises many kinds for a failed read
        raise ChainError(f"cannot read the modules and storage of {safe}: {error_line(error)}") from None
    guard, handler, singleton = (address_from_word(word.rjust(32, b"\0")) for word in words)
    return tuple(checksummed(module, "module") for module in listed), guard, handler, singleton
