"""Rehearse a plan on a fork: anvil forks the plan's network, the role holders are impersonated,
every step runs in order (cool-offs skipped by moving the fork's clock), and what actually happened
is compared with what the plan expected. Nothing reaches the real network.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from indexops.errors import SandboxError
from indexops.execution import chain_ops
from indexops.execution.fills import fills_in
from indexops.units import duration

FORK_START_SECONDS = 30
SENDER_BALANCE = hex(10_000 * 10**18)


@dataclass(frozen=True)
class RehearsedStep:
    index: int
    description: str
    ok: bool
    reason: str
    gas_used: int
    expected_weth: int | None
    actual_weth: int | None


@dataclass(frozen=True)
class Rehearsal:
    steps: tuple[RehearsedStep, ...]
    fork_block: int

    @property
    def failed(self) -> tuple[RehearsedStep, ...]:
        return tuple(s for s in self.steps if not s.ok)

    @property
    def gas_used(self) -> int:
        return sum(s.gas_used for s in self.steps)


class Fork:
    """An anvil process forking `rpc_url` on a free loopback port; stopped on exit."""

    def __init__(self, anvil: Path, rpc_url: str):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [str(anvil), "--fork-url", rpc_url, "--host", "127.0.0.1", "--port", str(self.port), "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Fork:
        deadline = time.monotonic() + FORK_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr  # a pipe (stderr=PIPE above)
                output = (stderr.read() if stderr is not None else b"") or b""
                detail = output.decode(errors="replace").strip().splitlines()
                raise SandboxError(f"anvil could not fork the network: {detail[-1] if detail else 'it exited'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise SandboxError(f"the fork did not start within {duration(FORK_START_SECONDS)}")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def rehearse(
    w3,
    plan,
    senders: Mapping[str, str | None],
    weth: str,
    between_rounds: Callable[[], None] | None = None,
    report: Callable[..., None] = lambda kind, **fields: None,
) -> Rehearsal:
    """Run every step on the fork `w3` from the impersonated `senders` (role -> address, None for a role nobody
    holds: a direct product has no owner or trader). A step whose role has no holder is a failed step."""
    for address in {a for a in senders.values() if a is not None}:
        w3.provider.make_request("anvil_impersonateAccount", [address])
        w3.provider.make_request("anvil_setBalance", [address, SENDER_BALANCE])
    fork_block = w3.eth.block_number
    results, previous_round = [], None
    for step in plan.steps:
        this_round = (step.chunk, step.side) if step.phase == "trade" else None
        if (
            this_round is not None
            and previous_round is not None
            and this_round != previous_round
            and (step.chunk or 1) > 1
        ):
            if between_rounds is not None:
                between_rounds()
            chain_ops.warp(w3, max(s.cool_off_after for s in plan.steps) + 1)
        previous_round = this_round
        results.append(_run_step(w3, step, senders[step.signer_role], weth))
        report(
            "rehearsed", step=step.index, ok=results[-1].ok, reason=results[-1].reason, gas_used=results[-1].gas_used
        )
    return Rehearsal(steps=tuple(results), fork_block=fork_block)


def _run_step(w3, step, sender: str | None, weth: str) -> RehearsedStep:
    expected = step.expected.get("weth_amount")
    if sender is None:
        reason = f"nobody holds the {step.signer_role} role to send it"
        return RehearsedStep(step.index, step.description, False, reason, 0, expected, None)
    try:
        chain_ops.simulate(w3, sender, step.to, step.data, step.value)
        gas = int(chain_ops.estimate_gas(w3, sender, step.to, step.data, step.value) * 1.25)
    except Exception as error:  # a revert here is the rehearsal's finding, not a crash
        return RehearsedStep(step.index, step.description, False, chain_ops.revert_reason(error), 0, expected, None)
    tx_hash = w3.eth.send_transaction(
        {"from": sender, "to": step.to, "data": step.data, "value": step.value, "gas": gas}
    )
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.01)
    actual = _weth_moved(receipt, weth)
    ok = receipt["status"] == 1
    return RehearsedStep(
        step.index, step.description, ok, "" if ok else "reverted", receipt["gasUsed"], expected, actual
    )


def _weth_moved(receipt, weth: str) -> int | None:
    """The WETH side of the step's fills: received on sells, spent on buys (what the plan calls weth_amount)."""
    amounts = [
        f.received if f.received_token == weth else f.sent
        for f in fills_in(receipt["logs"])
        if weth in (f.received_token, f.sent_token)
    ]
    return sum(amounts) if amounts else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
