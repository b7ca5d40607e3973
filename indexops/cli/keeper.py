"""`indexops keeper check PRODUCT...`: what a keeper would send now for leverage tokens, and at what fee."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
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


LogFormat = Annotated[
    str,
    typer.Option("--log-format", help="human: one line per decision; json: one JSON object per line."),
]


@app.command("run")
def run(
    products: Annotated[list[str], typer.Argument(help="Leverage product keys, e.g. eth2x-fli btc2x-fli.")],
    once: Annotated[
        bool, typer.Option("--once", help="One pass over the products, then exit once what it sent is mined.")
    ] = False,
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", min=0.05, max=600, help="How often to ask for a new block.")
    ] = 2.0,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="The keeper's signer: anvil account N (sandbox; default there: 9), a Foundry keystore name.",
        ),
    ] = None,
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="The keeper's signer from an encrypted JSON keystore file.")
    ] = None,
    journal: Annotated[
        Path | None, typer.Option("--journal", help="Journal file (default: in the user data dir).")
    ] = None,
    log_format: LogFormat = "human",
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", min=0, max=65535, help="Serve Prometheus metrics (/metrics) and /healthz on this port."
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="The address the metrics port binds to.")
    ] = "127.0.0.1",
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Per new block and product: decide (verdict and gas policy), and when it says send, simulate, sign,
    journal, broadcast and follow the call to its receipt, replacing it at the same nonce when it is stuck.
    A restart follows what an earlier run left in flight instead of sending it again. Refused at start, before
    anything is sent, as `keeper check` refuses: a keeper the strategy does not let call, a ripcord whose cap
    is below the base fee, an RPC answering garbage."""
    from indexops.config.selection import choose_product
    from indexops.execution import chain_ops
    from indexops.execution.faults import FaultPoints
    from indexops.execution.journal import Journal, default_journal_path
    from indexops.execution.signer_lock import holding_signers
    from indexops.keeper.decide import Product
    from indexops.keeper.log import writer
    from indexops.keeper.loop import KeeperLoop, LoopSettings
    from indexops.keeper.observe import Watchers
    from indexops.keeper.sending import Chain, ProductSender
    from indexops.paths import user_data_dir
    from indexops.signing import resolve_signer

    if log_format not in ("human", "json"):
        raise UsageError(f"--log-format {log_format!r}: expected human or json")
    loaded = context.config(config)
    targets = [choose_product(loaded, key, network) for key in dict.fromkeys(products)]
    chosen = [Product.of(target) for target in targets]  # every product's configuration before any chain read
    networks = {target.where.name for target in targets}
    if len(networks) > 1:
        raise UsageError(f"one network per keeper run (got {', '.join(sorted(networks))}): pass --network")
    where = targets[0].where
    sandbox = where.network.sandbox
    if account is None and keystore is None and sandbox and "INDEXOPS_PRIVATE_KEY" not in os.environ:
        account = SANDBOX_KEEPER
    signer = resolve_signer(account, keystore, environ=os.environ, sandbox=sandbox, password=_ask_password)
    watchers = Watchers()
    alerts = loaded.file.alerts
    urls = None
    if alerts is not None:
        from indexops.keeper.alerts import filled_urls

        urls = filled_urls(alerts.urls, os.environ, str(loaded.path))  # before anything starts
    with ExitStack() as running:
        if alerts is not None and urls is not None:
            from indexops.keeper.alerts import Alerter

            alerter = Alerter(urls, alerts.keeper_min_eth, str(loaded.path))
            # what is queued is delivered on the way out, briefly when interrupted (stops within a second)
            running.push(lambda kind, _error, _trace: alerter.close(0.5 if kind is not None else 10.0))
            watchers.watchers.append(alerter)
        if metrics_port is not None:
            from indexops.keeper.metrics import KeeperMetrics

            metrics = KeeperMetrics(poll_seconds)
            try:
                server = metrics.serve(metrics_host, metrics_port)
            except OSError as error:
                raise UsageError(
                    f"--metrics-port {metrics_port}: cannot listen on {metrics_host}: {error.strerror}"
                ) from None
            running.callback(server.close)
            watchers.watchers.append(metrics)
            note(f"metrics on http://{metrics_host}:{server.port}/metrics, health on /healthz")
        connection = context.connect_to(where, rpc_url)
        if watchers:
            connection.on_failover(watchers.failover)
        genesis = chain_ops.block_hash(connection.w3, 0)
        if genesis is None:
            raise UsageError(f"{where.name}: the node has no block 0")
        data_dir = user_data_dir()
        chain = Chain(connection, where.network.chain_id, genesis, where.name)
        log = _watched(writer(log_format), watchers)
        faults = FaultPoints()
        with holding_signers(data_dir, where.network.chain_id, [signer.address]):
            book = Journal.open(journal if journal is not None else default_journal_path(data_dir))
            try:
                senders = [ProductSender(product, chain, book, signer, log, faults) for product in chosen]
                settings = LoopSettings(poll_seconds=poll_seconds, once=once, data_dir=data_dir)
                KeeperLoop(connection, senders, settings, log, watchers=watchers).run()
            finally:
                book.close()


def _watched(log, watchers):
    """The loop's line writer, each line also told to the watchers."""
    if not watchers:
        return log

    def write(line) -> None:
        log(line)
        watchers.line(line)

    return write


@app.command("pause")
def pause_product(
    product: Annotated[str, typer.Argument(help="The product key whose keeper to pause.")],
    config: ConfigOption = None,
) -> None:
    """A running `keeper run` skips the product from its next block on (a transaction in flight is still
    followed to its receipt), until `keeper resume`."""
    from indexops.keeper import pause
    from indexops.paths import user_data_dir

    _known(product, config)
    done = pause.pause(user_data_dir(), product)
    note(f"{product}: paused" if done else f"{product}: already paused")


@app.command("resume")
def resume_product(
    product: Annotated[str, typer.Argument(help="The product key whose keeper to resume.")],
    config: ConfigOption = None,
) -> None:
    """A running `keeper run` serves the product again from its next block on."""
    from indexops.keeper import pause
    from indexops.paths import user_data_dir

    _known(product, config)
    done = pause.resume(user_data_dir(), product)
    note(f"{product}: resumed" if done else f"{product}: was not paused")


def _known(product: str, config) -> None:
    loaded = context.config(config)
    if product not in loaded.file.products:
        raise UsageError(f"{product}: no such product in {loaded.path}")
