"""Block-pinned reads in one JSON-RPC batch per round, however many contracts are read.

A batch is a read: the connection's provider asks it again when it is lost on the way (`provider`), so a
failure that reaches here is either the retry policy giving up (its own message) or the node's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode
from eth_utils import get_abi_output_types, to_checksum_address

from indexops.chain.answers import quantity, shown
from indexops.chain.connection import error_line
from indexops.errors import ChainError, IndexopsError


@dataclass(frozen=True)
class CallFailed:
    """A read that reverted, hit an address without code, or was answered with garbage; kept as a value so one bad
    read does not sink the batch."""

    reason: str
    garbage: bool = False  # the answer is not what JSON-RPC or the ABI says (not a revert): the node is broken


class BatchReader:
    """Queue eth_call, eth_getCode, eth_getBalance and eth_getLogs requests; send them as one batch at one block."""

    def __init__(self, w3, block_number: int):
        self.w3 = w3
        self.block = hex(block_number)
        self._requests: list[tuple[str, list]] = []
        self._decoders: list = []

    def call(self, contract, fn_name: str, *args) -> int:
        fn_abi = contract.get_function_by_name(fn_name).abi
        data = contract.encode_abi(fn_name, args=list(args))
        output_types = get_abi_output_types(fn_abi)
        self._requests.append(("eth_call", [{"to": contract.address, "data": data}, self.block]))
        self._decoders.append(lambda raw, types=output_types: _decode_output(types, raw))
        return len(self._requests) - 1

    def balance(self, address: str) -> int:
        """The ETH balance of `address` in wei."""
        self._requests.append(("eth_getBalance", [address, self.block]))
        self._decoders.append(_quantity)
        return len(self._requests) - 1

    def logs(self, address: str, topic0s: list[str], from_block: int) -> int:
        """`eth_getLogs` of `address` whose first topic is one of `topic0s`, from `from_block` to the batch's block."""
        query = {"address": address, "topics": [topic0s], "fromBlock": hex(from_block), "toBlock": self.block}
        self._requests.append(("eth_getLogs", [query]))
        self._decoders.append(_logs)
        return len(self._requests) - 1

    def code(self, address: str) -> int:
        self._requests.append(("eth_getCode", [address, self.block]))
        self._decoders.append(_data)
        return len(self._requests) - 1

    def run(self) -> list:
        """Send everything queued; returns one result (or CallFailed) per ticket, in order."""
        if not self._requests:
            return []
        try:
            responses = self.w3.provider.make_batch_request(self._requests)
        except IndexopsError:
            raise  # the RPC stayed unreachable past the retry policy's deadline
        except Exception as error:
            raise ChainError(f"batched read failed: {error_line(error)}") from None
        if not isinstance(responses, list):
            message = (
                responses.get("error", {}).get("message", "unknown error") if isinstance(responses, dict) else responses
            )
            raise ChainError(f"the RPC refused a batched read: {message}")
        if len(responses) != len(self._requests):
            raise ChainError(f"the RPC answered {len(responses)} of {len(self._requests)} batched reads")
        results = [self._result(decoder, response) for decoder, response in zip(self._decoders, responses, strict=True)]
        self._requests, self._decoders = [], []
        return results

    @staticmethod
    def _result(decoder, response):
        if not isinstance(response, dict):
            return CallFailed(f"not a JSON-RPC answer ({shown(response)})", garbage=True)
        error = response.get("error")
        if error:
            return CallFailed(str(error.get("message", error) if isinstance(error, dict) else error))
        if "result" not in response:
            return CallFailed("an answer without a result", garbage=True)
        try:
            return decoder(response["result"])
        except Exception as error:  # a malformed answer for this read only
            reason = str(error).rstrip(".")[:120]
            return CallFailed(f"undecodable answer {shown(response['result'])} ({reason})", garbage=True)


def _quantity(raw) -> int:
    value = quantity(raw)
    if value is None:
        raise ValueError("not a hex quantity")
    return value


def _data(raw) -> bytes:
    if not isinstance(raw, str) or not raw.startswith("0x"):
        raise ValueError("not hex data")
    return bytes.fromhex(raw[2:])


def _logs(raw) -> list:
    if not isinstance(raw, list) or not all(_is_log(log) for log in raw):
        raise ValueError("not a list of logs")
    return raw


def _is_log(log) -> bool:
    return (
        isinstance(log, dict)
        and quantity(log.get("blockNumber")) is not None
        and quantity(log.get("logIndex")) is not None
        and bool(log.get("topics"))
        and isinstance(log["topics"][0], str)
    )


def _decode_output(types: list[str], raw):
    payload = _data(raw)
    if not payload and types:
        return CallFailed("empty return data (no contract at this address?)")
    values = tuple(checksummed_value(t, v) for t, v in zip(types, decode(types, payload), strict=True))
    return values[0] if len(values) == 1 else values


def checksummed_value(abi_type: str, value):
    """eth_abi gives lower-case addresses; the rest of indexops speaks EIP-55."""
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type == "address[]":
        return [to_checksum_address(v) for v in value]
    return value
