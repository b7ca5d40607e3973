"""`indexops products` and `indexops products check`."""

from __future__ import annotations

import typer
from rich.markup import escape

from indexops.cli import context
from indexops.cli.options import ConfigOption, DebugOption, JsonOption, NetworkOption, RpcUrlOption
from indexops.cli.output import emit_json, stdout

app = typer.Typer(help="The products in the products file, and checks of it.", invoke_without_command=True)


@app.callback()
def list_products(ctx: typer.Context, config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """List products and the networks each is deployed on."""
    if ctx.invoked_subcommand is not None:
        return
    loaded = context.config(config)
    rows = [
        {
            "key": key,
            "name": p.name,
            "symbol": p.symbol,
            "kind": p.kind,
            "networks": {
                n: {"set_token": d.set_token, "manager_kind": d.manager_kind} for n, d in p.deployments.items()
            },
        }
        for key, p in loaded.file.products.items()
    ]
    if json_output:
        emit_json({"config": str(loaded.path), "default_network": loaded.file.default_network, "products": rows})
        return
    from indexops.render.products import products_table

    stdout().print(products_table(loaded, rows))


@app.command()
def check(
    config: ConfigOption = None,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Validate the products file; with --network, also that addresses have code and roles match the chain."""
    loaded = context.config(config)
    checked = [f"{loaded.path}: valid ({len(loaded.file.products)} products, {len(loaded.file.networks)} networks)"]
    if network is not None:
        from indexops.chain.config_check import chain_problems
        from indexops.config.selection import choose_network

        where = choose_network(loaded, network)
        problems = chain_problems(loaded, where, context.connect_to(where, rpc_url))
        if problems:
            from indexops.errors import ConfigError

            raise ConfigError(problems)
        checked.append(f"{where.name}: every configured address has code and every configured role matches the chain")
    if json_output:
        emit_json({"ok": True, "checked": checked})
    else:
        for line in checked:
            stdout().print(f"[green]✓[/] {escape(line)}")
