"""Several endpoints behind one provider, against real HTTP servers: a dead, slow or failing endpoint is left
for the next one, rests for a cool-down and is tried again; a broadcast goes on with the same bytes; every
endpoint must be on the connection's chain; and no message ever shows a credential."""

from __future__ import annotations

import pytest
import requests
from web3 import Web3

from indexops.chain import endpoints as endpoints_module
from indexops.chain import rpc_retry
from indexops.chain.connection import connect
from indexops.chain.endpoints import EndpointPool, labels_for
from indexops.chain.provider import RetryingHTTPProvider
from indexops.errors import ChainError
from indexops.sandbox.anvil import _free_port
from tests.chain.scripted_rpc import ScriptedRpc

ADDRESS = "0x" + "11" * 20
SIGNED = b"\x02\xf8\x01signed"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def short_deadline(monkeypatch):
    monkeypatch.setattr(rpc_retry, "PATIENCE_SECONDS", 0.6)


def dead_url() -> str:
    return f"http://127.0.0.1:{_free_port()}"


def recorded(connection_or_provider) -> list[tuple[str, str, str]]:
    events: list[tuple[str, str, str]] = []
    connection_or_provider.on_failover(lambda old, new, reason: events.append((old, new, reason)))
    return events


def test_a_dead_first_endpoint_is_left_for_the_second_at_connect_and_after():
    dead = dead_url()
    with ScriptedRpc() as alive:
        connected = connect([dead + "/v2/SECRETKEY", alive.url + "/v2/OTHERKEY"], 31337, "sandbox")
        events = recorded(connected)
        assert connected.chain_id == 31337
        assert connected.active_endpoint == alive.url and connected.rpc_url == alive.url + "/v2/OTHERKEY"
        assert connected.w3.eth.get_code(ADDRESS) == bytes.fromhex("6001")
    assert alive.methods == [["eth_chainId"], ["eth_getCode"]]
    assert events == []  # it moved at connect, before anyone listened; nothing moved since
    assert [(h.active, h.healthy) for h in connected.health()] == [(False, False), (True, True)]
    assert connected.w3.provider.pool.endpoints[0].resting_until > 0


def test_a_read_fails_over_when_its_failure_persists_and_the_endpoint_rests():
    clock = Clock()
    with ScriptedRpc("answer", "drop", "drop") as first, ScriptedRpc() as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1, clock=clock)
        events = recorded(provider)
        w3 = Web3(provider)
        assert w3.eth.block_number == 16  # first answers
        assert w3.eth.block_number == 16  # first drops twice in a row: the second answers
        assert provider.active == second.url
        assert w3.eth.block_number == 16  # the first rests: straight to the second
    assert first.methods == [["eth_blockNumber"]] * 3
    assert second.methods == [["eth_blockNumber"]] * 2
    assert events == [(first.url, second.url, "connection lost")]
    assert provider.round_trips == 5


def test_one_blip_is_asked_again_on_the_same_endpoint():
    with ScriptedRpc("502") as first, ScriptedRpc() as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1)
        assert Web3(provider).eth.block_number == 16
    assert (len(first.methods), len(second.methods)) == (2, 0)


def test_a_slow_endpoint_counts_as_failed_at_once():
    with ScriptedRpc("stall", stall_seconds=1.0) as slow, ScriptedRpc() as fast:
        provider = RetryingHTTPProvider([slow.url, fast.url], timeout=0.3)
        events = recorded(provider)
        assert Web3(provider).eth.get_code(ADDRESS) == bytes.fromhex("6001")
    assert (len(slow.methods), len(fast.methods)) == (1, 1)
    assert events == [(slow.url, fast.url, "timed out")]


def test_a_rested_endpoint_is_tried_again_and_its_rest_doubles_while_it_keeps_failing():
    clock = Clock()
    with ScriptedRpc() as second:
        dead = dead_url()
        provider = RetryingHTTPProvider([dead, second.url], timeout=1, clock=clock)
        events = recorded(provider)
        w3 = Web3(provider)
        first = provider.pool.endpoints[0]
        assert w3.eth.block_number == 16
        assert first.resting_until == clock.now + 30
        health = provider.health()
        assert [(h.label, h.active, h.healthy, h.resting_seconds, h.last_failure) for h in health] == [
            (dead, False, False, 30.0, "connection refused"),
            (second.url, True, True, 0.0, None),
        ]
        clock.now += 29
        assert w3.eth.block_number == 16  # still resting: not asked
        clock.now += 2
        assert w3.eth.block_number == 16  # rested: asked, refused again, so the second answers
        assert first.resting_until == clock.now + 60
        for _ in range(5):
            clock.now += 301
            _ = w3.eth.block_number
        assert first.resting_until == clock.now + endpoints_module.MAX_COOL_DOWN_SECONDS
    assert events[:3] == [
        (dead, second.url, "connection refused"),
        (second.url, dead, "cool-down over"),
        (dead, second.url, "connection refused"),
    ]


