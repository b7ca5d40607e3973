"""Names for the addresses a Safe transaction touches, from the products file, and the ABIs to decode them with."""

from __future__ import annotations

from functools import lru_cache

from indexops.chain.abis import ABI_DIR, load_abi
from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice
from indexops.safe.decoding import Label
from indexops.values import checksummed

MANAGER_ABIS = {"base-manager": "BaseManager", "delegated": "delegated/DelegatedManager"}
MODULE_ABIS = {
    "gim": "GeneralIndexModule",
    "trade": "TradeModule",
    "streaming_fee": "StreamingFeeModule",
    "basic_issuance": "BasicIssuanceModule",
    "claim": "ClaimModule",
}
EXTENSION_ABIS = {
    "base-manager": {
        "gim": "GIMExtension",
        "fee_split": "StreamingFeeSplitExtension",
        "fli_strategy": "FlexibleLeverageStrategyExtension",
    },
    "delegated": {
        "trade": "delegated/TradeExtension",
        "batch_trade": "delegated/BatchTradeExtension",
        "fee_split": "delegated/StreamingFeeSplitExtension",
        "claim": "delegated/ClaimExtension",
    },
}
VENUE_ABIS = {"router": "UniswapV2Router02", "factory": "UniswapV2Factory", "quoter": "UniswapV3Quoter"}


@lru_cache(maxsize=1)
def shipped_abis() -> dict[str, tuple[dict, ...]]:
    """Every ABI shipped with indexops, by name ("GIMExtension", "delegated/TradeExtension"), functions only."""
    names = sorted(str(path.relative_to(ABI_DIR).with_suffix("")) for path in ABI_DIR.rglob("*.json"))
    return {name: tuple(entry for entry in load_abi(name) if entry.get("type") == "function") for name in names}


def address_book(loaded: LoadedConfig, where: NetworkChoice) -> dict[str, Label]:
    """Checksummed address -> label, for the network's tokens, venues, well-known contracts and every product on it."""
    book: dict[str, Label] = {}

    def add(
        address: str | None, name: str, abi: str | None = None, symbol: str | None = None, decimals: int | None = None
    ) -> None:
        if not address:
            return
        address = checksummed(address, name)
        known = book.get(address)
        if known is None:
            book[address] = Label(name, abi, symbol, decimals)
        elif name not in known.name.split(" / "):
            book[address] = Label(
                f"{known.name} / {name}",
                known.abi or abi,
                known.symbol or symbol,
                known.decimals if known.decimals is not None else decimals,
            )

    network = where.network
    for symbol, token in network.tokens.items():
        add(token.address, symbol, "ERC20", symbol, token.decimals)
    if network.contracts.multisend_call_only:
        add(network.contracts.multisend_call_only, "MultiSendCallOnly", "MultiSendCallOnly")
    if network.contracts.multicall3:
        add(network.contracts.multicall3, "Multicall3")
    for venue_name, venue in network.venues.items():
        add(venue.router, f"{venue_name} router", VENUE_ABIS["router"] if venue.kind == "uniswap-v2" else None)
        add(venue.factory, f"{venue_name} factory", VENUE_ABIS["factory"] if venue.kind == "uniswap-v2" else None)
        add(venue.quoter, f"{venue_name} quoter", VENUE_ABIS["quoter"])
    for product in loaded.file.products.values():
        deployment = product.deployments.get(where.name)
        if deployment is not None:
            _add_product(add, product.symbol, deployment)
    return book


def _add_product(add, symbol: str, deployment) -> None:
    kind = deployment.manager_kind
    add(deployment.set_token, f"{symbol} SetToken", "SetToken")
    add(deployment.manager, f"{symbol} {MANAGER_ABIS.get(kind, 'manager').split('/')[-1]}", MANAGER_ABIS.get(kind))
    operator_name = f"{symbol} operator" + (" (Safe)" if deployment.operator_is_safe else "")
    add(deployment.operator, operator_name, "GnosisSafe" if deployment.operator_is_safe else None)
    add(deployment.methodologist, f"{symbol} methodologist")
    for trader in deployment.allowed_traders:
        add(trader, f"{symbol} trader")
    for module, address in deployment.modules.items():
        add(address, MODULE_ABIS.get(module, module), MODULE_ABIS.get(module))
    for extension, address in deployment.extensions.items():
        abi = EXTENSION_ABIS.get(kind, {}).get(extension)
        add(address, f"{symbol} {(abi or extension).split('/')[-1]}", abi)
