"""`indexops rewards claim|absorb PRODUCT`: a productive index's rewards, claimed, then absorbed as positions."""

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

app = typer.Typer(
    help="A productive index's rewards under the self-service manager: claim them, absorb them as positions.",
    no_args_is_help=True,
)
ProductArgument = Annotated[str, typer.Argument(help="A product under a DelegatedManager, e.g. pix.")]


@app.command("claim")
def claim(
    product: ProductArgument,
    integration: Annotated[
        str, typer.Option("--integration", help="The ClaimModule integration the reward pools claim through.")
    ] = "CompClaimAdapter",
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
    """Claim what the product's reward pools owe it (ClaimModule.claim, which it lets anyone make): each claim
    simulated in the next block first. The rewards are then a balance, not a position, until `rewards absorb`."""
    from indexops.render.rewards import claim_table, claimed_lines
    from indexops.workflows.productive_values import balance_at
    from indexops.workflows.rewards import prepare_claim

    choices = Choices(account, keystore, dry_run, yes, journal, max_gas_price, max_gas_wait, receipt_timeout,
                      network, rpc_url, config, json_output)  # fmt: skip
    session = open_session(product, choices)

    def after(prepared, block: int):
        set_token = prepared.state.set_token
        held = {c.token: balance_at(session.connection, c.token, set_token, block) for c in prepared.claims}
        return {"held": held}, claimed_lines(prepared, held)

    perform(
        session,
        "rewards-claim",
        lambda s: prepare_claim(s.connection, s.target, s.caller, integration),
        claim_table,
        lambda prepared: f"Claim from {len(prepared.steps)} reward pool(s)?",
        after,
    )


@app.command("absorb")
def absorb(
    product: ProductArgument,
    tokens: Annotated[
        list[str],
        typer.Argument(help="Tokens the SetToken holds beyond its positions: symbols (e.g. COMP) or addresses."),
    ],
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
    """Absorb claimed rewards or airdrops into positions (ClaimExtension.absorb, one call per token): units per
    set before and after, simulated in the next block first. Issuance then requires each token."""
    from indexops.render.rewards import absorb_table, absorbed_lines
    from indexops.workflows.productive_values import units_at
    from indexops.workflows.rewards import prepare_absorb

    choices = Choices(account, keystore, dry_run, yes, journal, max_gas_price, max_gas_wait, receipt_timeout,
                      network, rpc_url, config, json_output)  # fmt: skip
    session = open_session(product, choices)

    def after(prepared, block: int):
        units = units_at(session.connection, prepared.state.set_token, [a.token for a in prepared.absorbs], block)
        return {"units": units}, absorbed_lines(prepared, units)

    perform(
        session,
        "rewards-absorb",
        lambda s: prepare_absorb(s.connection, s.target, tokens, s.caller),
        absorb_table,
        lambda prepared: f"Absorb {len(prepared.steps)} token(s) as positions?",
        after,
    )
