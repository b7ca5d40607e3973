"""One product's transactions: simulate, sign, journal before broadcast, broadcast, follow to a receipt,
replace a stuck one at the same nonce (`gas_policy.bump`), and on start reconcile what a crash left in flight.

Each action is one journal run keyed by a hash of (product, chain genesis, action, exchange, the block it
was decided at), with one step (index 0) whose attempts are the original and its replacements. A run left
with an attempt in flight (a restart after a crash) is found by product, chain and sender and followed:
mined, rebroadcast byte for byte if the node has never seen it, or replaced by another transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak, to_checksum_address, to_hex

from indexops.chain.abis import contract
from indexops.chain.connection import Connection
from indexops.chain.keeper_inputs import read_gas_quote
from indexops.chain.leverage_reader import STRATEGY_ABI
from indexops.execution import chain_ops
from indexops.execution.faults import FaultPoints
from indexops.execution.journal import Journal
from indexops.execution.journal.lock import PlanLock
from indexops.execution.journal.model import Attempt, JournalStep
from indexops.interrupts import uninterrupted
from indexops.keeper.decide import Decision, Product, decide
from indexops.keeper.log import Line, gwei
from indexops.leverage.gas_policy import GasChoice, GasFees, bump
from indexops.signing.signer import Signer

STEP = 0
GAS_MARGIN = 1.25
RUN_PATH = "indexops-keeper-run"  # a keeper run's "plan file" in the journal: how a restart tells its runs
SELECTORS = {  # the strategy's keeper calls, by their 4-byte selector: a restarted run's action and cap
    keccak(text=f"{name}(string)")[:4]: name for name in ("rebalance", "iterateRebalance", "ripcord")
}


def run_hash(product: str, genesis: str, action: str, exchange: str, block: int) -> str:
    return to_hex(keccak(text=f"indexops keeper|{product}|{genesis.lower()}|{action}|{exchange}|{block}"))


@dataclass
class Flight:
    """A journaled transaction not yet mined: its run, the most its fees may reach, the block it was last sent."""

    run_hash: str
    action: str
    cap: int
    sent_block: int
    lock: PlanLock
    waiting_said: bool = False
    refusal_said: bool = False


@dataclass(frozen=True)
class Chain:
    connection: Connection
    chain_id: int
    genesis: str
    network: str

    @property
    def w3(self):
        return self.connection.w3


class ProductSender:
    def __init__(
        self,
        product: Product,
        chain: Chain,
        journal: Journal,
        signer: Signer,
        log: Callable[[Line], None],
        faults: FaultPoints | None = None,
    ):
        self.product, self.chain, self.journal, self.signer, self.log = product, chain, journal, signer, log
        self.faults = faults or FaultPoints()
        self.flight: Flight | None = None
        self.on_receipt: Callable[[str, str, Any], None] | None = None  # (product, action, receipt), once mined

    @property
    def w3(self):
        return self.chain.w3

    # ---- a restart -------------------------------------------------------------------------

    def adopt_in_flight(self, block: int) -> None:
        """Take over the run an earlier process left in flight for this product on this chain, if any."""
        for run in self.journal.runs():
            if run.plan_path.name != RUN_PATH or run.product != self.product.key:
                continue  # an `execute` plan's run (a lever plan's iterateRebalance) is not the keeper's to follow
            if (run.chain_genesis or "").lower() != self.chain.genesis.lower():
                continue
            for step in run.steps:
                pending = [a for a in step.in_flight if a.sender.lower() == self.signer.address.lower()]
                if not pending:
                    continue
                action = _action_of(pending[-1].raw_tx)
                lock = self.journal.acquire(run.plan_hash)
                cap = self._restart_cap(action, pending[-1].max_fee_per_gas)
                self.flight = Flight(run.plan_hash, action, cap, block, lock)
                self.log(
                    Line(
                        "reconciling",
                        self.product.key,
                        block,
                        action=action,
                        tx_hash=pending[-1].tx_hash,
                        nonce=pending[-1].nonce,
                        attempt=pending[-1].number,
                        detail="journaled by an earlier run and not known to be mined: following it, not sending again",
                    )
                )
                return

    def _restart_cap(self, action: str, offered: int) -> int:
        """The cap bumps stay under after a restart: the one the same decision has now (the state it was made
        from is still there while it is in flight), else what was offered already (no bump above it)."""
        try:
            now = decide(self.product, self.chain.connection, self.signer.address)
        except Exception:  # noqa: BLE001 - without a decision, no fee above what was offered
            return offered
        return now.gas.cap if now.verdict.action.value == action and now.gas.cap > 0 else offered

    # ---- a new decision --------------------------------------------------------------------

    def send(self, decision: Decision) -> str:
        """Simulate, sign, journal, broadcast the decided call; its hash. ValueError(reason) when the simulation
        reverts (nothing signed). A broadcast the node refuses is said once; `follow` tries the same bytes again."""
        verdict, gas = decision.verdict, decision.gas
        assert gas.choice is GasChoice.SEND and gas.fees is not None and verdict.exchange is not None
        action, exchange = verdict.action.value, verdict.exchange
        sender, to = self.signer.address, self.product.extension
        data = contract(self.w3, STRATEGY_ABI, to).encode_abi(action, [exchange])
        chain_ops.simulate(self.w3, sender, to, data)  # ValueError(reason) when it would revert
        limit = int(chain_ops.estimate_gas(self.w3, sender, to, data) * GAS_MARGIN)
        nonce = chain_ops.pending_nonce(self.w3, sender)
        fees = gas.fees
        raw = self._sign(nonce, to, data, limit, fees)
        tx_hash = to_hex(keccak(raw))
        key = run_hash(self.product.key, self.chain.genesis, action, exchange, decision.block)
        lock = self.journal.acquire(key)
        try:
            with uninterrupted():
                self.journal.begin_run(
                    key,
                    self.product.key,
                    self.chain.network,
                    self.chain.chain_id,
                    RUN_PATH,
                    chain_genesis=self.chain.genesis,
                )
                self.journal.record_signed(key, STEP, sender, nonce, tx_hash, raw, fees.max_fee_per_gas, limit)
        except BaseException:
            lock.release()
            raise
        flight = self.flight = Flight(key, action, gas.cap, decision.block, lock)
        self.faults.reach("signed")
        try:
            chain_ops.broadcast(self.w3, raw)
        except Exception as error:  # noqa: BLE001 - journaled: `follow` sends the same bytes again, or replaces it
            self._say_refused(flight, decision.block, tx_hash, nonce, 1, error)
            return tx_hash
        self.faults.reach("sent")
        with uninterrupted():
            self.journal.record_sent(key, STEP, tx_hash=tx_hash)
        return tx_hash

    def _sign(self, nonce: int, to: str, data: str, limit: int, fees: GasFees) -> bytes:
        return self.signer.sign_transaction(
            {
                "type": 2,
                "chainId": self.chain.chain_id,
                "nonce": nonce,
                "to": to,
                "data": data,
                "value": 0,
                "gas": limit,
                "maxFeePerGas": fees.max_fee_per_gas,
                "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
            }
        )

    # ---- following -------------------------------------------------------------------------

    def follow(self, block: int) -> None:
        """Mined? Record it and let the product decide again. Unknown to the node? Send the same bytes again.
        Stuck for `bump_after_blocks`? Replace it at the same nonce with higher fees, under the cap."""
        flight = self.flight
        assert flight is not None
        step = self.journal.step(flight.run_hash, STEP)
        pending = step.in_flight
        for attempt in pending:
            receipt = chain_ops.receipt_or_none(self.w3, attempt.tx_hash)
            if receipt is not None:
                self._mined(flight, block, receipt)
                return
        if not pending:  # settled elsewhere: nothing left to follow
            self._land(flight)
            return
        latest = pending[-1]
        if block - flight.sent_block >= self.product.policy.bump_after_blocks:
            self._bump(flight, step, block)  # stuck, or gone from a pool whose base fee rose past it
            return
        if chain_ops.is_known(self.w3, latest.tx_hash):
            return
        if chain_ops.mined_nonce(self.w3, latest.sender) > latest.nonce:
            with uninterrupted():
                self.journal.record_replaced(flight.run_hash, STEP, tx_hash=latest.tx_hash)
            detail = "its nonce was used by a transaction this keeper did not journal"
            self.log(
                Line(
                    "error",
                    self.product.key,
                    block,
                    action=flight.action,
                    tx_hash=latest.tx_hash,
                    nonce=latest.nonce,
                    detail=detail,
                )
            )
            self._land(flight)
            return
        self._rebroadcast(flight, latest, block)

    def _rebroadcast(self, flight: Flight, latest: Attempt, block: int) -> None:
        """The node no longer has the journaled transaction (a restart, a pool that dropped it): the same bytes
        again. A refusal (its fee now below the base fee) is said once; the replacement or the next try sends."""
        try:
            chain_ops.broadcast(self.w3, latest.raw_tx)
        except Exception as error:  # noqa: BLE001 - the node's answer is shown, the flight goes on
            self._say_refused(flight, block, latest.tx_hash, latest.nonce, latest.number, error)
            return
        flight.refusal_said = False
        with uninterrupted():
            self.journal.record_sent(flight.run_hash, STEP, tx_hash=latest.tx_hash)
        self.log(
            Line(
                "rebroadcast",
                self.product.key,
                block,
                action=flight.action,
                tx_hash=latest.tx_hash,
                nonce=latest.nonce,
                attempt=latest.number,
                detail="the node did not have it: the same signed bytes",
            )
        )

    def _say_refused(self, flight: Flight, block: int, tx_hash: str, nonce: int, number: int, error: Exception) -> None:
        if flight.refusal_said:
            return
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        self.log(
            Line(
                "waiting",
                self.product.key,
                block,
                action=flight.action,
                tx_hash=tx_hash,
                nonce=nonce,
                attempt=number,
                detail=f"journaled, but the node refuses it ({text[:200]}): tries again",
            )
        )
        flight.refusal_said = True

    def _bump(self, flight: Flight, step: JournalStep, block: int) -> None:
        latest = step.in_flight[-1]
        fields = _fields(latest.raw_tx)
        previous = GasFees(fields["maxFeePerGas"], fields["maxPriorityFeePerGas"])
        policy = self.product.policy
        number = len(step.attempts)  # the bump's number: attempts so far, the first one not a bump
        quote = read_gas_quote(self.chain.connection)
        fees = bump(previous, flight.cap, number, policy.max_bumps, base_fee=quote.base_fee)
        if fees is None:
            if not flight.waiting_said:
                spent = number > policy.max_bumps
                why = f"max_bumps ({policy.max_bumps}) spent" if spent else "the cap leaves no room for a replacement"
                self.log(
                    Line(
                        "waiting",
                        self.product.key,
                        block,
                        action=flight.action,
                        tx_hash=latest.tx_hash,
                        nonce=latest.nonce,
                        attempt=latest.number,
                        max_fee_gwei=gwei(previous.max_fee_per_gas),
                        detail=f"not mined after {block - flight.sent_block} blocks; {why}: keeps waiting for it",
                    )
                )
                flight.waiting_said = True
            if (
                not chain_ops.is_known(self.w3, latest.tx_hash)
                and chain_ops.mined_nonce(self.w3, latest.sender) <= latest.nonce
            ):
                chain_ops.broadcast(self.w3, latest.raw_tx)
            return
        raw = self._sign(latest.nonce, fields["to"], fields["data"], fields["gas"], fees)
        tx_hash = to_hex(keccak(raw))
        with uninterrupted():
            self.journal.record_signed(
                flight.run_hash, STEP, latest.sender, latest.nonce, tx_hash, raw, fees.max_fee_per_gas, fields["gas"]
            )
        flight.sent_block = block  # the next bump counts from this one, broadcast or not
        flight.refusal_said = False
        try:
            chain_ops.broadcast(self.w3, raw)
        except Exception as error:  # noqa: BLE001 - journaled: tried again, or replaced in turn
            self._say_refused(flight, block, tx_hash, latest.nonce, number + 1, error)
            return
        with uninterrupted():
            self.journal.record_sent(flight.run_hash, STEP, tx_hash=tx_hash)
        flight.sent_block = block
        self.log(
            Line(
                "bumped",
                self.product.key,
                block,
                action=flight.action,
                tx_hash=tx_hash,
                nonce=latest.nonce,
                attempt=number + 1,
                max_fee_gwei=gwei(fees.max_fee_per_gas),
                priority_fee_gwei=gwei(fees.max_priority_fee_per_gas),
                detail=f"replaces {latest.tx_hash}, not mined after {self.product.policy.bump_after_blocks} blocks",
            )
        )

    def _mined(self, flight: Flight, block: int, receipt) -> None:
        tx_hash = to_hex(receipt["transactionHash"])
        with uninterrupted():
            self.journal.record_mined(
                flight.run_hash,
                STEP,
                receipt["blockNumber"],
                receipt["gasUsed"],
                receipt["status"],
                {"keeper": flight.action},
                tx_hash=tx_hash,
                effective_gas_price=receipt.get("effectiveGasPrice"),
            )
        ok = receipt["status"] == 1
        if self.on_receipt is not None:
            self.on_receipt(self.product.key, flight.action, receipt)
        self.log(
            Line(
                "mined" if ok else "error",
                self.product.key,
                int(receipt["blockNumber"]),
                action=flight.action,
                tx_hash=tx_hash,
                detail=f"gas used {receipt['gasUsed']:,}" if ok else "reverted on chain",
            )
        )
        self._land(flight)

    def _land(self, flight: Flight) -> None:
        flight.lock.release()
        self.flight = None

    def release(self) -> None:
        if self.flight is not None:
            self.flight.lock.release()


def _fields(raw: bytes) -> dict:
    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    data = fields.get("data", b"")
    return {
        "to": to_checksum_address(fields["to"] if isinstance(fields["to"], str) else to_hex(fields["to"])),
        "data": data if isinstance(data, str) else to_hex(data),
        "gas": int(fields["gas"]),
        "maxFeePerGas": int(fields["maxFeePerGas"]),
        "maxPriorityFeePerGas": int(fields["maxPriorityFeePerGas"]),
    }


def _action_of(raw: bytes) -> str:
    data = _fields(raw)["data"]
    return SELECTORS.get(bytes.fromhex(data[2:10]), "call")
