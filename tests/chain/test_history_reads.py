"""chain/history's batched reads on the sandbox: archive reads at many blocks in one round trip, receipts and
headers in batches, all served from the cache the second time; the first block at or after a time; a SetToken's
creation block by its code and, on a node without old state, by its SetTokenCreated event; the transactions
given accounts sent to given contracts."""

from __future__ import annotations

import pytest

from indexops.chain.abis import contract
from indexops.chain.connection import connect
from indexops.chain.history.archive import ArchiveReader, NoArchive
from indexops.chain.history.blocks import creation_block, first_block_at_or_after, headers
from indexops.chain.history.fetch import LogQuery
from indexops.chain.history.history import ChainHistory
from indexops.chain.history.receipts import receipts
from indexops.chain.history.transactions import sent_transactions
from indexops.sandbox.anvil import SANDBOX_CHAIN_ID
from tests.chain.rpc_proxy import FaultyRpcProxy

pytestmark = pytest.mark.chain


def _mined(w3, tx_hash):
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt.status == 1
    return receipt


def _redeem_one_at_a_time(w3, book, times: int) -> list:
    """DPI redeemed one set a block by the deployer: the supply moves at every one of those blocks."""
    issuance = contract(w3, "BasicIssuanceModule", book["modules"]["basic_issuance"])
    deployer = book["accounts"]["deployer"]
    set_token = book["products"]["dpi"]["set_token"]
    return [
        _mined(w3, issuance.functions.redeem(set_token, 10**18, deployer).transact({"from": deployer}))
        for _ in range(times)
    ]


def _calls(request, answer):
    """(call, its reply) for a single request or a batch, as the proxy's rewrite sees them."""
    if isinstance(request, list):
        return list(zip(request, answer, strict=True))
    return [(request, answer)]


def _history(url: str, tmp_path, finality: int = 0) -> ChainHistory:
    return ChainHistory.open(connect(url, SANDBOX_CHAIN_ID), tmp_path, finality=finality)


def test_archive_reads_at_many_blocks_go_in_one_batch_and_come_back_from_the_cache(sandbox, w3, book, tmp_path):
    mined = _redeem_one_at_a_time(w3, book, 6)
    blocks = [r.blockNumber for r in mined]
    set_token = contract(w3, "SetToken", book["products"]["dpi"]["set_token"])
    expected = [set_token.functions.totalSupply().call(block_identifier=b) for b in blocks]
    assert len(set(expected)) == len(blocks)
    for cached in (False, True):
        history = _history(sandbox.running.rpc_url, tmp_path)
        before = history.connection.round_trips
        reader = ArchiveReader(history)
        tickets = [reader.at(b).call(set_token, "totalSupply") for b in blocks]
        results = reader.run()
        assert [results[t] for t in tickets] == expected
        assert history.connection.round_trips - before == (0 if cached else 2)  # the batch, the anchor's hash
        assert history.counts.calls_from_cache == (len(blocks) if cached else 0)


def test_an_archive_read_the_node_cannot_answer_says_an_archive_node_is_needed(sandbox, w3, book, tmp_path):
    def pruned(request, answer):
        for call, reply in _calls(request, answer):
            if call.get("method") == "eth_call":
                reply.pop("result", None)
                reply["error"] = {"code": -32000, "message": "missing trie node 0ab1 (path ) state not available"}
        return answer

    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(pruned)
        history = _history(proxy.url, tmp_path)
        reader = ArchiveReader(history).at(3)
        reader.call(contract(w3, "SetToken", book["products"]["dpi"]["set_token"]), "totalSupply")
        with pytest.raises(NoArchive) as refused:
            reader.run()
    assert str(refused.value).startswith(f"the RPC at {proxy.url} has no state at block 3 (missing trie node")
    assert "archive node" in str(refused.value) and "\n" not in str(refused.value)


def test_receipts_and_headers_come_in_batches_then_from_the_cache(sandbox, w3, book, tmp_path):
    mined = _redeem_one_at_a_time(w3, book, 5)
    hashes = [r.transactionHash.to_0x_hex() for r in mined]
    for cached in (False, True):
        history = _history(sandbox.running.rpc_url, tmp_path)
        before = history.connection.round_trips
        found = receipts(history, [*hashes, "0x" + "ab" * 32])  # one this chain never mined
        assert sorted(found) == sorted(h.lower() for h in hashes)
        for receipt in mined:
            got = found[receipt.transactionHash.to_0x_hex().lower()]
            assert (got.block, got.sender, got.to, got.gas_used, got.effective_gas_price, got.status) == (
                receipt.blockNumber,
                receipt["from"],
                receipt.to,
                receipt.gasUsed,
                receipt.effectiveGasPrice,
                1,
            )
        got_headers = headers(history, [r.blockNumber for r in mined])
        assert got_headers == {
            r.blockNumber: (
                "0x" + bytes(w3.eth.get_block(r.blockNumber).hash).hex(),
                w3.eth.get_block(r.blockNumber).timestamp,
            )
            for r in mined
        }
        # the unknown hash is asked again (it may be mined later); the rest is cached
        assert history.connection.round_trips - before == (1 if cached else 3)


