"""The `indexops` command: registers the command groups and maps errors to exit codes in one place."""

from __future__ import annotations

import sys
import traceback

import typer

from indexops import __version__, interrupts
from indexops.cli import (
    claim_comp,
    execute,
    fees,
    keeper,
    lever,
    plan,
    products,
    report,
    rewards,
    safe,
    sandbox,
    status,
    wrap,
)
from indexops.cli.command_line import shown_command
from indexops.errors import IndexopsError

app = typer.Typer(
    name="indexops",
    help="Operate Set Protocol V2 index and leverage products: status, plans, execution, Safe exports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(products.app, name="products")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(safe.app, name="safe")
app.add_typer(lever.app, name="lever")
app.add_typer(keeper.app, name="keeper")
app.add_typer(rewards.app, name="rewards")
app.add_typer(fees.app, name="fees")
app.add_typer(report.app, name="report")
app.command("status")(status.status)
app.command("plan")(plan.plan)
app.command("show")(plan.show)
app.command("execute")(execute.execute)
app.command("claim-comp")(claim_comp.claim_comp)
app.command("wrap")(wrap.wrap)
app.command("unwrap")(wrap.unwrap)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"indexops {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """indexops: operate Set Protocol V2 index and leverage products."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every IndexopsError becomes its message on stderr and its exit code, no traceback.

    With --debug the traceback comes first; the message and the exit code stay the same. SIGINT and
    SIGTERM stop any command with one line saying where it stopped and how to resume, and exit 130 / 143.
    """
    arguments = sys.argv[1:] if argv is None else argv
    with interrupts.handled():
        return _run(arguments, debug="--debug" in arguments)


def _run(arguments: list[str], debug: bool) -> int:
    try:
        # Typer answers a KeyboardInterrupt or a `typer.Exit(n)` with the exit code, not an exception
        code = app(args=arguments, prog_name="indexops", standalone_mode=False)
    except interrupts.Interrupted as interruption:
        _print_error(_interrupted(interruption, arguments), debug)
        return interruption.exit_code
    except IndexopsError as error:
        _print_error(str(error), debug)
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except typer.TyperException as error:  # usage errors: unknown option, missing argument
        if not hasattr(error, "show"):  # typer raises only its click exceptions, which show themselves
            raise
        error.show()
        return getattr(error, "exit_code", 2)
    except typer.Abort:
        _print_error("aborted")
        return 130
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 130
    except Exception as error:  # a library failed in a way no check above anticipated: still one line
        first_line = _without_urls(str(error).splitlines()[0] if str(error) else "")
        hint = "" if debug else " (run again with --debug for the traceback)"
        _print_error(f"unexpected {type(error).__name__}: {first_line}{hint}", debug)
        return 1
    return code if isinstance(code, int) else 0


def _interrupted(interruption: interrupts.Interrupted, arguments: list[str]) -> str:
    command = shown_command(arguments)
    if interruption.stopped_at:
        return f"interrupted by {interruption.signal_name} at {interruption.stopped_at}; resume with: {command}"
    return f"interrupted by {interruption.signal_name}; to run it again: {command}"


def _without_urls(text: str) -> str:
    """Node URLs may carry API keys in their path or query: keep only scheme, host and port."""
    from indexops.chain.connection import without_urls

    return without_urls(text)[:200]


def _print_error(message: str, debug: bool = False) -> None:
    if debug:
        traceback.print_exc()
    for line in message.splitlines() or [message]:
        sys.stderr.write(f"error: {line}\n")


def run() -> None:
    sys.exit(main())