def test_an_endpoint_that_answers_again_is_used_again_and_its_rest_starts_over():
    clock = Clock()
    with ScriptedRpc("drop", "drop") as first, ScriptedRpc() as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1, clock=clock)
        events = recorded(provider)
        w3 = Web3(provider)
        _ = w3.eth.block_number
        assert provider.active == second.url
        clock.now += 31
        _ = w3.eth.block_number
        assert provider.active == first.url
    assert provider.pool.endpoints[0].cool_downs_in_a_row == 0
    assert [new for _, new, _ in events] == [second.url, first.url]


def test_a_broadcast_lost_on_the_first_endpoint_goes_to_the_next_with_the_same_bytes():
    with ScriptedRpc("502") as first, ScriptedRpc() as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1)
        events = recorded(provider)
        tx_hash = Web3(provider).eth.send_raw_transaction(SIGNED)
        assert Web3(provider).eth.block_number == 16  # one loss is a blip: reads go back to the first
    assert events == [
        (first.url, second.url, "HTTP 502 Bad Gateway"),
        (second.url, first.url, "preferred endpoint healthy"),
    ]
    assert tx_hash == bytes.fromhex("ab" * 32)
    assert first.methods == [["eth_sendRawTransaction"], ["eth_blockNumber"]]
    assert second.methods == [["eth_sendRawTransaction"]]  # once each
    assert first.params[0] == second.params[0] == ["0x" + SIGNED.hex()]  # the same signed bytes


def test_a_broadcast_refused_after_a_loss_raises_the_loss_for_the_journal_to_look_up():
    with ScriptedRpc("drop") as first, ScriptedRpc("refused-tx") as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1)
        with pytest.raises(requests.ConnectionError) as lost:
            Web3(provider).eth.send_raw_transaction(SIGNED)
    assert rpc_retry.is_transient(lost.value)  # the executor looks the hash up, then decides
    assert "nonce too low" in str(lost.value.__cause__)
    assert (first.methods, second.methods) == ([["eth_sendRawTransaction"]], [["eth_sendRawTransaction"]])


def test_a_broadcast_skips_an_endpoint_on_another_chain_without_sending_it_there():
    with ScriptedRpc(results={"eth_chainId": "0x5"}) as other, ScriptedRpc() as right:
        provider = RetryingHTTPProvider([other.url, right.url], timeout=1)
        provider.chain_id = 31337
        provider.pool.endpoints[1].chain_checked = True
        assert Web3(provider).eth.send_raw_transaction(SIGNED) == bytes.fromhex("ab" * 32)
    assert other.methods == [["eth_chainId"]] and right.methods == [["eth_sendRawTransaction"]]


def test_a_broadcast_the_first_endpoint_refuses_is_not_sent_elsewhere():
    with ScriptedRpc("refused-tx") as first, ScriptedRpc() as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1)
        with pytest.raises(Exception, match="nonce too low"):
            Web3(provider).eth.send_raw_transaction(SIGNED)
    assert second.methods == []


def test_a_sandbox_call_is_sent_once_to_the_active_endpoint():
    with ScriptedRpc("drop") as first, ScriptedRpc() as second:
        provider = RetryingHTTPProvider([first.url, second.url], timeout=1)
        with pytest.raises(requests.ConnectionError):
            provider.make_request("evm_mine", [])
    assert (len(first.methods), second.methods) == (1, [])


def test_an_endpoint_on_another_chain_is_refused_at_connect_in_one_line_without_credentials():
    with ScriptedRpc() as right, ScriptedRpc(results={"eth_chainId": "0x1"}) as wrong:
        with pytest.raises(ChainError) as refused:
            connect([right.url + "/v2/SECRETKEY", wrong.url + "/?key=SECRET2"], 31337, "sandbox")
    assert str(refused.value) == (
        f"wrong chain: {wrong.url} is chain 1 but {right.url} is chain 31337: "
        "every RPC URL of a network must reach the same chain"
    )
    with ScriptedRpc(results={"eth_chainId": "0x1"}) as wrong, ScriptedRpc() as right:
        with pytest.raises(ChainError) as refused:
            connect([wrong.url + "/v2/SECRETKEY", right.url], 31337, "sandbox")
    assert str(refused.value) == f"wrong chain: network 'sandbox' expects chain id 31337 but {wrong.url} is chain 1"


