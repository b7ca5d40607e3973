"""`indexops wrap PRODUCT COMPONENT --into WRAPPED` and `indexops unwrap PRODUCT WRAPPED --into UNDERLYING`."""

from __future__ import annotations

from typing import Annotated

import typer

from indexops.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    MaxGasPriceOption,
    MaxGasWaitOption,
    NetworkOption,
    ReceiptTimeoutOption,
    RpcUrlOption,
)
from indexops.cli.productive import (
    AccountOption,
    Choices,
    DryRunOption,
    JournalOption,
    KeystoreOption,
    YesOption,
    open_session,
    perform,
)

ProductArgument = Annotated[str, typer.Argument(help="A product under a DelegatedManager, e.g. pix.")]
UnitsOption = Annotated[
    str | None,
    typer.Option("--units", help="How much per set, in whole tokens (default: the whole position).", metavar="X"),
]
IntegrationOption = Annotated[
    str, typer.Option("--integration", help="WrapModuleV2's adapter, by its IntegrationRegistry name.")
]


def wrap(
    product: ProductArgument,
    component: Annotated[str, typer.Argument(help="The component to wrap, e.g. USDC or WETH.")],
    into: Annotated[str, typer.Option("--into", help="The wrapped token, e.g. cUSDC or cETH.")],
    units: UnitsOption = None,
    integration: IntegrationOption = "CompoundWrapV2Adapter",
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    journal: JournalOption = None,
    max_gas_price: MaxGasPriceOption = None,
    max_gas_wait: MaxGasWaitOption = 600,
    receipt_timeout: ReceiptTimeoutOption = 180,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Wrap a component into a yield-bearing token (WrapExtension.wrap, wrapWithEther from WETH): both positions
    before and after and the value moved, simulated in the next block, then the wrap."""
    choices = Choices(account, keystore, dry_run, yes, journal, max_gas_price, max_gas_wait, receipt_timeout,
                      network, rpc_url, config, json_output)  # fmt: skip
    _wrap(product, component, into, units, integration, False, choices)


def unwrap(
    product: ProductArgument,
    wrapped: Annotated[str, typer.Argument(help="The wrapped component, e.g. cUSDC or cETH.")],
    into: Annotated[str, typer.Option("--into", help="The underlying token, e.g. USDC or WETH.")],
    units: UnitsOption = None,
    integration: IntegrationOption = "CompoundWrapV2Adapter",
    account: AccountOption = None,
    keystore: KeystoreOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    journal: JournalOption = None,
    max_gas_price: MaxGasPriceOption = None,
    max_gas_wait: MaxGasWaitOption = 600,
    receipt_timeout: ReceiptTimeoutOption = 180,
    network: NetworkOption = None,
    rpc_url: RpcUrlOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Unwrap a wrapped component into its underlying (WrapExtension.unwrap, unwrapWithEther into WETH): both
    positions before and after and the value moved, simulated in the next block, then the unwrap."""
    choices = Choices(account, keystore, dry_run, yes, journal, max_gas_price, max_gas_wait, receipt_timeout,
                      network, rpc_url, config, json_output)  # fmt: skip
    _wrap(product, wrapped, into, units, integration, True, choices)


def _wrap(product: str, source: str, into: str, units, integration: str, unwrapping: bool, choices: Choices) -> None:
    from indexops.render.wrap import wrap_table, wrapped_lines
    from indexops.workflows.productive_values import units_at
    from indexops.workflows.wrap import prepare

    action = "unwrap" if unwrapping else "wrap"
    session = open_session(product, choices)

    def after(prepared, block: int):
        legs = (prepared.preview.source, prepared.preview.into)
        now = units_at(session.connection, prepared.state.set_token, [leg.token for leg in legs], block)
        return {"units": now}, wrapped_lines(prepared, now)

    perform(
        session,
        action,
        lambda s: prepare(
            s.connection, s.target, source, into, s.caller, unwrap=unwrapping, units=units, integration=integration
        ),
        wrap_table,
        lambda p: f"{action.capitalize()} {p.preview.source.symbol} into {p.preview.into.symbol}?",
        after,
    )
