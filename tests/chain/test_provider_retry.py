"""The connection's provider against a real HTTP server that drops, stalls and refuses on cue: what web3 8
raises for each fault, which requests are asked again, and the one line when the deadline passes."""

from __future__ import annotations

import pytest
import requests
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from indexops.chain import connection as connection_module
from indexops.chain import rpc_retry
from indexops.chain.batch import BatchReader
from indexops.chain.connection import connect
from indexops.chain.provider import RetryingHTTPProvider
from indexops.errors import ChainError
from tests.chain.scripted_rpc import ScriptedRpc

ADDRESS = "0x" + "11" * 20


@pytest.fixture
def short_deadline(monkeypatch):
    monkeypatch.setattr(rpc_retry, "PATIENCE_SECONDS", 0.6)


def bare_w3(url: str) -> Web3:
    """web3 with its stock provider, no retries: to see what web3 itself raises."""
    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 0.3}, exception_retry_configuration=None))


@pytest.mark.parametrize(("act", "raised"), [
    ("drop", requests.ConnectionError), ("502", requests.HTTPError), ("429", requests.HTTPError),
    ("stall", requests.ReadTimeout), ("limited", Web3RPCError),
])
def test_what_web3_raises_for_each_fault_is_transient(act, raised):
    with ScriptedRpc(act, act, act, act, stall_seconds=0.6) as rpc:
        w3 = bare_w3(rpc.url)
        for read in (lambda: w3.eth.chain_id, lambda: w3.eth.call({"to": ADDRESS, "data": "0x"}),
                     lambda: w3.eth.send_raw_transaction(b"\x02"),
                     lambda: w3.provider.make_batch_request([("eth_chainId", []), ("eth_blockNumber", [])])):
            try:
                read()
            except Exception as error:  # noqa: BLE001 - the point is which type it is
                assert isinstance(error, raised), type(error)
                assert rpc_retry.is_transient(error)
            else:
                assert act == "limited"  # a batch gets the error object back, not an exception
        # ...which is why the provider looks at the answers themselves
        assert rpc_retry.transient_answer({"jsonrpc": "2.0", "id": None, "error": {"code": -32005, "message": "x"}})


def test_answers_from_the_node_are_not_transient():
    with ScriptedRpc() as rpc:
        w3 = bare_w3(rpc.url)
        with pytest.raises(ContractLogicError) as reverted:
            w3.eth.estimate_gas({"to": ADDRESS, "data": "0x"})
    assert not rpc_retry.is_transient(reverted.value)
    not_found = requests.HTTPError(response=requests.Response())
    not_found.response.status_code = 404
    assert not rpc_retry.is_transient(not_found)
    assert rpc_retry.transient_answer([{"id": 1, "error": {"code": 3, "message": "execution reverted"}}]) is None


def test_a_read_is_asked_again_until_it_is_answered():
    with ScriptedRpc("drop", "502", "429", "limited", "stall", stall_seconds=0.5) as rpc:
        provider = RetryingHTTPProvider(rpc.url, timeout=0.2)
        assert Web3(provider).eth.get_code(ADDRESS) == bytes.fromhex("6001")
    assert rpc.methods == [["eth_getCode"]] * 6
    assert provider.round_trips == 6


def test_a_broadcast_is_sent_once_and_its_loss_left_to_the_journal():
    with ScriptedRpc("502") as rpc:
        provider = RetryingHTTPProvider(rpc.url, timeout=1)
        with pytest.raises(requests.HTTPError) as lost:
            Web3(provider).eth.send_raw_transaction(b"\x02")
    assert rpc_retry.is_transient(lost.value)
    assert rpc.methods == [["eth_sendRawTransaction"]]


def test_a_batched_read_survives_502_drops_and_rate_limits():
    with ScriptedRpc("502", "drop", "limited", "entry-limited") as rpc:
        provider = RetryingHTTPProvider(rpc.url, timeout=1)
        reader = BatchReader(Web3(provider), 16)
        reader.code(ADDRESS), reader.code(ADDRESS)
        assert reader.run() == [bytes.fromhex("6001")] * 2
    assert provider.round_trips == 5


def test_a_batch_gives_up_at_the_deadline_with_one_line(short_deadline):
    with ScriptedRpc(*["502"] * 200) as rpc:
        reader = BatchReader(Web3(RetryingHTTPProvider(rpc.url + "/v2/SECRETKEY", timeout=1)), 16)
        reader.code(ADDRESS)
        with pytest.raises(rpc_retry.RpcUnreachable) as gave_up:
            reader.run()
    assert str(gave_up.value) == (f"the RPC at {rpc.url} stayed unreachable for 0.6 s (last: HTTP 502 Bad Gateway): "
                                  "check the node, then run the same command again")


def test_a_batch_the_node_refuses_says_so_without_the_url():
    provider = RetryingHTTPProvider("http://127.0.0.1:9/v2/SECRETKEY?key=SECRET2", timeout=1)

    def too_large(_requests):
        response = requests.Response()
        response.status_code, response.reason, response.url = 413, "Payload Too Large", provider.endpoint_uri
        response.raise_for_status()

    provider.make_batch_request = too_large
    reader = BatchReader(Web3(provider), 16)
    reader.code(ADDRESS)
    with pytest.raises(ChainError) as refused:
        reader.run()
    assert str(refused.value) == "batched read failed: 413 Client Error: Payload Too Large for url: http://127.0.0.1:9"


def test_the_chain_id_check_at_startup_survives_transient_faults():
    with ScriptedRpc("drop", "502", "stall", stall_seconds=0.5) as rpc, pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection_module, "REQUEST_TIMEOUT_SECONDS", 0.2)
        connected = connect(rpc.url, 31337)
    assert connected.chain_id == 31337
    assert connected.round_trips == 4


def test_a_wrong_url_still_fails_at_once():
    from indexops.sandbox.anvil import _free_port

    with pytest.raises(ChainError) as refused:
        connect(f"http://127.0.0.1:{_free_port()}/v2/SECRETKEY", 1)
    assert "SECRETKEY" not in str(refused.value) and "(connection refused)" in str(refused.value)


def test_a_node_that_answered_once_and_then_went_away_is_waited_for_until_the_deadline(short_deadline):
    with ScriptedRpc() as rpc:
        connected = connect(rpc.url + "/v2/SECRETKEY", 31337)
    with pytest.raises(rpc_retry.RpcUnreachable) as gone:  # the server is closed now: connections are refused
        _ = connected.w3.eth.block_number
    assert str(gone.value).startswith(f"the RPC at {rpc.url} stayed unreachable for 0.6 s (last: connection refused)")
    assert connected.round_trips > 2


def test_startup_gives_up_at_the_deadline_with_one_line(short_deadline):
    with ScriptedRpc(*["drop"] * 200) as rpc:
        with pytest.raises(ChainError) as gave_up:
            connect(rpc.url + "/v2/SECRETKEY", 31337)
    assert str(gave_up.value) == (f"cannot reach the RPC at {rpc.url} (no answer for 0.6 s, last: connection lost): "
                                  "check --rpc-url or that the node is running")


def test_a_fault_wrapped_by_a_library_is_still_recognised():
    try:
        try:
            raise requests.ConnectionError("Connection aborted.")
        except requests.ConnectionError as lost:
            raise RuntimeError("provider failed") from lost
    except RuntimeError as wrapped:
        assert rpc_retry.is_transient(wrapped)
    assert not rpc_retry.is_transient(rpc_retry.RpcUnreachable("x", TimeoutError(), 1))
