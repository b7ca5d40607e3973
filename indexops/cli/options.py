"""Options every chain-touching command shares, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Products file (default: ./products.toml, then the user config dir).", show_default=False),
]
NetworkOption = Annotated[
    str | None, typer.Option("--network", "-n", help="Network name from the products file (default: its default_network).")
]
RpcUrlOption = Annotated[str | None, typer.Option("--rpc-url", help="JSON-RPC URL; overrides the network's.", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout, nothing else there.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks and RPC round trips.")]
AccountOption = Annotated[
    str | None,
    typer.Option("--account", help="Signer to check roles for: an address, or an anvil dev account index on the sandbox."),
]
