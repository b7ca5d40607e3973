"""`keeper run --metrics-port`: Prometheus metrics and /healthz scraped over HTTP from a running keeper on the
sandbox (ratio as status shows it, a ripcord counted after a crash, gas spent), and /healthz's 200 / 503."""

from __future__ import annotations

import signal
import socket
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from indexops.keeper.metrics import KeeperMetrics
from tests.keeper.test_keeper_run import _keeper_process, _reader, _wait_for
from tests.paths import SHIPPED_PRODUCTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def _samples(port: int) -> dict[tuple[str, tuple], float]:
    status, text = _get(f"http://127.0.0.1:{port}/metrics")
    if status != 200:
        return {}
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(port: int, name: str, **labels: str) -> float | None:
    return _samples(port).get((name, tuple(sorted(labels.items()))))


def test_healthz_is_503_before_a_block_200_after_one_and_503_when_blocks_stop():
    now = [100.0]
    metrics = KeeperMetrics(poll_seconds=1.0, stale_polls=3, clock=lambda: now[0])
    server = metrics.serve("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        assert _get(url)[0] == 503
        metrics.block(42)
        assert _get(url)[0] == 200
        now[0] += 3.5
        assert _get(url)[0] == 200
        now[0] += 1.0
        assert _get(url)[0] == 503
        assert _value(server.port, "indexops_keeper_last_block") == 42
    finally:
        server.close()


@pytest.mark.chain
def test_metrics_scraped_from_a_running_keeper_follow_the_ratio_and_count_a_ripcord(cli, sandbox, w3, tmp_path):
    port = _free_port()
    process = _keeper_process(tmp_path / "journal.sqlite3", "eth2x-fli", "--metrics-port", str(port))
    lines = _reader(process)
    try:
        _wait_for(lambda: _value(port, "indexops_keeper_leverage_ratio", product="eth2x-fli") is not None, what="metrics")
        status = cli("status", "eth2x-fli", "--json", "--config", SHIPPED_PRODUCTS).json()
        assert _value(port, "indexops_keeper_leverage_ratio", product="eth2x-fli") == status["leverage_ratio"]
        assert _value(port, "indexops_keeper_verdict", product="eth2x-fli", action="nothing") == 1
        assert _value(port, "indexops_keeper_balance_eth") > 0
        assert _value(port, "indexops_keeper_last_block") == w3.eth.block_number
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert (_value(port, "indexops_keeper_actions_sent_total", product="eth2x-fli", action="ripcord") or 0) == 0

        # paused while the price moves (several transactions): the keeper acts on the settled state, not between them
        assert cli("keeper", "pause", "eth2x-fli", "--config", SHIPPED_PRODUCTS).code == 0
        try:
            w3.provider.make_request("evm_mine", [])
            _wait_for(lambda: any(line["kind"] == "paused" for line in lines), what="the pause seen")
            assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
        finally:
            assert cli("keeper", "resume", "eth2x-fli", "--config", SHIPPED_PRODUCTS).code == 0
        w3.provider.make_request("evm_mine", [])  # a new block: the keeper decides again
        _wait_for(lambda: any(line["kind"] == "mined" for line in lines), what="the ripcord mined")

        def sent() -> list[str]:
            return [line["tx_hash"] for line in list(lines) if line["kind"] == "decision" and line["tx_hash"]]

        def mined() -> list[str]:
            return [line["tx_hash"] for line in list(lines) if line["kind"] == "mined"]

        def counted() -> bool:  # the counter is told each line right after it is written
            ripcords = _value(port, "indexops_keeper_actions_sent_total", product="eth2x-fli", action="ripcord")
            spent = sum(
                (r := w3.eth.get_transaction_receipt(tx))["gasUsed"] * r["effectiveGasPrice"] for tx in mined()
            )
            wei = _value(port, "indexops_keeper_gas_spent_wei_total", product="eth2x-fli")
            return ripcords == len(sent()) and wei == pytest.approx(spent)

        _wait_for(counted, what="the ripcord and its gas counted")
        assert len(sent()) >= 1 and all(d["action"] == "ripcord" for d in lines if d["kind"] == "decision" and d["tx_hash"])
        assert _value(port, "indexops_keeper_gas_spent_usd_total", product="eth2x-fli") > 0
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()


def test_a_busy_metrics_port_is_one_line_exit_2(cli, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli(
            "keeper", "run", "eth2x-fli", "--once", "--metrics-port", port, "--journal", tmp_path / "j.sqlite3",
            "--config", SHIPPED_PRODUCTS,
        )
    assert result.code == 2 and result.err.count("\n") == 1 and f"--metrics-port {port}" in result.err


@pytest.mark.parametrize("args", [["--help"], ["keeper", "run", "--help"]], ids=["help", "keeper-run-help"])
def test_help_imports_neither_prometheus_client_nor_apprise(args):
    import subprocess
    import sys

    code = (
        "import sys\nfrom indexops.cli.app import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('prometheus_client', 'apprise', 'web3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
