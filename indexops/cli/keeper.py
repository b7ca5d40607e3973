"""`indexops keeper check PRODUCT...`: what a keeper would send now for leverage tokens, and at what fee."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from indexops.cli import context
from indexops.cli.options import ConfigOption, DebugOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, note, stdout
from indexops.errors import UsageError

app = typer.Typer(help="Keep leverage tokens in their band: rebalance, iterate, ripcord.", no_args_is_help=True)

SANDBOX_KEEPER = "9"  # the sandbox allows anvil account 9 on each strategy (`indexops sandbox up`)

KeeperAccountOption = Annotated[
    str | None,
    typer.Option(
        "--account",
        help="The keeper: an address, a Foundry keystore name, or an anvil dev account index on the sandbox "
        "(default there: 9, the sandbox's keeper; elsewhere: the deployment's first allowed caller).",
    ),
]


@app.command("check")
def check(
    products: Annotated[list[str], typer.Argument(help="Leverage product keys, e.g. eth2x-fli btc2x-fli.")],
    account: KeeperAccountOption = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Per product: the action, exchange, chunk, ratio after, and the fee it would pay and why (or why it
    waits), from the strategy's state and the pending block's base fee. Nothing is sent."""
    from indexops.config.selection import choose_product
    from indexops.workflows.keeper_check import keeper_check, strategy_of

    loaded = context.config(config)
    targets = [choose_product(loaded, key, network) for key in dict.fromkeys(products)]
    for target in targets:  # every product's configuration before any chain read
        strategy_of(target)
    checks = []
    connections: dict[str, Any] = {}
    for target in targets:
        if target.where.name not in connections:
            connections[target.where.name] = context.connect_to(target.where, rpc_url)
        connection = connections[target.where.name]
        checks.append(keeper_check(target, connection, _keeper(account, target, connection)))
    if json_output:
        emit_json([check.as_json() for check in checks])
    else:
        from indexops.render.keeper import render_keeper_checks

        for renderable in render_keeper_checks(checks):
            stdout().print(renderable)
    if debug:
        note(f"RPC round trips: {sum(c.round_trips for c in connections.values())}")


def _keeper(account: str | None, target, connection) -> str:
    """The keeper's address: --account as given (a number or an address), a keystore's, or the default."""
    sandbox = target.where.network.sandbox
    if account is None:
        if sandbox:
            account = SANDBOX_KEEPER
        else:
            leverage = target.deployment.leverage
            if leverage is None or not leverage.allowed_callers:
                raise UsageError(
                    f"{target.key}: no keeper account: pass --account (an address or a keystore name), "
                    f"or list it in products.{target.key}.deployments.{target.where.name}.leverage.allowed_callers"
                )
            return leverage.allowed_callers[0]
    if account[:2] in ("0x", "0X") or account.lstrip("-").isdigit():
        address = context.resolve_account(account, target.where, connection)
        assert address is not None
        return address
    from indexops.signing import resolve_signer

    return resolve_signer(account, None, environ=os.environ, sandbox=sandbox, password=_ask_password).address


def _ask_password(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(f"{prompt}: not a terminal; set INDEXOPS_KEYSTORE_PASSWORD")
    import questionary

    return questionary.password(prompt).ask()
