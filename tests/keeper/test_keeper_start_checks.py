"""`indexops keeper run` refuses bad input at start, in one line (exit 2), before it sends or journals anything:
a keeper off the callAllowList, a product without a leverage extension, a ripcord its cap cannot pay for, an
RPC answering garbage (`keeper check` too). After the start, a product that fails is a line and the others
are served."""

from __future__ import annotations

import signal

import pytest
from eth_utils import keccak

from tests.chain.rpc_proxy import FaultyRpcProxy
from tests.keeper.test_keeper_run import KEEPER, _keeper_process, _reader, _runs, _wait_for
from tests.paths import SHIPPED_PRODUCTS

GWEI = 10**9
SECRET_PATH = "/v2/SECRETKEY"


def _selector(signature: str) -> str:
    return "0x" + keccak(text=signature)[:4].hex()


def _run_once(cli, journal, *args: str, config=SHIPPED_PRODUCTS):
    return cli("keeper", "run", *args, "--once", "--poll-seconds", "0.1", "--journal", journal, "--config", config)


def _refused(result, *says: str) -> str:
    assert result.code == 2 and result.out == "", result.err
    assert result.err.count("\n") == 1 and result.err.startswith("error: eth2x-fli: "), result.err
    assert all(part in result.err for part in says), result.err
    return result.err


def _nonce(w3, account: int) -> int:
    return w3.eth.get_transaction_count(w3.eth.accounts[account])


@pytest.mark.chain
def test_a_keeper_off_the_allowlist_is_refused_at_start(cli, sandbox, w3, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0  # a ripcord would be sent
    before = _nonce(w3, 3)
    result = _run_once(cli, journal, "eth2x-fli", "--account", "3")
    _refused(result, w3.eth.accounts[3], "is not on the strategy's callAllowList (anyoneCallable is false)")
    assert _nonce(w3, 3) == before and _runs(journal) == []


def test_a_product_without_a_leverage_extension_is_refused_at_start(cli, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    products = tmp_path / "products.toml"
    text = SHIPPED_PRODUCTS.read_text()
    products.write_text(
        text.replace('extensions = { fli_strategy = "0x95775fD3Afb1F4072794CA4ddA27F2444BCf8Ac3", ', "extensions = { ")
    )
    result = _run_once(cli, journal, "eth2x-fli", config=products)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1
    assert "products.eth2x-fli.deployments.sandbox.extensions.fli_strategy: missing" in result.err
    index = _run_once(cli, journal, "dpi")
    assert index.code == 2 and index.err == "error: dpi: not a leverage product (kind 'index'): no keeper to check\n"
    assert not journal.exists() or _runs(journal) == []


@pytest.mark.chain
def test_a_ripcord_whose_cap_is_below_the_base_fee_is_refused_at_start(cli, sandbox, w3, tmp_path):
    journal = tmp_path / "journal.sqlite3"
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(5_000 * GWEI)])
    w3.provider.make_request("evm_mine", [])
    before = _nonce(w3, KEEPER)
    result = _run_once(cli, journal, "eth2x-fli", "btc2x-fli")
    _refused(
        result, "ripcord needed but its cap", "is below the base fee", "products.eth2x-fli.keeper.ripcord_max_gwei"
    )
    assert _nonce(w3, KEEPER) == before and _runs(journal) == []


def _answers_to(method: str, matches, change):
    """A proxy rewrite: `change(answer)` for each answer to a `method` call whose params `matches`."""

    def rewrite(request, answer):
        calls = request if isinstance(request, list) else [request]
        ids = {call["id"] for call in calls if call["method"] == method and matches(call["params"])}
        for entry in answer if isinstance(answer, list) else [answer]:
            if isinstance(entry, dict) and entry.get("id") in ids and isinstance(entry.get("result"), dict | str):
                change(entry)
        return answer

    return rewrite


def _strategy_call(signature: str, to: str | None = None):
    def matches(params) -> bool:
        call = params[0]
        return call["data"].startswith(_selector(signature)) and (to is None or call["to"].lower() == to.lower())

    return matches