def test_an_endpoint_down_at_connect_shows_its_chain_before_it_serves_and_is_refused_if_it_differs():
    clock = Clock()
    with ScriptedRpc("drop", "drop", results={"eth_chainId": "0x5"}) as other, ScriptedRpc() as right:
        provider = RetryingHTTPProvider([other.url, right.url], timeout=1, clock=clock)
        provider.chain_id = 31337
        provider.pool.endpoints[1].chain_checked = True
        events = recorded(provider)
        w3 = Web3(provider)
        assert w3.eth.block_number == 16  # `other` drops its chain-id check twice: it rests
        clock.now += 31
        assert w3.eth.block_number == 16  # rested, it answers chain 5: refused for good
        clock.now += 10_000
        assert w3.eth.block_number == 16
    assert other.methods == [["eth_chainId"]] * 3  # never asked anything else
    assert provider.pool.endpoints[0].refused == "it is chain 5, not 31337"
    assert events[-1] == (other.url, right.url, "it is chain 5, not 31337")


def test_an_endpoint_that_refuses_its_key_is_refused_at_connect_or_left_for_good_later():
    with ScriptedRpc() as right, ScriptedRpc("401") as wrong_key:
        with pytest.raises(ChainError) as refused:
            connect([right.url, wrong_key.url + "/v2/SECRETKEY"], 31337)
    assert str(refused.value) == f"cannot use the RPC at {wrong_key.url} (HTTP 401 Unauthorized): check its URL and key"
    with ScriptedRpc("401") as wrong_key, ScriptedRpc() as right:
        provider = RetryingHTTPProvider([wrong_key.url, right.url], timeout=1)
        provider.chain_id = 31337
        provider.pool.endpoints[1].chain_checked = True
        events = recorded(provider)
        assert Web3(provider).eth.block_number == 16
    reason = "its chain-id check failed: HTTP 401 Unauthorized"
    assert provider.pool.endpoints[0].refused == reason and events == [(wrong_key.url, right.url, reason)]


def test_every_endpoint_down_past_the_deadline_is_the_one_line_naming_them_all(short_deadline):
    with ScriptedRpc() as first, ScriptedRpc() as second:
        connected = connect([first.url + "/v2/SECRETKEY", second.url + "/v2/SECRET2"], 31337)
    with pytest.raises(rpc_retry.RpcUnreachable) as gone:  # both servers are closed now
        _ = connected.w3.eth.block_number
    assert str(gone.value) == (
        f"every RPC ({first.url}, {second.url}) stayed unreachable for 0.6 s (last: connection refused): "
        "check the node, then run the same command again"
    )


def test_wrong_urls_still_fail_at_once_naming_them_all():
    urls = [dead_url() + "/v2/SECRETKEY", dead_url() + "/v2/SECRET2"]
    with pytest.raises(ChainError) as refused:
        connect(urls, 1)
    assert "SECRET" not in str(refused.value)
    assert str(refused.value) == (
        f"cannot reach the RPC at {urls[0][: urls[0].index('/v2')]}, {urls[1][: urls[1].index('/v2')]} "
        "(connection refused): check --rpc-url or that the node is running"
    )


def test_labels_tell_alike_endpoints_apart_without_their_keys():
    assert labels_for(["https://eth.example/v2/K1", "https://eth.example/v2/K2", "http://127.0.0.1:8545"]) == [
        "https://eth.example #1",
        "https://eth.example #2",
        "http://127.0.0.1:8545",
    ]
    pool = EndpointPool(["https://eth.example/v2/K1"])
    assert "K1" not in repr(pool.endpoints[0]) and "K1" not in pool.where


def test_the_provider_names_every_url_for_messages_that_show_it_redacted():
    from indexops.chain.connection import display_url

    provider = RetryingHTTPProvider(["https://a.example/v2/K1", "https://b.example/K2"], timeout=1)
    assert display_url(provider.endpoint_uri) == "https://a.example, https://b.example"
    assert "K1" not in str(provider)
