"""eth_getLogs through chain/history on the sandbox: chunks a proxy refuses as too wide are halved (or cut to the
range the refusal suggests) and grow back, with the real providers' refusal wordings; any other error is one line
without the URL's secret; a re-run is served from the cache for the blocks it covers, the last `finality` blocks
are asked again, and a chain reverted under the cache is read afresh."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from indexops.chain.connection import connect
from indexops.chain.history.events import SET_TOKEN_ACTIONS
from indexops.chain.history.fetch import LogQuery, LogsRefused
from indexops.chain.history.history import ChainHistory
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID
from tests.chain.rpc_proxy import FaultyRpcProxy

pytestmark = pytest.mark.chain

LIMIT = 40  # blocks the refusing proxy takes in one eth_getLogs

REFUSALS = {  # the providers' own answers to a range too wide (or with too many results)
    "geth/infura": {"code": -32005, "message": "query returned more than 10000 results"},
    "ankr": {"code": -32000, "message": "block range is too wide"},
    "bsc": {"code": -32000, "message": "exceed maximum block range: 5000"},
    "limit": {"code": -32005, "message": "limit exceeded"},
    "alchemy": {
        "code": -32602,
        "message": "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range "
        "and no limit on the response size, or you can request any block range with a cap of 10K logs in the "
        "response. Based on your parameters, this block range should work: [{first}, {last}]",
    },
}


def _width(request: dict) -> int:
    query = request["params"][0]
    return int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1


class Refusing:
    """A proxy rewrite: eth_getLogs wider than `limit` blocks answered with `error`; every range asked recorded."""

    def __init__(self, error: dict, limit: int = LIMIT):
        self.error, self.limit = error, limit
        self.asked: list[tuple[int, int]] = []
        self.refused = 0

    def __call__(self, request, answer):
        requests, answers = (request, answer) if isinstance(request, list) else ([request], [answer])
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        for call in requests:
            if call.get("method") != "eth_getLogs":
                continue
            query = call["params"][0]
            first = int(query["fromBlock"], 16)
            self.asked.append((first, int(query["toBlock"], 16)))
            if _width(call) > self.limit:
                self.refused += 1
                message = self.error["message"].format(first=hex(first), last=hex(first + self.limit // 2 - 1))
                by_id[call["id"]].pop("result", None)
                by_id[call["id"]]["error"] = {**self.error, "message": message}
        return answer if isinstance(request, list) else answers[0]


def _set_token_actions(book) -> LogQuery:
    return LogQuery.of(book["leverage"]["products"]["eth2x-fli"]["set_token"], SET_TOKEN_ACTIONS)


def _direct(w3, query: LogQuery, first: int, last: int) -> list:
    return w3.provider.make_request("eth_getLogs", [query.filter(first, last)])["result"]


@pytest.mark.parametrize("provider", sorted(REFUSALS))
def test_a_refused_range_is_halved_until_taken_then_grows_back(sandbox, w3, book, tmp_path, provider):
    query = _set_token_actions(book)
    head = w3.eth.block_number
    expected = _direct(w3, query, 0, head)
    assert len(expected) > 20  # the sandbox's engage and set-up left many
    refusing = Refusing(REFUSALS[provider])
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(refusing)
        connection = connect(proxy.url, SANDBOX_CHAIN_ID)
        history = ChainHistory.open(connection, tmp_path, finality=0)
        started = time.monotonic()
        found = history.logs([query], 0, head)[query]
        took = time.monotonic() - started
    assert found == expected
    assert took < 5  # a refusal is not a transient failure asked again for the retry policy's 30 s
    assert refusing.refused >= 1 and history.counts.refusals == refusing.refused
    taken = [(a, b) for a, b in refusing.asked if b - a + 1 <= LIMIT]
    covered = sorted(taken)
    assert covered[0][0] == 0 and covered[-1][1] == head  # every block asked once in a range the proxy took
    assert all(later[0] == earlier[1] + 1 for earlier, later in zip(covered, covered[1:], strict=False))
    assert history.counts.log_round_trips < len(taken)  # several chunks a round trip
    assert history.counts.logs_fetched == len(expected) and history.counts.logs_from_cache == 0


class TooManyResults:
    """A proxy rewrite: an eth_getLogs answer of more than `most` logs replaced by Infura's refusal."""

    def __init__(self, most: int):
        self.most = most
        self.asked: list[tuple[int, int, bool]] = []  # (first, last, refused)

    def __call__(self, request, answer):
        requests, answers = (request, answer) if isinstance(request, list) else ([request], [answer])
        for call, reply in zip(requests, answers, strict=True):
            if call.get("method") != "eth_getLogs":
                continue
            query = call["params"][0]
            refused = len(reply.get("result", [])) > self.most
            self.asked.append((int(query["fromBlock"], 16), int(query["toBlock"], 16), refused))
            if refused:
                del reply["result"]
                reply["error"] = {"code": -32005, "message": f"query returned more than {self.most} results"}
        return answer