GARBAGE = {
    "undecodable getStrategy()": (
        _answers_to("eth_call", _strategy_call("getStrategy()"), lambda entry: entry.update(result="0x1234")),
        "answered the leverage strategy read (getStrategy()) with undecodable answer '0x1234' "
        "(Tried to read 32 bytes, only got 2 bytes)",
    ),
    "a ratio that is not hex": (
        _answers_to("eth_call", _strategy_call("getCurrentLeverageRatio()"), lambda entry: entry.update(result="lots")),
        "answered the leverage strategy read (getCurrentLeverageRatio()) with undecodable answer 'lots' (not hex data)",
    ),
    "a latest block without its number": (
        _answers_to("eth_getBlockByNumber", lambda params: params[0] == "latest", lambda e: e["result"].pop("number")),
        "answered eth_getBlockByNumber(latest) with a block without a hex number and timestamp",
    ),
    "a pending block without baseFeePerGas": (
        _answers_to(
            "eth_getBlockByNumber", lambda params: params[0] == "pending", lambda e: e["result"].pop("baseFeePerGas")
        ),
        "answered eth_getBlockByNumber(pending) with no baseFeePerGas",
    ),
}


@pytest.mark.chain
@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("garbage", sorted(GARBAGE))
def test_an_rpc_answering_garbage_is_one_line_exit_2_naming_the_rpc_without_its_secret(
    cli, sandbox, w3, tmp_path, command, garbage
):
    journal = tmp_path / "journal.sqlite3"
    rewrite, says = GARBAGE[garbage]
    before = _nonce(w3, KEEPER)
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        proxy.rewrite(rewrite)
        url = proxy.url + SECRET_PATH
        if command == "check":
            result = cli("keeper", "check", "eth2x-fli", "--rpc-url", url, "--config", SHIPPED_PRODUCTS)
        else:
            result = _run_once(cli, journal, "eth2x-fli", "--rpc-url", url)
    err = _refused(result, f"the RPC at {proxy.url} {says}", "not a usable answer; check --rpc-url or the node")
    assert "SECRETKEY" not in err
    assert _nonce(w3, KEEPER) == before and (command == "check" or _runs(journal) == [])


@pytest.mark.chain
def test_after_the_start_a_product_answered_with_garbage_is_a_line_and_the_other_is_served(sandbox, w3, book, tmp_path):
    btc2x = book["leverage"]["products"]["btc2x-fli"]["strategy"]
    garbage = _answers_to("eth_call", _strategy_call("getStrategy()", btc2x), lambda entry: entry.update(result="0x12"))
    with FaultyRpcProxy(sandbox.running.rpc_url, seed=1) as proxy:
        process = _keeper_process(tmp_path / "journal.sqlite3", "eth2x-fli", "btc2x-fli", "--rpc-url", proxy.url)
        lines = _reader(process)
        try:
            _wait_for(lambda: len(lines) >= 2, what="the first decisions")
            first = lines[0]["block"]

            def at(block: int) -> list[tuple[str, str]]:
                return [(line["kind"], line["product"]) for line in lines if line["block"] == block]

            assert at(first) == [("decision", "eth2x-fli"), ("decision", "btc2x-fli")]
            proxy.rewrite(garbage)
            w3.provider.make_request("evm_mine", [])
            _wait_for(lambda: len(at(first + 1)) >= 2, what="the block after the garbage began")
            assert at(first + 1) == [("decision", "eth2x-fli"), ("error", "btc2x-fli")]
            (error,) = [line for line in lines if line["block"] == first + 1 and line["kind"] == "error"]
            assert "answered the leverage strategy read (getStrategy())" in error["detail"]
            proxy.rewrite(None)
            w3.provider.make_request("evm_mine", [])
            _wait_for(lambda: len(at(first + 2)) >= 2, what="the block after the garbage ended")
            assert at(first + 2) == [("decision", "eth2x-fli"), ("decision", "btc2x-fli")]
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 143