def test_the_first_block_at_or_after_a_time(sandbox, w3, tmp_path):
    start = w3.eth.get_block("latest").timestamp + 1_000
    numbers = []
    for offset in (0, 100, 200, 300):
        w3.provider.make_request("evm_setNextBlockTimestamp", [start + offset])
        w3.provider.make_request("evm_mine", [])
        numbers.append(w3.eth.block_number)
    history = _history(sandbox.running.rpc_url, tmp_path)
    assert first_block_at_or_after(history, start + 150) == numbers[2]
    assert first_block_at_or_after(history, start + 100) == numbers[1]
    assert first_block_at_or_after(history, start + 301) is None
    assert first_block_at_or_after(history, 0) == 0
    genesis_time = w3.eth.get_block(0).timestamp
    assert first_block_at_or_after(history, genesis_time + 1) == next(
        n for n in range(1, numbers[0] + 1) if w3.eth.get_block(n).timestamp >= genesis_time + 1
    )


def _created_at(w3, book) -> int:
    set_token = book["leverage"]["products"]["eth2x-fli"]["set_token"]
    logs = w3.eth.get_logs(
        {
            "address": book["set_token_creator"],
            "fromBlock": 0,
            "toBlock": "latest",
            "topics": [None, "0x" + set_token[2:].lower().rjust(64, "0")],
        }
    )
    return logs[0]["blockNumber"]


def test_the_creation_block_by_code_and_by_event_where_old_state_is_gone(sandbox, w3, book, tmp_path):
    set_token = book["leverage"]["products"]["eth2x-fli"]["set_token"]
    created = _created_at(w3, book)
    factories = lambda: [book["set_token_creator"]]  # noqa: E731
    if w3.provider.make_request("eth_getCode", [set_token, hex(1)]).get("result") is not None:  # state still kept
        assert creation_block(_history(sandbox.running.rpc_url, tmp_path / "code"), set_token, factories) == created

    def pruned(request, answer):
        for call, reply in _calls(request, answer):
            if (
                call.get("method") == "eth_getCode"
                and call["params"][1] != "latest"
                and int(call["params"][1], 16) < created + 5
            ):
                reply.pop("result", None)
                reply["error"] = {
                    "code": -32602,
                    "message": "BlockOutOfRangeError: block height is 900 but requested was 1",
                }
        return answer

    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(pruned)
        history = _history(proxy.url, tmp_path / "events")
        assert creation_block(history, set_token, factories) == created
        assert history.counts.log_requests >= 1
        again = _history(proxy.url, tmp_path / "events")
        assert creation_block(again, set_token, factories) == created and again.counts.round_trips == 1  # the opening


def test_the_transactions_of_given_accounts_to_given_contracts(sandbox, w3, book, real, tmp_path):
    product = book["leverage"]["products"]["eth2x-fli"]
    operator, keeper, deployer = book["accounts"]["operator"], book["accounts"]["keeper"], book["accounts"]["deployer"]
    fee_split = real("FeeSplitAdapter", product["fee_split"])
    first = w3.eth.block_number + 1
    w3.provider.make_request("evm_increaseTime", [86_400])
    by_operator = _mined(w3, fee_split.functions.accrueFeesAndDistribute().transact({"from": operator}))
    by_deployer = _mined(w3, fee_split.functions.accrueFeesAndDistribute().transact({"from": deployer}))
    failed = w3.eth.wait_for_transaction_receipt(
        real("FlexibleLeverageStrategyExtension", product["strategy"])
        .functions.rebalance("Nowhere")
        .transact({"from": keeper, "gas": 500_000})
    )
    assert failed.status == 0  # reverted: no logs, gas paid
    last = w3.eth.block_number
    history = _history(sandbox.running.rpc_url, tmp_path)
    logs = history.logs([LogQuery.of(product["fee_split"])], first, last)
    seen = [log for found in logs.values() for log in found]
    found = sent_transactions(history, [operator, keeper], [product["fee_split"]], first, last, seen_in=seen)
    assert [r.tx_hash for r in found] == [by_operator.transactionHash.to_0x_hex()]  # not the deployer's
    with_journal = sent_transactions(
        history,
        [operator, keeper],
        [product["fee_split"]],
        first,
        last,
        seen_in=seen,
        known=[failed.transactionHash.to_0x_hex()],
    )
    assert [r.tx_hash for r in with_journal] == [
        by_operator.transactionHash.to_0x_hex(),
        failed.transactionHash.to_0x_hex(),
    ]
    assert with_journal[1].status == 0 and with_journal[1].fee_wei == failed.gasUsed * failed.effectiveGasPrice
    assert by_deployer.transactionHash.to_0x_hex() not in {r.tx_hash for r in with_journal}
