"""Which answers are a provider refusing eth_getLogs as too big, and that the retry policy does not ask them again
for 30 s as if they were a rate limit."""

from __future__ import annotations

import pytest

from indexops.chain import rpc_retry
from indexops.chain.history.refusals import RANGE, SIZE, refusal


@pytest.mark.parametrize(
    "error, kind",
    [
        ({"code": -32005, "message": "query returned more than 10000 results"}, SIZE),
        (
            {"code": -32005, "message": "query returned more than 10000 results. Try with this block range [0x1, 0x2]"},
            SIZE,
        ),
        ({"code": -32005, "message": "limit exceeded"}, SIZE),
        ({"code": -32000, "message": "block range is too wide"}, RANGE),
        ({"code": -32000, "message": "exceed maximum block range: 5000"}, RANGE),
        ({"code": -32602, "message": "Log response size exceeded. this block range should work: [0x10, 0x20]"}, SIZE),
        ({"code": -32614, "message": "eth_getLogs is limited to a 10,000 range"}, RANGE),
        ({"code": -32000, "message": "response size should not greater than 150000000 bytes"}, SIZE),
    ],
)
def test_the_providers_refusals(error, kind):
    found = refusal(error)
    assert found is not None and found.kind == kind
    assert rpc_retry.transient_answer({"jsonrpc": "2.0", "id": 1, "error": error}) is None  # answered, not lost


@pytest.mark.parametrize(
    "error",
    [
        {"code": -32005, "message": "rate limit exceeded"},
        {"code": -32005, "message": "daily request count exceeded, request rate limited"},
        {"code": 429, "message": "Too Many Requests"},
        {"code": -32602, "message": "BlockOutOfRangeError: block height is 1053 but requested was 100"},
        {"code": -32000, "message": "execution reverted"},
    ],
)
def test_what_is_not_a_refusal_of_size(error):
    assert refusal(error) is None


def test_rate_limits_stay_transient():
    assert rpc_retry.transient_answer({"error": {"code": -32005, "message": "rate limit exceeded"}}) is not None


def test_the_suggested_range_is_read():
    found = refusal({"message": "Log response size exceeded. this block range should work: [0x10, 0x1f]"})
    assert found is not None and found.suggested == (16, 31)
    assert refusal({"message": "query returned more than 10000 results"}).suggested is None  # type: ignore[union-attr]
