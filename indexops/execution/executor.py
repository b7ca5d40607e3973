"""Execute a plan's steps exactly once each: simulate, sign, journal, send, wait, record.

The journal entry for a transaction is written before the transaction is broadcast, and on
start every step left in flight is reconciled by its hash and nonce before anything new is
signed, so a crash or a lost connection at any point never sends a step twice.

RPC calls go through one retry policy (`rpc_retry`): reads (simulation, estimates, fees, nonces,
receipt polls) are asked again by the connection's provider; a broadcast whose answer was lost is
looked up by hash and, if the node does not have it, the very same journaled bytes are sent again:
a lost answer never leads to a newly signed transaction. When the RPC stays unreachable past the
policy's deadline the run stops with `RpcLost`, the journal as it was: the next run reconciles.

Steps a Safe sends (`safe_steps`) are never signed here: when the executor reaches one, it checks
on chain that the Safe's transaction had its effect and journals the step as `external`; if the
effect is not there it stops before sending anything for that step or any later one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from eth_utils import keccak, to_hex

from indexops import interrupts
from indexops.chain import rpc_retry
from indexops.chain.connection import display_url
from indexops.errors import ChainError, IndexopsError
from indexops.execution import chain_ops, position
from indexops.execution.faults import FaultPoints
from indexops.execution.fees import Fees, GasPriceAboveCap, fees_under_cap
from indexops.execution.fills import fills_in
from indexops.interrupts import Interrupted, uninterrupted
from indexops.routes.delegated import failed_trades
from indexops.signing.signer import Signer
from indexops.units import duration

FIRST_RECEIPT_POLLS = (0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


class StepReverted(ChainError):
    def __init__(self, index: int, description: str, tx_hash: str):
        super().__init__(f"step {index} ({description}) reverted on chain in {tx_hash}; later steps were not sent")


class TradesFailedInBatch(ChainError):
    def __init__(self, index: int, failures: list):
        detail = "; ".join(f"trade {f.index}: {f.reason}" for f in failures)
        super().__init__(
            f"step {index}: {len(failures)} trade(s) failed inside the batch ({detail}); the rest executed. "
            "Re-plan to trade what remains"
        )


class NonceTakenElsewhere(ChainError):
    def __init__(self, index: int, nonce: int, sender: str):
        super().__init__(
            f"step {index}: nonce {nonce} of {sender} was used by another transaction while this step was in flight; "
            "check that account's history and re-plan"
        )


class RpcLost(ChainError):
    def __init__(self, url: str, index: int, in_flight: bool):
        if in_flight:
            what = f"while step {index} was in flight: it is journaled; run the same command again to reconcile it"
        else:
            what = f"before step {index} was sent: nothing is in flight; run the same command again to continue"
        super().__init__(f"lost the RPC at {display_url(url)} {what}")


class ReceiptTimeout(ChainError):
    def __init__(self, index: int, tx_hash: str, seconds: int):
        super().__init__(
            f"step {index}: no receipt for {tx_hash} after {duration(seconds)}; it is journaled: "
            "run the same command again to reconcile it (it will not be sent twice)"
        )


@dataclass(frozen=True)
class ExecutionSettings:
    gas_cap_wei: int | None = None
    max_gas_wait_seconds: int = 600
    poll_seconds: float = 5.0
    receipt_timeout_seconds: int = 180
    gas_margin: float = 1.25
    warp: bool = False  # sandbox only: move the clock instead of waiting out cool-offs
    on_warp: Callable[[], None] | None = None  # what the market does while the clock moves (sandbox arbitrage)


class Executor:
    def __init__(
        self,
        w3,
        plan,
        journal,
        signers: Mapping[str, Signer],
        settings: ExecutionSettings,
        report: Callable[..., None] = lambda kind, **fields: None,
        sleep=interrupts.sleep,
        faults: FaultPoints | None = None,
        cool_off_ready: Callable | None = None,
        safe_steps=None,
    ):
        self.w3, self.plan, self.journal, self.signers = w3, plan, journal, signers
        self.safe_steps = safe_steps  # `external.SafeSteps`: the steps the product's Safe sends
        self.settings, self.report, self.sleep = settings, report, sleep
        self.faults = faults or FaultPoints()
        self.cool_off_ready = cool_off_ready or (lambda step: 0)
        self.hash = plan.content_hash
        self.position = position.Position(total=len(plan.steps))

    def run(self) -> None:
        """Every step not done yet, in order. Journal writes finish before a SIGINT or SIGTERM takes effect;
        an interruption says where the run stopped."""
        try:
            self.reconcile()
            while (index := self.journal.next_step(self.hash, len(self.plan.steps))) is not None:
                step = self.plan.steps[index]
                if self.safe_steps is not None and self.safe_steps.sends(step):
                    self.record_external(step)
                else:
                    self.execute(step)
        except Interrupted as interruption:
            interruption.stopped_at = self.position.describe()
            raise
        self.report("done", steps=len(self.plan.steps))

    def record_external(self, step) -> None:
        """A Safe's step: journal it as done outside this executor once its effect is on chain."""
        self.position.enter(step.index, position.CHECKING_SAFE)
        tx_hash, detail = self._rpc(step, self.safe_steps.confirm, self.w3, self.plan, step)
        with uninterrupted():
            self.journal.record_external(self.hash, step.index, detail, tx_hash=tx_hash)
        self.report(
            "external", step=step.index, tx_hash=tx_hash, description=step.description, safe=self.safe_steps.safe
        )

    def reconcile(self) -> None:
        """Settle every step left in flight by an earlier run before anything new is signed."""
        for journaled in self.journal.pending(self.hash):
            step = self.plan.steps[journaled.index]
            self.position.enter(step.index, position.RECONCILING, journaled=True)
            attempts = journaled.in_flight
            for attempt in attempts:
                receipt = self._rpc(step, chain_ops.receipt_or_none, self.w3, attempt.tx_hash, in_flight=True)
                if receipt is not None:
                    self.report("reconciled", step=step.index, tx_hash=attempt.tx_hash, how="mined")
                    self._record(step, receipt)
                    break
            else:
                latest = attempts[-1]
                if not self._rpc(step, chain_ops.is_known, self.w3, latest.tx_hash, in_flight=True):
                    if self._rpc(step, chain_ops.mined_nonce, self.w3, latest.sender, in_flight=True) > latest.nonce:
                        with uninterrupted():
                            self.journal.record_replaced(self.hash, step.index, tx_hash=latest.tx_hash)
                        raise NonceTakenElsewhere(step.index, latest.nonce, latest.sender)
                    self._broadcast(step, latest.raw_tx, latest.tx_hash)  # the very same signed transaction
                    self.report("reconciled", step=step.index, tx_hash=latest.tx_hash, how="rebroadcast")
                with uninterrupted():
                    self.journal.record_sent(self.hash, step.index, tx_hash=latest.tx_hash)
                self._record(step, self._wait_for_receipt(step, latest.tx_hash))

    def execute(self, step) -> None:
        signer = self.signers[step.signer_role]
        self.position.enter(step.index, position.CHECKING_COOL_OFF)
        self._honour_cool_off(step)
        self.position.doing = position.SIMULATING
        try:
            self._rpc(step, chain_ops.simulate, self.w3, signer.address, step.to, step.data, step.value)
        except ValueError as reason:
            raise chain_ops.StepWouldRevert(step.index, step.description, str(reason)) from None
        gas = self._gas_limit(step, signer.address)
        fees = self._fees_under_cap(step)
        self.position.doing = position.SENDING
        nonce = self._rpc(step, chain_ops.pending_nonce, self.w3, signer.address)
        raw = signer.sign_transaction(
            {
                "type": 2,
                "chainId": self.plan.chain_id,
                "nonce": nonce,
                "to": step.to,
                "data": step.data,
                "value": step.value,
                "gas": gas,
                **fees.as_tx_fields(),
            }
        )
        tx_hash = to_hex(keccak(raw))
        with uninterrupted():
            self.journal.record_signed(
                self.hash, step.index, signer.address, nonce, tx_hash, raw, fees.max_fee_per_gas, gas
            )
            self.position.journaled = True
        self.faults.reach("signed")
        self._broadcast(step, raw, tx_hash)
        self.faults.reach("sent")
        with uninterrupted():
            self.journal.record_sent(self.hash, step.index, tx_hash=tx_hash)
        self.report(
            "sent",
            step=step.index,
            tx_hash=tx_hash,
            description=step.description,
            nonce=nonce,
            gas=gas,
            max_fee_gwei=fees.max_fee_per_gas / 1e9,
        )
        self.faults.reach("recorded_sent")
        receipt = self._wait_for_receipt(step, tx_hash)
        self.faults.reach("mined")
        self._record(step, receipt)
        self.faults.reach("recorded_mined")

    def _record(self, step, receipt) -> None:
        fills = [f.as_json() for f in fills_in(receipt["logs"])]
        failures = (
            failed_trades(receipt["logs"], step.to, self.plan.set_token)
            if step.function.startswith("batchTrade(")
            else []
        )
        mined_at = self._rpc(step, chain_ops.block_timestamp, self.w3, receipt["blockNumber"], in_flight=True)
        with uninterrupted():
            self.journal.record_mined(
                self.hash,
                step.index,
                receipt["blockNumber"],
                receipt["gasUsed"],
                receipt["status"],
                {
                    "fills": fills,
                    "failed_trades": [{"index": f.index, "reason": f.reason} for f in failures],
                    "block_timestamp": mined_at,
                },
                tx_hash=to_hex(receipt["transactionHash"]),
                effective_gas_price=receipt.get("effectiveGasPrice"),
            )
        tx_hash = to_hex(receipt["transactionHash"])
        if receipt["status"] != 1:
            raise StepReverted(step.index, step.description, tx_hash)
        self.report(
            "mined",
            step=step.index,
            tx_hash=tx_hash,
            block=receipt["blockNumber"],
            gas_used=receipt["gasUsed"],
            fills=fills,
            expected=dict(step.expected),
        )
        if failures:
            self.report("batch_failures", step=step.index, failures=[(f.index, f.reason) for f in failures])
            raise TradesFailedInBatch(step.index, failures)

    def _honour_cool_off(self, step) -> None:
        wait = self._rpc(step, self.cool_off_ready, step)
        if wait <= 0:
            return
        if self.settings.warp:
            self.position.doing = position.WARPING
            if self.settings.on_warp is not None:
                self.settings.on_warp()
            self._rpc(step, chain_ops.warp, self.w3, wait)  # a lost answer may warp twice: only more time passes
            self.report("warped", step=step.index, seconds=wait)
            return
        self.position.doing = position.WAITING_FOR_COOL_OFF
        self.report("cool_off", step=step.index, seconds=wait)
        while wait > 0:
            self.faults.reach("cool_off")
            self.sleep(min(wait, self.settings.poll_seconds))
            wait = self._rpc(step, self.cool_off_ready, step)

    def _gas_limit(self, step, sender: str) -> int:
        try:
            estimate = self._rpc(step, chain_ops.estimate_gas, self.w3, sender, step.to, step.data, step.value)
        except IndexopsError:
            raise
        except Exception as error:  # estimation reverts the way the call does
            raise chain_ops.StepWouldRevert(step.index, step.description, chain_ops.revert_reason(error)) from None
        margin = int(estimate * self.settings.gas_margin)
        # a batch is sent with its planned budget: a starved trade fails inside try/catch without reverting
        return max(margin, step.gas_estimate) if step.function.startswith("batchTrade(") else margin

    def _fees_under_cap(self, step) -> Fees:
        waited: float = 0
        while True:
            base = self._rpc(step, chain_ops.base_fee, self.w3)
            cap = self.settings.gas_cap_wei
            fees = fees_under_cap(base, cap)
            if fees is not None:
                return fees
            if cap is None:
                raise RuntimeError("fees_under_cap found no fees without a gas cap")  # it always does
            if waited >= self.settings.max_gas_wait_seconds:
                raise GasPriceAboveCap(base, cap, waited)
            remaining = self.settings.max_gas_wait_seconds - waited
            self.position.doing = position.WAITING_FOR_GAS
            self.report("gas_wait", base_fee_gwei=base / 1e9, cap_gwei=cap / 1e9, remaining=remaining)
            pause = min(self.settings.poll_seconds, remaining)  # never wait longer than --max-gas-wait
            self.sleep(pause)
            waited += pause

    def _wait_for_receipt(self, step, tx_hash: str):
        self.position.doing = position.WAITING_FOR_RECEIPT
        deadline = time.monotonic() + self.settings.receipt_timeout_seconds
        polls = 0
        while time.monotonic() < deadline:
            try:
                receipt = self._rpc(step, chain_ops.receipt_or_none, self.w3, tx_hash, in_flight=True)
            except IndexopsError:
                raise
            except Exception:  # an answer that is not a receipt (a node still indexing): ask until the deadline
                receipt = None
            if receipt is not None:
                return receipt
            # most receipts arrive within a block: ask again soon, then back off to the poll interval
            self.sleep(min(FIRST_RECEIPT_POLLS[min(polls, len(FIRST_RECEIPT_POLLS) - 1)], self.settings.poll_seconds))
            polls += 1
        raise ReceiptTimeout(step.index, tx_hash, self.settings.receipt_timeout_seconds)

    def _broadcast(self, step, raw: bytes, tx_hash: str) -> None:
        """Send the journaled transaction. If the answer is lost the node may have it (or have mined it)
        already: look it up by hash before sending the same bytes again; never sign a new one."""
        try:
            chain_ops.broadcast(self.w3, raw)
        except Exception as error:
            if not rpc_retry.is_transient(error):
                raise
            self._rpc(step, self._send_unless_known, raw, tx_hash, in_flight=True)

    def _send_unless_known(self, raw: bytes, tx_hash: str) -> None:
        if not chain_ops.is_known(self.w3, tx_hash):
            chain_ops.broadcast(self.w3, raw)

    def _rpc(self, step, operation: Callable, *args, in_flight: bool = False):
        """`operation(*args)` under the retry policy; an RPC lost for good stops the run with one line."""
        try:
            return rpc_retry.call(lambda: operation(*args), sleep=self.sleep)
        except rpc_retry.RpcUnreachable:
            raise RpcLost(str(getattr(self.w3.provider, "endpoint_uri", "")), step.index, in_flight) from None
