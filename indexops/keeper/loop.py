"""`indexops keeper run`: per new block, each product's decision, and its transaction sent, followed and
replaced until mined. One product's failure (a revert in simulation, an RPC error) is a line; the others go on.

Before anything is sent or said, each product's first decision is made as `keeper check` makes it
(`affordable(decide(...))`): bad input (a `UsageError`: a keeper the strategy does not let call, a ripcord
its cap cannot pay for, an RPC answering garbage) stops the run there with one line; the first pass uses
those decisions. From then on, bad input too is a line like any other failure.

`once`: one pass over the products at the current block, then follow what was sent until it is mined.
A paused product (`pause.is_paused`, read each block) is skipped with a line. SIGINT / SIGTERM reach here
as `Interrupted` (journal writes finish first); the caller exits with the signal's code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexops import interrupts
from indexops.errors import IndexopsError, UsageError
from indexops.interrupts import Interrupted
from indexops.keeper import pause
from indexops.keeper.decide import Decision, decide
from indexops.keeper.log import Line, gwei
from indexops.keeper.observe import Watchers
from indexops.keeper.sending import ProductSender
from indexops.leverage.gas_policy import GasChoice
from indexops.workflows.keeper_check import affordable


@dataclass(frozen=True)
class LoopSettings:
    poll_seconds: float = 2.0
    once: bool = False
    data_dir: Path | None = None


class KeeperLoop:
    def __init__(
        self,
        connection,
        senders: Sequence[ProductSender],
        settings: LoopSettings,
        log: Callable[[Line], None],
        sleep: Callable[[float], None] = interrupts.sleep,
        watchers: Watchers | None = None,
    ):
        self.connection, self.senders, self.settings, self.log, self.sleep = connection, senders, settings, log, sleep
        self.watchers = watchers if watchers is not None else Watchers()
        for sender in senders:
            if self.watchers:
                sender.on_receipt = self.watchers.receipt

    def run(self) -> None:
        try:
            self._run()
        except Interrupted as interruption:
            flying = [s.product.key for s in self.senders if s.flight is not None]
            if flying:
                interruption.stopped_at = (
                    f"a journaled transaction of {', '.join(flying)} in flight (the next run follows it, "
                    "it is not sent again)"
                )
            raise
        finally:
            for sender in self.senders:
                sender.release()

    def _run(self) -> None:
        block = self._block()
        first = self._start()
        for sender in self.senders:
            self._guarded(sender, block, sender.adopt_in_flight, block)
        self.serve_block(block, first)
        last = block
        while True:
            if self.settings.once and all(s.flight is None for s in self.senders):
                return
            self.sleep(self.settings.poll_seconds)
            block = self._block()
            for sender in self.senders:
                if sender.flight is not None:
                    self._guarded(sender, block, sender.follow, block)
            if block != last and not self.settings.once:
                self.serve_block(block)
            last = block

    def _block(self) -> int:
        number = int(self.connection.w3.eth.block_number)
        self.watchers.block(number)
        return number

    def _start(self) -> dict[str, Decision]:
        """Each product's first decision; a UsageError stops the run, any other failure is the first pass's line."""
        first = {}
        for sender in self.senders:
            if self._paused(sender):
                continue
            try:
                decision = decide(sender.product, self.connection, sender.signer.address)
            except UsageError:
                raise
            except Exception:  # noqa: BLE001 - not bad input: the first pass decides again and says why it fails
                continue
            first[sender.product.key] = affordable(sender.product.key, decision)
        return first

    def _paused(self, sender: ProductSender) -> bool:
        return self.settings.data_dir is not None and pause.is_paused(self.settings.data_dir, sender.product.key)

    def serve_block(self, block: int, decided: Mapping[str, Decision] | None = None) -> None:
        """One block's work: follow what is in flight, decide (and send) for the products that are free; a
        product's decision in `decided` is used instead of a new one."""
        for sender in self.senders:
            if sender.flight is not None:  # an earlier decision is still in flight: follow it, decide nothing new
                self._guarded(sender, block, sender.follow, block)
                continue
            if self._paused(sender):
                self.log(Line("paused", sender.product.key, block, detail="skipped: `indexops keeper resume` it"))
                continue
            self._guarded(sender, block, self._serve, sender, (decided or {}).get(sender.product.key))

    def _serve(self, sender: ProductSender, decision: Decision | None = None) -> None:
        if decision is None:
            decision = decide(sender.product, self.connection, sender.signer.address)
        if self.watchers:
            balance = int(self.connection.w3.eth.get_balance(sender.signer.address))
            self.watchers.decision(sender.product.key, decision, balance)
        verdict, gas = decision.verdict, decision.gas
        fees = gas.fees
        tx_hash = None
        error = None
        if gas.choice is GasChoice.SEND:
            try:
                tx_hash = sender.send(decision)
            except ValueError as reason:  # the simulation reverted: nothing was signed
                error = f"simulation reverts: {reason}; nothing was sent"
        self.log(
            Line(
                "decision",
                sender.product.key,
                decision.block,
                action=verdict.action.value,
                reason=verdict.reason.value,
                gas=gas.choice.value,
                why=gas.why,
                max_fee_gwei=gwei(fees.max_fee_per_gas) if fees else None,
                priority_fee_gwei=gwei(fees.max_priority_fee_per_gas) if fees else None,
                tx_hash=tx_hash,
                nonce=None,
                detail=verdict.detail,
            )
        )
        if error is not None:
            self.log(Line("error", sender.product.key, decision.block, action=verdict.action.value, detail=error))
        if tx_hash is not None and sender.flight is not None:
            sender.follow(decision.block)

    def _guarded(self, sender: ProductSender, block: int, work: Callable[..., object], *args: object) -> None:
        """One product's work; its failure is a line and the loop serves the others."""
        try:
            work(*args)
        except (IndexopsError, Exception) as error:  # noqa: BLE001 - any failure of one product stays its own
            text = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.log(Line("error", sender.product.key, block, detail=f"{type(error).__name__}: {text}"[:300]))
