"""A SetToken's COMP claim through Set's ClaimModule, read and simulated on chain.

`read_claim_setup` reads at one block, in one round trip, what the claim and an absorb depend on:
ClaimModule's `anyoneClaim` (else only the SetToken's manager may claim), whether the Comptroller is a
reward pool with the CompClaimAdapter, the COMP the SetToken holds and whether it is a position, and
AirdropModule's settings (COMP on its list, `anyoneAbsorb`, else only the manager may absorb).

`simulate_claim` is the claim itself, not the stored `compAccrued` (usually 0 until a claim): one
`eth_simulateV1` block whose number is overridden to the one after the latest (COMP accrues per block, so
the simulated claim is the one mined next), holding three calls: the SetToken's COMP balance, the
claim from the caller, the balance again. The difference is what the claim sends, to the wei. An answer
that is not what the method's spec says is a `GarbageAnswer`, one line naming the RPC.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection, display_url
from indexops.errors import ChainError, UsageError

CLAIM_ADAPTER = "CompClaimAdapter"  # the ClaimModule integration name, as on mainnet
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
METHOD_NOT_FOUND = -32601


@dataclass(frozen=True)
class ClaimSetup:
    """The claim's and the absorb's permissions and the SetToken's COMP, at one block."""

    block_number: int
    manager: str  # SetToken.manager(): the only caller when anyoneClaim / anyoneAbsorb is false
    claim_initialized: bool
    anyone_claim: bool
    comptroller_is_reward_pool: bool
    comp_claim_added: bool  # isRewardPoolClaim(set, comptroller, "CompClaimAdapter")
    comp_held: int
    comp_is_position: bool  # COMP is one of SetToken.getComponents()
    airdrop_initialized: bool | None  # None: the product has no AirdropModule configured
    comp_is_airdrop: bool
    anyone_absorb: bool


@dataclass(frozen=True)
class SimulatedClaim:
    block_number: int  # the block the claim was simulated in: the one after the latest
    held_before: int
    held_after: int
    gas_used: int

    @property
    def claimed(self) -> int:
        return self.held_after - self.held_before


class ClaimWouldRevert(UsageError):
    def __init__(self, product: str, caller: str, reason: str):
        super().__init__(f"{product}: ClaimModule.claim from {caller} would revert: {reason}; nothing was sent")


def read_claim_setup(
    connection: Connection,
    *,
    block_number: int,
    set_token: str,
    claim_module: str,
    airdrop_module: str | None,
    comptroller: str,
    comp: str,
) -> ClaimSetup:
    w3 = connection.w3
    reader = BatchReader(w3, block_number)
    token, claim = contract(w3, "SetToken", set_token), contract(w3, "ClaimModule", claim_module)
    tickets = {
        "manager": reader.call(token, "manager"),
        "components": reader.call(token, "getComponents"),
        "claim_initialized": reader.call(token, "isInitializedModule", claim_module),
        "anyone_claim": reader.call(claim, "anyoneClaim", set_token),
        "reward_pool": reader.call(claim, "isRewardPool", set_token, comptroller),
        "comp_claim": reader.call(claim, "isRewardPoolClaim", set_token, comptroller, CLAIM_ADAPTER),
        "comp_held": reader.call(contract(w3, "ERC20", comp), "balanceOf", set_token),
    }
    if airdrop_module is not None:
        airdrop = contract(w3, "AirdropModule", airdrop_module)
        tickets["airdrop_initialized"] = reader.call(token, "isInitializedModule", airdrop_module)
        tickets["comp_is_airdrop"] = reader.call(airdrop, "isAirdropToken", set_token, comp)
        tickets["airdrop_settings"] = reader.call(airdrop, "airdropSettings", set_token)
    got = reader.run()

    def value(key: str):
        answer = got[tickets[key]]
        if isinstance(answer, CallFailed):
            if answer.garbage:
                raise GarbageAnswer(connection, f"the claim set-up read ({key})", answer.reason)
            raise ChainError(f"reading the claim set-up ({key}) failed: {answer.reason}")
        return answer

    has_airdrop = airdrop_module is not None
    return ClaimSetup(
        block_number=block_number,
        manager=value("manager"),
        claim_initialized=bool(value("claim_initialized")),
        anyone_claim=bool(value("anyone_claim")),
        comptroller_is_reward_pool=bool(value("reward_pool")),
        comp_claim_added=bool(value("comp_claim")),
        comp_held=value("comp_held"),
        comp_is_position=comp.lower() in {address.lower() for address in value("components")},
        airdrop_initialized=bool(value("airdrop_initialized")) if has_airdrop else None,
        comp_is_airdrop=has_airdrop and bool(value("comp_is_airdrop")),
        anyone_absorb=has_airdrop and bool(value("airdrop_settings")[2]),
    )