def test_a_refusal_by_result_count_grows_back_where_logs_are_sparse(sandbox, w3, book, tmp_path):
    """Too many results shrink a query's chunks where the logs are dense; over empty blocks they double again,
    and no ceiling is kept: a result count says nothing of the blocks elsewhere."""
    query = _set_token_actions(book)
    dense_end = w3.eth.block_number
    per_block = Counter(log["blockNumber"] for log in _direct(w3, query, 0, dense_end))
    w3.provider.make_request("anvil_mine", [hex(300)])  # fewer than the 500 blocks of state the sandbox keeps
    last = w3.eth.block_number
    too_many = TooManyResults(most=max(per_block.values()))  # one block always fits
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(too_many)
        history = ChainHistory.open(connect(proxy.url, SANDBOX_CHAIN_ID), tmp_path, finality=0, max_chunk=128)
        found = history.logs([query], 0, last)[query]
    assert found == _direct(w3, query, 0, last)
    assert history.fetcher.ceiling == 128
    taken = [(a, b) for a, b, refused in too_many.asked if not refused]
    narrowest_dense = min(b - a + 1 for a, b in taken if b <= dense_end)
    widest_sparse = max(b - a + 1 for a, b in taken if a > dense_end)
    assert narrowest_dense < 32 and widest_sparse == 128
    assert len(taken) < (last + 1) / narrowest_dense / 4  # far fewer requests than chunks of the narrowest width


def test_another_error_is_one_line_naming_the_rpc_without_its_secret(sandbox, w3, book, tmp_path):
    def broken(request, answer):
        requests, answers = (request, answer) if isinstance(request, list) else ([request], [answer])
        for call, reply in zip(requests, answers, strict=True):
            if call.get("method") == "eth_getLogs":
                reply.pop("result", None)
                reply["error"] = {"code": -32000, "message": "backend unavailable at https://rpc.example/v2/SECRETKEY"}
        return answer

    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(broken)
        connection = connect(proxy.url, SANDBOX_CHAIN_ID)
        history = ChainHistory.open(connection, tmp_path, finality=0)
        with pytest.raises(LogsRefused) as refused:
            history.logs([_set_token_actions(book)], 0, w3.eth.block_number)
    message = str(refused.value)
    assert "\n" not in message and "SECRETKEY" not in message and "/v2/" not in message
    assert message.startswith(f"the RPC at {proxy.url} refused eth_getLogs of ")
    assert "backend unavailable at https://rpc.example" in message and "(code -32000)" in message


def test_one_block_still_refused_is_one_line(sandbox, w3, book, tmp_path):
    refusing = Refusing(REFUSALS["geth/infura"], limit=0)
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(refusing)
        history = ChainHistory.open(connect(proxy.url, SANDBOX_CHAIN_ID), tmp_path, finality=0)
        with pytest.raises(LogsRefused) as refused:
            history.logs([_set_token_actions(book)], 0, 8)
    assert "for block " in str(refused.value) and "even for one block: query returned more than" in str(refused.value)


def _proxied_history(proxy, tmp_path, finality: int) -> ChainHistory:
    return ChainHistory.open(connect(proxy.url, SANDBOX_CHAIN_ID), tmp_path, finality=finality)


def test_a_rerun_asks_only_for_blocks_the_cache_does_not_cover(sandbox, w3, book, tmp_path):
    queries = [_set_token_actions(book), LogQuery.of(book["leverage"]["products"]["eth2x-fli"]["strategy"])]
    head = w3.eth.block_number
    refusing = Refusing(REFUSALS["ankr"], limit=10_000)  # takes everything, records what is asked
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(refusing)
        first = _proxied_history(proxy, tmp_path, finality=64)
        found = first.logs(queries, 0, head)
        assert first.counts.logs_fetched == sum(len(logs) for logs in found.values()) > 0
        refusing.asked.clear()

        again = _proxied_history(proxy, tmp_path, finality=64)
        assert again.logs(queries, 0, head) == found
        # only the last 64 blocks, which may still be reorganised, are asked again
        assert refusing.asked == [(head - 63, head)] * 2 and again.counts.log_round_trips == 1
        assert again.counts.logs_from_cache == sum(
            1 for logs in found.values() for log in logs if int(log["blockNumber"], 16) <= head - 64
        )
        refusing.asked.clear()

        everything = _proxied_history(proxy, tmp_path, finality=0)
        everything.logs(queries, 0, head)
        refusing.asked.clear()
        settled = _proxied_history(proxy, tmp_path, finality=0)
        assert settled.logs(queries, 0, head) == found
        assert refusing.asked == [] and settled.counts.log_requests == 0  # nothing asked: all covered

        w3.provider.make_request("anvil_mine", [hex(30)])
        later = _proxied_history(proxy, tmp_path, finality=0)
        assert later.logs(queries, 0, head + 30) == {q: _direct(w3, q, 0, head + 30) for q in queries}
        assert refusing.asked == [(head + 1, head + 30)] * 2  # only the new blocks


def test_a_chain_reverted_under_the_cache_is_read_afresh(sandbox, w3, book, real, tmp_path):
    set_token = book["leverage"]["products"]["eth2x-fli"]["set_token"]
    query = LogQuery.of(set_token)  # every log, Transfer included
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    token = real("SetToken", set_token)
    deployer, someone = w3.eth.accounts[0], w3.eth.accounts[7]
    head = w3.eth.wait_for_transaction_receipt(token.functions.transfer(someone, 5).transact({"from": deployer}))[
        "blockNumber"
    ]
    history = ChainHistory.open(connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID), tmp_path, finality=0)
    before = history.logs([query], head, head)[query]
    assert len(before) == 1
    w3.provider.make_request("evm_revert", [snapshot])
    again = token.functions.transfer(someone, 7).transact({"from": deployer})  # another block at the same height
    assert w3.eth.wait_for_transaction_receipt(again)["blockNumber"] == head
    reread = ChainHistory.open(connect(sandbox.running.rpc_url, SANDBOX_CHAIN_ID), tmp_path, finality=0)
    after = reread.logs([query], head, head)[query]
    assert after == _direct(w3, query, head, head) and after != before
    assert reread.counts.logs_from_cache == 0
