"""What the chain says about a Safe and the roles it holds: version, nonce, owners, threshold, operator."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractLogicError

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import error_line
from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice, ProductOnNetwork
from indexops.errors import ChainError, UsageError
from indexops.safe.safe_view import SafeView
from indexops.safe.signature_check import ChainFacts
from indexops.safe.versions import canonical_safe_version
from indexops.values import address_from_word

SINGLETON_SLOT = 0  # a Safe proxy keeps the address of its singleton (master copy) in storage slot 0
# isValidSignature(bytes,bytes), the EIP-1271 draft Safe 1.x calls on contract owners; its selector is also the answer
IS_VALID_SIGNATURE = keccak(text="isValidSignature(bytes,bytes)")[:4]


class NotASafe(UsageError):
    def __init__(self, address: str, reason: str):
        super().__init__(f"{address} is not a Safe: {reason}")


class NotOperatorOfRecord(UsageError):
    def __init__(self, safe: str, product: str, network: str, operator: str | None, source: str):
        recorded = operator or "none"
        super().__init__(
            f"{safe} is not the operator of record of {product} on {network} "
            f"({source}: products.{product}.deployments.{network}.operator is {recorded})"
        )


class OperatorIsNotASafe(UsageError):
    def __init__(self, product: str, network: str, operator: str | None, source: str):
        super().__init__(
            f"the operator of record of {product} on {network} ({operator or 'none'}) is not a Safe "
            f"({source}: products.{product}.deployments.{network}.operator_is_safe is not true)"
        )


@dataclass(frozen=True)
class SafeState:
    address: str
    version: str
    nonce: int
    owners: tuple[str, ...]
    threshold: int
    block_number: int


def read_safe(w3, address: str) -> SafeState:
    """VERSION, nonce, owners and threshold in one batch at one block."""
    block = int(w3.eth.block_number)
    reader = BatchReader(w3, block)
    safe = contract(w3, "GnosisSafe", address)
    code = reader.code(address)
    tickets = {name: reader.call(safe, name) for name in ("VERSION", "nonce", "getOwners", "getThreshold")}
    results = reader.run()
    if isinstance(results[code], CallFailed) or not results[code]:
        raise NotASafe(address, "no contract at this address")
    values = {}
    for name, ticket in tickets.items():
        if isinstance(results[ticket], CallFailed):
            raise NotASafe(address, f"{name}() failed ({results[ticket].reason})")
        values[name] = results[ticket]
    return SafeState(
        address=address,
        version=canonical_safe_version(values["VERSION"]),
        nonce=int(values["nonce"]),
        owners=tuple(values["getOwners"]),
        threshold=int(values["getThreshold"]),
        block_number=block,
    )


def read_safe_view(w3, address: str) -> SafeView:
    """The chain's view of a Safe, as a Transaction Service describes one: `read_safe` and the singleton."""
    state = read_safe(w3, address)
    try:
        slot = bytes(w3.eth.get_storage_at(address, SINGLETON_SLOT, block_identifier=state.block_number))
    except Exception as error:  # web3 raises many kinds for a failed read
        raise ChainError(f"cannot read the singleton of {address}: {error_line(error)}") from None
    return SafeView(
        address=state.address,
        nonce=state.nonce,
        threshold=state.threshold,
        owners=state.owners,
        master_copy=address_from_word(slot.rjust(32, b"\0")),
    )


def signature_facts(w3, safe: str, safe_tx_hash: bytes, data: bytes, sender: str | None) -> ChainFacts:
    """Approved hashes and contract owners' answers, read from the chain as the Safe would see them."""
    bound = contract(w3, "GnosisSafe", safe)

    def approved(owner: str) -> bool:
        return _read(bound, "approvedHashes", owner, safe_tx_hash) != 0

    def contract_accepts(owner: str, signed: bytes, signature: bytes) -> bool:
        return contract_owner_accepts(w3, safe, owner, signed, signature)

    return ChainFacts(sender=sender, data=data, approved=approved, contract_accepts=contract_accepts)


def contract_owner_accepts(w3, safe: str, owner: str, signed: bytes, signature: bytes) -> bool:
    """Whether a contract owner accepts `signature` of `signed` when `safe` asks it, as checkNSignatures asks."""
    data = IS_VALID_SIGNATURE + encode(["bytes", "bytes"], [signed, signature])
    call = {"from": safe, "to": owner, "data": "0x" + data.hex()}
    try:
        answer = bytes(w3.eth.call(call))
    except ContractLogicError:  # a revert is a refusal, as it is to the Safe (no code answers nothing)
        return False
    return len(answer) >= 32 and answer[:4] == IS_VALID_SIGNATURE


def operator_of_record(target: ProductOnNetwork, safe: str | None = None) -> str:
    """The product's configured operator, which must be a Safe (and `safe`, when one is named)."""
    deployment, where = target.deployment, target.where
    if safe is not None and (deployment.operator is None or deployment.operator.lower() != safe.lower()):
        raise NotOperatorOfRecord(safe, target.key, where.name, deployment.operator, where.source)
    if deployment.operator is None or not deployment.operator_is_safe:
        raise OperatorIsNotASafe(target.key, where.name, deployment.operator, where.source)
    return deployment.operator


def products_operated(loaded: LoadedConfig, where: NetworkChoice, safe: str) -> list[ProductOnNetwork]:
    """The products whose operator of record on this network is `safe`, by key."""
    found = []
    for key, product in sorted(loaded.file.products.items()):
        deployment = product.deployments.get(where.name)
        if deployment is not None and deployment.operator is not None and deployment.operator.lower() == safe.lower():
            found.append(ProductOnNetwork(key=key, product=product, deployment=deployment, where=where))
    return found


def operated_product(loaded: LoadedConfig, where: NetworkChoice, safe: str) -> ProductOnNetwork | None:
    found = products_operated(loaded, where, safe)
    return found[0] if found else None


def role_holders(w3, target: ProductOnNetwork) -> dict[str, tuple[str, ...]]:
    """Who holds the roles plan steps are signed by, read from the product's manager."""
    deployment = target.deployment
    if deployment.manager_kind == "direct":
        return {"operator": (_read(contract(w3, "SetToken", deployment.set_token), "manager"),)}
    if deployment.manager is None:
        raise UsageError(f"products.{target.key}.deployments.{target.where.name}.manager is not set")
    if deployment.manager_kind == "base-manager":
        return {"operator": (_read(contract(w3, "BaseManager", deployment.manager), "operator"),)}
    manager = contract(w3, "delegated/DelegatedManager", deployment.manager)
    return {"owner": (_read(manager, "owner"),), "operator": tuple(_read(manager, "getOperators"))}


def _read(bound, name: str, *args):
    try:
        return getattr(bound.functions, name)(*args).call()
    except Exception as error:  # web3 raises many kinds for a failed read; all mean the same here
        raise ChainError(f"cannot read {name}() of {bound.address}: {error_line(error)}") from None