def simulate_claim(
    connection: Connection,
    *,
    product: str,
    caller: str,
    claim_module: str,
    data: str,
    set_token: str,
    comp: str,
    latest_block: int,
) -> SimulatedClaim:
    """The claim from `caller` in the block after `latest_block`, and the SetToken's COMP before and after it."""
    balance = contract(connection.w3, "ERC20", comp).encode_abi("balanceOf", [set_token])
    read = {"from": caller, "to": comp, "data": balance}
    block = {
        "blockOverrides": {"number": hex(latest_block + 1)},
        "calls": [read, {"from": caller, "to": claim_module, "data": data}, read],
    }
    method = "eth_simulateV1"
    answer = connection.w3.provider.make_request(
        method, [{"blockStateCalls": [block], "validation": False}, hex(latest_block)]
    )
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict) and "result" not in answer:
        error = answer["error"]
        if error.get("code") == METHOD_NOT_FOUND:
            raise UsageError(
                f"the RPC at {display_url(connection.rpc_url)} does not support {method}, which simulates the claim "
                "in the next block: use a node that does (geth 1.14.9+, reth, nethermind, anvil), or --rpc-url"
            )
        raise ChainError(f"{method} failed: {shown(error.get('message', error))}")
    calls = _calls(connection, answer)
    before, claimed, after = calls
    if claimed["status"] != 1:
        raise ClaimWouldRevert(product, caller, _reason(claimed))
    if before["status"] != 1 or after["status"] != 1:
        raise ChainError(f"{method}: reading the SetToken's COMP balance failed ({comp} has no balanceOf?)")
    number = quantity(answer["result"][0].get("number"))
    if number != latest_block + 1:
        raise GarbageAnswer(connection, method, f"a block numbered {number}, not the {latest_block + 1} asked for")
    return SimulatedClaim(number, _word(connection, before), _word(connection, after), claimed["gas_used"])


def _calls(connection: Connection, answer) -> list[dict]:
    """The three calls' status, return data and gas, or a `GarbageAnswer`."""
    result = answer.get("result") if isinstance(answer, dict) else None
    blocks = result if isinstance(result, list) and len(result) == 1 and isinstance(result[0], dict) else None
    calls = blocks[0].get("calls") if blocks is not None else None
    if not isinstance(calls, list) or len(calls) != 3 or not all(isinstance(call, dict) for call in calls):
        raise GarbageAnswer(connection, "eth_simulateV1", f"no block of three calls ({shown(answer)})")
    parsed = []
    for call in calls:
        status, gas, data = quantity(call.get("status")), quantity(call.get("gasUsed")), call.get("returnData")
        if status not in (0, 1) or gas is None or not isinstance(data, str) or not _is_hex(data):
            raise GarbageAnswer(connection, "eth_simulateV1", f"a call result that is not one ({shown(call)})")
        parsed.append({"status": status, "gas_used": gas, "data": bytes.fromhex(data[2:]), "error": call.get("error")})
    return parsed


def _word(connection: Connection, call: dict) -> int:
    if len(call["data"]) != 32:
        raise GarbageAnswer(connection, "eth_simulateV1", f"a balance of {len(call['data'])} bytes")
    return int.from_bytes(call["data"], "big")


def _reason(call: dict) -> str:
    data = call["data"]
    if data[:4] == ERROR_STRING:
        try:
            return str(decode(["string"], data[4:])[0])
        except Exception:  # not a well-formed Error(string): say what the node said
            pass
    error = call["error"]
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or "reverted without a reason")[:200]


def _is_hex(text: str) -> bool:
    if not text.startswith("0x") or len(text) % 2:
        return False
    try:
        bytes.fromhex(text[2:])
    except ValueError:
        return False
    return True
