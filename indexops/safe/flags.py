"""What a signer must notice in a Safe transaction, found from the decoded calls.

Flags are notices, not verdicts: a rebalance's operator calls raise none, while an approval, a
role change or a delegatecall to an unknown contract each get one line saying what it does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from indexops.safe.decoding import DecodedCall, human_amount
from indexops.safe.safetx import DELEGATECALL, SafeTx
from indexops.values import ZERO_ADDRESS

APPROVALS = frozenset({"approve", "increaseAllowance", "setApprovalForAll", "permit"})
# Calls that change who may do what: Safe owners and modules, manager roles, allowlists
ROLE_CHANGES = frozenset(
    {
        "addOwnerWithThreshold",
        "removeOwner",
        "swapOwner",
        "changeThreshold",
        "enableModule",
        "disableModule",
        "setGuard",
        "setFallbackHandler",
        "setOperator",
        "setMethodologist",
        "setManager",
        "addModule",
        "removeModule",
        "addAdapter",
        "removeAdapter",
        "setTraderStatus",
        "setAnyoneTrade",
        "updateCallerStatus",
        "updateAnyoneCallable",
        "addOperators",
        "removeOperators",
        "transferOwnership",
        "addExtensions",
        "removeExtensions",
        "addAllowedAssets",
        "removeAllowedAssets",
        "updateUseAssetAllowlist",
        "interactManager",
    }
)


@dataclass(frozen=True)
class Flag:
    kind: str  # unknown-target, delegatecall, eth-value, refund, approval, role-change, self-call, ...
    where: str  # "nonce 7" or "nonce 7, call 2"
    message: str


def safe_tx_flags(
    tx: SafeTx, target: str | None, calls: Sequence[DecodedCall], call_only: Collection[str]
) -> list[Flag]:
    """Flags of one SafeTx: its own operation, value and refund, then those of every call it makes."""
    where = f"nonce {tx.nonce}"
    flags = []
    if tx.operation == DELEGATECALL and tx.to not in call_only:
        flags.append(
            Flag(
                "delegatecall",
                where,
                (
                    f"delegatecall to {tx.to} ({target or 'unknown'}), which is not MultiSendCallOnly: "
                    "its code runs as the Safe itself, with the Safe's storage and funds"
                ),
            )
        )
    if tx.value:
        flags.append(Flag("eth-value", where, f"the SafeTx sends {human_amount(tx.value, 18)} ETH to {tx.to}"))
    if tx.gas_price or tx.gas_token != ZERO_ADDRESS or tx.refund_receiver != ZERO_ADDRESS:
        flags.append(
            Flag(
                "refund",
                where,
                (
                    f"pays a gas refund (gasPrice {tx.gas_price}, baseGas {tx.base_gas}, gasToken {tx.gas_token}) "
                    f"to {tx.refund_receiver if tx.refund_receiver != ZERO_ADDRESS else 'the executor'}"
                ),
            )
        )
    for index, call in enumerate(calls):
        flags.extend(call_flags(call, f"{where}, call {index}", tx.safe))
    return flags


def call_flags(call: DecodedCall, where: str, safe: str) -> list[Flag]:
    flags = []
    name = call.name
    if call.target is None:
        flags.append(Flag("unknown-target", where, f"{call.to} is in no address book of the products file"))
    if call.operation == DELEGATECALL:
        flags.append(Flag("delegatecall", where, f"inner delegatecall to {call.to}: MultiSendCallOnly refuses it"))
    if call.value:
        flags.append(Flag("eth-value", where, f"sends {human_amount(call.value, 18)} ETH to {call.to}"))
    if call.problem:
        flags.append(Flag("undecodable", where, f"{call.function}: {call.problem}"))
    elif call.function is None and call.selector:
        flags.append(
            Flag("unknown-function", where, f"selector {call.selector} is in no known ABI of {call.target or call.to}")
        )
    if name in APPROVALS:
        flags.append(Flag("approval", where, f"token approval: {_summary(call)}"))
    if name in ROLE_CHANGES:
        flags.append(Flag("role-change", where, f"role change: {_summary(call)}"))
    elif call.to == safe:
        flags.append(Flag("self-call", where, f"calls the Safe itself: {_summary(call)}"))
    if call.inner is not None:
        flags.extend(call_flags(call.inner, f"{where} (forwarded)", safe))
    return flags


def _summary(call: DecodedCall) -> str:
    arguments = ", ".join(f"{arg.name}={arg.display}" for arg in call.args)
    return f"{call.target or call.to}.{call.name}({arguments})"
