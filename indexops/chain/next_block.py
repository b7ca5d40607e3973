"""Calls simulated in the block after the latest, one after another: `eth_simulateV1`, one block whose number is
overridden to the next (interest and COMP accrue per block, so what is simulated is what a transaction mined next
does). Reads around a call show what it changes, to the wei. A node without the method says so in one line; an
answer no node gives is a `GarbageAnswer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import decode

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.connection import Connection, display_url
from indexops.errors import ChainError, UsageError

METHOD = "eth_simulateV1"
METHOD_NOT_FOUND = -32601
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)


@dataclass(frozen=True)
class Simulated:
    ok: bool
    data: bytes  # the return data, or the revert data
    gas_used: int
    message: str  # the node's error message for a failed call ("" when it succeeded)

    @property
    def reason(self) -> str:
        """Why a failed call reverted: its Error(string), else what the node said."""
        if self.data[:4] == ERROR_STRING:
            try:
                return str(decode(["string"], self.data[4:])[0])
            except Exception:  # not a well-formed Error(string): fall back to the node's words
                pass
        return (self.message or "reverted without a reason")[:200]

    def word(self) -> int:
        if len(self.data) != 32:
            raise ChainError(f"{METHOD}: a read answered {len(self.data)} bytes, not one word")
        return int.from_bytes(self.data, "big")


def simulate_next(connection: Connection, calls: Sequence[dict], latest_block: int) -> list[Simulated]:
    """Each call ({"from", "to", "data"}) in order, in the block after `latest_block`."""
    block = {"blockOverrides": {"number": hex(latest_block + 1)}, "calls": list(calls)}
    answer = connection.w3.provider.make_request(
        METHOD, [{"blockStateCalls": [block], "validation": False}, hex(latest_block)]
    )
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict) and "result" not in answer:
        error = answer["error"]
        if error.get("code") == METHOD_NOT_FOUND:
            raise UsageError(
                f"the RPC at {display_url(connection.rpc_url)} does not support {METHOD}, which simulates the call "
                "in the next block: use a node that does (geth 1.14.9+, reth, nethermind, anvil), or --rpc-url"
            )
        raise ChainError(f"{METHOD} failed: {shown(error.get('message', error))}")
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, list) or len(result) != 1 or not isinstance(result[0], dict):
        raise GarbageAnswer(connection, METHOD, f"no block ({shown(answer)})")
    if quantity(result[0].get("number")) != latest_block + 1:
        raise GarbageAnswer(connection, METHOD, f"a block numbered {shown(result[0].get('number'))}, not the next")
    answered = result[0].get("calls")
    if not isinstance(answered, list) or len(answered) != len(calls):
        raise GarbageAnswer(connection, METHOD, f"not {len(calls)} call results ({shown(answered)})")
    return [_simulated(connection, call) for call in answered]


def _simulated(connection: Connection, call) -> Simulated:
    status = quantity(call.get("status")) if isinstance(call, dict) else None
    gas = quantity(call.get("gasUsed")) if isinstance(call, dict) else None
    data = call.get("returnData") if isinstance(call, dict) else None
    if status not in (0, 1) or gas is None or not isinstance(data, str) or not data.startswith("0x"):
        raise GarbageAnswer(connection, METHOD, f"a call result that is not one ({shown(call)})")
    try:
        payload = bytes.fromhex(data[2:])
    except ValueError:
        raise GarbageAnswer(connection, METHOD, f"return data that is not hex ({shown(data)})") from None
    error = call.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return Simulated(ok=status == 1, data=payload, gas_used=gas, message=str(message or ""))


@dataclass(frozen=True)
class UnitsAround:
    """Position units per set of some tokens just before and just after calls, and the calls' results."""

    before: dict[str, int]
    after: dict[str, int]
    calls: list[Simulated]


def units_around(
    connection: Connection, set_token: str, tokens: Sequence[str], calls: Sequence[dict], latest_block: int
) -> UnitsAround:
    """`calls` in the next block between two reads of each token's default position unit."""
    bound = contract(connection.w3, "SetToken", set_token)
    reads = [
        {"from": set_token, "to": set_token, "data": bound.encode_abi("getDefaultPositionRealUnit", [token])}
        for token in tokens
    ]
    answered = simulate_next(connection, [*reads, *calls, *reads], latest_block)
    count = len(tokens)
    before, middle, after = answered[:count], answered[count : count + len(calls)], answered[count + len(calls) :]
    return UnitsAround(
        before={token: _unit(read) for token, read in zip(tokens, before, strict=True)},
        after={token: _unit(read) for token, read in zip(tokens, after, strict=True)},
        calls=middle,
    )


def _unit(read: Simulated) -> int:
    if not read.ok:
        raise ChainError(f"{METHOD}: reading a position unit failed: {read.reason}")
    return int.from_bytes(read.data[:32], "big", signed=True) if len(read.data) == 32 else read.word()
