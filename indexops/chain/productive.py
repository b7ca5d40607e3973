"""What a productive index's rewards and wrap commands depend on, read at one block in batched rounds.

Round 1: the SetToken (supply, components), its DelegatedManager (operators, whether it uses its asset
allowlist, whether ClaimExtension and WrapExtension are initialized on it), which of ClaimModule,
AirdropModule and WrapModuleV2 are initialized, ClaimModule's `anyoneClaim` and reward pools, AirdropModule's
list and `anyoneAbsorb`. Round 2: each reward pool's claim adapters and whether the integration is one of
them, each token asked about and each on AirdropModule's list. With an integration, round 3: the token each
pool pays (its adapter's `getTokenAddress`), and round 4 those of them not read yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_utils import to_checksum_address

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError, UsageError

MODULES = ("claim", "airdrop", "wrap")
EXTENSIONS = ("claim", "wrap")


@dataclass(frozen=True)
class Held:
    """A token as the SetToken holds it."""

    address: str
    symbol: str
    decimals: int
    balance: int  # the SetToken's balance
    unit: int  # its default position's real unit per set (0: not a position)
    allowed: bool  # DelegatedManager.isAllowedAsset
    airdrop: bool  # on AirdropModule's list for the SetToken


@dataclass(frozen=True)
class RewardPool:
    pool: str
    integration: str
    token: str  # what the pool's claim pays, by its adapter


@dataclass(frozen=True)
class ProductiveState:
    block_number: int
    set_token: str
    manager: str
    total_supply: int
    components: tuple[str, ...]
    operators: tuple[str, ...]
    use_asset_allowlist: bool
    extensions: Mapping[str, bool]  # "claim" / "wrap" -> initialized on the manager (configured ones only)
    modules: Mapping[str, bool]  # "claim" / "airdrop" / "wrap" -> initialized on the SetToken (configured ones only)
    anyone_claim: bool
    anyone_absorb: bool
    airdrops: tuple[str, ...]
    pools: tuple[RewardPool, ...]
    tokens: Mapping[str, Held]  # checksummed address -> the token

    def held(self, address: str) -> Held:
        return self.tokens[to_checksum_address(address)]

    def is_operator(self, address: str) -> bool:
        return address.lower() in {operator.lower() for operator in self.operators}


def read_productive(
    connection: Connection,
    target: ProductOnNetwork,
    *,
    tokens: Iterable[str] = (),
    integration: str | None = None,
) -> ProductiveState:
    """The state at the latest block; with `integration`, the reward pools the ClaimModule claims through it."""
    w3, deployment = connection.w3, target.deployment
    block = int(w3.eth.block_number)
    reader = BatchReader(w3, block)
    set_token = contract(w3, "SetToken", deployment.set_token)
    manager = contract(w3, "delegated/DelegatedManager", _manager_of(target))
    modules = {key: deployment.modules[key] for key in MODULES if key in deployment.modules}
    extensions = {key: deployment.extensions[key] for key in EXTENSIONS if key in deployment.extensions}
    claim = contract(w3, "ClaimModule", modules["claim"]) if "claim" in modules else None
    airdrop = contract(w3, "AirdropModule", modules["airdrop"]) if "airdrop" in modules else None
    first = {
        "supply": reader.call(set_token, "totalSupply"),
        "components": reader.call(set_token, "getComponents"),
        "operators": reader.call(manager, "getOperators"),
        "use_allowlist": reader.call(manager, "useAssetAllowlist"),
        **{f"module.{k}": reader.call(set_token, "isInitializedModule", a) for k, a in modules.items()},
        **{f"extension.{k}": reader.call(manager, "isInitializedExtension", a) for k, a in extensions.items()},
    }
    if claim is not None:
        first["anyone_claim"] = reader.call(claim, "anyoneClaim", deployment.set_token)
        first["pools"] = reader.call(claim, "getRewardPools", deployment.set_token)
    if airdrop is not None:
        first["airdrops"] = reader.call(airdrop, "getAirdrops", deployment.set_token)
        first["airdrop_settings"] = reader.call(airdrop, "airdropSettings", deployment.set_token)
    got = _values(reader.run(), first)

    wanted: list[str] = [to_checksum_address(t) for t in (*tokens, *got.get("airdrops", ()))]
    pools = got.get("pools", []) if integration is not None and claim is not None else []
    queued = {address: _queue_token(reader, w3, target, airdrop, address) for address in dict.fromkeys(wanted)}
    claims = {pool: reader.call(claim, "getRewardPoolClaims", deployment.set_token, pool) for pool in pools}
    named = {pool: reader.call(claim, "isRewardPoolClaim", deployment.set_token, pool, integration) for pool in pools}
    second = reader.run()
    held = {address: _token(second, tickets, address) for address, tickets in queued.items()}

    paying = _pools_of(reader, w3, second, claims, named, integration)
    missing: list[str] = [pool.token for pool in paying if pool.token not in held]
    queued = {address: _queue_token(reader, w3, target, airdrop, address) for address in dict.fromkeys(missing)}
    fourth = reader.run()
    held |= {address: _token(fourth, tickets, address) for address, tickets in queued.items()}

    settings = got.get("airdrop_settings")
    return ProductiveState(
        block_number=block,
        set_token=deployment.set_token,
        manager=manager.address,
        total_supply=got["supply"],
        components=tuple(got["components"]),
        operators=tuple(got["operators"]),
        use_asset_allowlist=bool(got["use_allowlist"]),
        extensions={key: bool(got[f"extension.{key}"]) for key in extensions},
        modules={key: bool(got[f"module.{key}"]) for key in modules},
        anyone_claim=bool(got.get("anyone_claim", False)),
        anyone_absorb=bool(settings[2]) if settings is not None else False,
        airdrops=tuple(got.get("airdrops", ())),
        pools=tuple(paying),
        tokens=held,
    )


def _manager_of(target: ProductOnNetwork) -> str:
    deployment, where = target.deployment, target.where
    if deployment.manager_kind != "delegated" or deployment.manager is None:
        raise UsageError(
            f"{where.source}: products.{target.key}.deployments.{where.name}: rewards and wraps go through "
            'a DelegatedManager\'s extensions (manager_kind = "delegated" and its manager), '
            f"not a {deployment.manager_kind}"
        )
    return deployment.manager


def _queue_token(reader: BatchReader, w3, target: ProductOnNetwork, airdrop, address: str) -> dict[str, int]:
    deployment = target.deployment
    erc20 = contract(w3, "ERC20", address)
    tickets = {
        "symbol": reader.call(erc20, "symbol"),
        "decimals": reader.call(erc20, "decimals"),
        "balance": reader.call(erc20, "balanceOf", deployment.set_token),
        "unit": reader.call(contract(w3, "SetToken", deployment.set_token), "getDefaultPositionRealUnit", address),
        "allowed": reader.call(
            contract(w3, "delegated/DelegatedManager", _manager_of(target)), "isAllowedAsset", address
        ),
    }
    if airdrop is not None:
        tickets["airdrop"] = reader.call(airdrop, "isAirdropToken", deployment.set_token, address)
    return tickets


def _token(results: list, tickets: dict[str, int], address: str) -> Held:
    got = _values(results, tickets, f"token {address}")
    return Held(
        address=address,
        symbol=str(got["symbol"]),
        decimals=int(got["decimals"]),
        balance=int(got["balance"]),
        unit=int(got["unit"]),
        allowed=bool(got["allowed"]),
        airdrop=bool(got.get("airdrop", False)),
    )


def _pools_of(reader: BatchReader, w3, results: list, claims: dict, named: dict, integration) -> list[RewardPool]:
    """The pools claimed through `integration`, each with the token its adapter says it pays (round 3)."""
    tickets = {}
    for pool, ticket in claims.items():
        got = _values(results, {"adapters": ticket, "added": named[pool]}, f"reward pool {pool}")
        adapters = got["adapters"]
        if got["added"] and adapters:
            tickets[pool] = [reader.call(contract(w3, "ClaimAdapter", a), "getTokenAddress", pool) for a in adapters]
    if not tickets:
        return []
    answers = reader.run()
    pools = []
    for pool, by_adapter in tickets.items():
        paid = [answers[t] for t in by_adapter if not isinstance(answers[t], CallFailed)]
        if not paid:
            raise ChainError(f"reading which token reward pool {pool} pays failed: {answers[by_adapter[0]].reason}")
        pools.append(RewardPool(pool=pool, integration=str(integration), token=to_checksum_address(paid[0])))
    return pools


def _values(results: list, tickets: Mapping[str, int], what: str = "the productive index's state") -> dict:
    values = {}
    for key, ticket in tickets.items():
        answer = results[ticket]
        if isinstance(answer, CallFailed):
            raise ChainError(f"reading {what} ({key}) failed: {answer.reason}")
        values[key] = answer
    return values
