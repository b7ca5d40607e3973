"""Options every chain-touching command shares, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from indexops.cli.number_options import gas_price_gwei, seconds

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Products file (default: ./products.toml, then the user config dir).", show_default=False
    ),
]
NetworkOption = Annotated[
    str | None,
    typer.Option("--network", "-n", help="Network name from the products file (default: its default_network)."),
]
_RPC_URL_HELP = "JSON-RPC URL; overrides the network's. Repeat it (or separate by commas) for failover, in order."
if TYPE_CHECKING:
    # Typer hands the command a list (the option may be repeated); commands only pass it on to `context`, whose
    # functions take one URL or several, so for the checker it stays what most signatures already say.
    RpcUrlOption = Annotated[str | None, typer.Option("--rpc-url")]
else:
    RpcUrlOption = Annotated[
        list[str] | None, typer.Option("--rpc-url", help=_RPC_URL_HELP, show_default=False, metavar="URL")
    ]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout, nothing else there.")]
_debug = {"requested": False}


def _remember_debug(value: bool) -> bool:
    _debug["requested"] = bool(value)
    return value


def debug_requested() -> bool:
    """Whether the command running now was given --debug (for what it reaches without the flag: failovers)."""
    return _debug["requested"]


DebugOption = Annotated[
    bool,
    typer.Option("--debug", help="Show tracebacks, RPC round trips and RPC failovers.", callback=_remember_debug),
]
ReceiptTimeoutOption = Annotated[
    int,
    typer.Option(
        "--receipt-timeout",
        help="Seconds to wait for each receipt.",
        metavar="SECONDS",
        parser=seconds("--receipt-timeout", minimum=1),
    ),
]
GasPriceOption = Annotated[
    float | None,
    typer.Option(
        "--gas-price",
        help="Gas price in gwei for the cost model (default: the node's).",
        metavar="GWEI",
        parser=gas_price_gwei("--gas-price", zero_allowed=True),
    ),
]
MaxGasPriceOption = Annotated[
    float | None,
    typer.Option(
        "--max-gas-price",
        help="Never pay a base fee above this (gwei; default: the product's cap).",
        metavar="GWEI",
        parser=gas_price_gwei("--max-gas-price", zero_allowed=False),
    ),
]
MaxGasWaitOption = Annotated[
    int,
    typer.Option(
        "--max-gas-wait",
        help="Seconds to wait for the base fee to fall under the cap.",
        metavar="SECONDS",
        parser=seconds("--max-gas-wait", minimum=0),
    ),
]
AccountOption = Annotated[
    str | None,
    typer.Option(
        "--account", help="Signer to check roles for: an address, or an anvil dev account index on the sandbox."
    ),
]
