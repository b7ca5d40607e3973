"""`keeper run`'s alerts, delivered by apprise's json:// to a receiver on 127.0.0.1: a ripcord (with the ratio
out of band and a low keeper balance, each said once), an RPC failover; `[alerts]` checked in one line; and
one alert per condition until it clears, not one per block."""

from __future__ import annotations

import json
import signal
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from indexops.keeper.alerts import Alerter
from indexops.keeper.log import Line
from tests.keeper.test_keeper_run import _keeper_process, _reader, _wait_for
from tests.paths import SHIPPED_PRODUCTS

PRECISE = 10**18


class Receiver:
    """Collects the JSON bodies POSTed to it."""

    def __init__(self):
        self.posts: list[dict] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append(json.loads(body))
                receiver.paths.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def titles(self) -> list[str]:
        return [post["title"] for post in list(self.posts)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Forwarder:
    """A JSON-RPC pass-through to the sandbox that can be switched off (connection refused from then on)."""

    def __init__(self, target: str):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = urllib.request.Request(target, body, {"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as answer:
                    data = answer.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    got = Receiver()
    yield got
    got.close()


def _with_alerts(tmp_path: Path, alerts: str) -> Path:
    path = tmp_path / "products.toml"
    path.write_text(Path(SHIPPED_PRODUCTS).read_text(encoding="utf-8") + "\n[alerts]\n" + alerts, encoding="utf-8")
    return path


# ---- [alerts] in products.toml ------------------------------------------------------------------


@pytest.mark.parametrize(
    "alerts, key, words",
    [
        ('urls = ["not a url"]\n', "alerts.urls.0", "whitespace"),
        ('urls = ["json://127.0.0.1:1/ok", "hook-without-scheme/SECRET"]\n', "alerts.urls.1", "scheme://"),
        ('urls = ["json://${UNCLOSED/x"]\n', "alerts.urls.0", "malformed"),
        ('urls = "json://user:SECRET@127.0.0.1:1/x"\n', "alerts.urls", "must be a valid tuple"),
        ("urls = []\n", "alerts.urls", "at least one"),
        ('urls = ["json://127.0.0.1:1/x"]\nkeeper_min_eth = -1\n', "alerts.keeper_min_eth", "greater than 0"),
        ('urls = ["json://127.0.0.1:1/x"]\nkeeper_min_eth = "0.5"\n', "alerts.keeper_min_eth", "number"),
        ('urls = ["json://127.0.0.1:1/x"]\nmin_eth = 1\n', "alerts.min_eth", "unknown key"),
    ],
    ids=["whitespace", "no-scheme", "bad-reference", "not-a-list", "empty", "negative-min", "string-min", "unknown-key"],
)
def test_a_bad_alerts_table_is_one_line_naming_the_key(cli, tmp_path, alerts, key, words):
    config = _with_alerts(tmp_path, alerts)
    result = cli("products", "--config", config)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"{key}:" in result.err and words in result.err and "SECRET" not in result.err


def test_a_missing_variable_or_an_unknown_scheme_stops_keeper_run_before_any_chain_read(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("ALERT_TOKEN", raising=False)
    config = _with_alerts(tmp_path, 'urls = ["json://127.0.0.1:1/x", "json://127.0.0.1:1/${ALERT_TOKEN}"]\n')
    args = ("keeper", "run", "eth2x-fli", "--once", "--rpc-url", "http://127.0.0.1:1", "--config")
    result = cli(*args, config)
    assert result.code == 2 and result.err == (
        f"error: {config}: alerts.urls.1: environment variable ALERT_TOKEN is not set\n"
    )
    config = _with_alerts(tmp_path, 'urls = ["nosuchscheme://SECRET@127.0.0.1:1/x"]\n')
    result = cli(*args, config)
    assert result.code == 2 and result.err.count("\n") == 1 and "alerts.urls.0: apprise cannot use" in result.err
    assert "SECRET" not in result.err


# ---- once per condition -----------------------------------------------------------------------------


class Collect:
    def __init__(self):
        self.got: list[tuple[str, str]] = []

    def notify(self, title: str, body: str) -> bool:
        self.got.append((title, body))
        return True


def _decision(ratio: float, block: int):
    methodology = SimpleNamespace(min_leverage_ratio=int(1.8 * PRECISE), max_leverage_ratio=int(2.2 * PRECISE))
    reading = SimpleNamespace(contract_ratio=int(ratio * PRECISE), settings=SimpleNamespace(methodology=methodology))
    return SimpleNamespace(reading=reading, block=block, verdict=SimpleNamespace(action=SimpleNamespace(value="x")))


def test_a_condition_is_said_once_until_it_clears_and_events_each_time():
    sink = Collect()
    alerter = Alerter([], keeper_min_eth=1.0, source="products.toml", notifier=[sink])
    for block, (ratio, balance) in enumerate([(2.0, 5), (2.5, 5), (2.6, 0.5), (2.7, 0.4), (2.0, 2), (2.4, 0.9)]):
        alerter.decision("eth2x-fli", _decision(ratio, block), int(balance * 10**18))
    for _ in range(2):
        alerter.line(Line("error", "eth2x-fli", 7, action="ripcord", detail="simulation reverts: x; nothing was sent"))
    alerter.line(Line("decision", "eth2x-fli", 8, action="ripcord", tx_hash="0xab"))
    alerter.line(Line("bumped", "eth2x-fli", 9, action="ripcord", tx_hash="0xcd", nonce=3, attempt=2))
    alerter.failover("http://a:1", "http://b:2", "connection refused")
    alerter.close()
    titles = [title for title, _ in sink.got]
    assert titles == [
        "eth2x-fli: leverage ratio outside the band",  # 2.5, not again at 2.6 or 2.7
        "keeper balance low",  # 0.5, not again at 0.4
        "eth2x-fli: leverage ratio outside the band",  # cleared at 2.0, out again at 2.4
        "keeper balance low",
        "eth2x-fli: ripcord fails",
        "eth2x-fli: ripcord sent",
        "eth2x-fli: transaction replaced",
        "RPC failover",
    ]
    assert "2.5000x" in sink.got[0][1] and "connection refused" in sink.got[-1][1]


# ---- on the sandbox -------------------------------------------------------------------------------


@pytest.mark.chain
def test_a_ripcord_is_alerted_once_with_the_band_and_the_low_balance(cli, sandbox, w3, receiver, tmp_path):
    config = _with_alerts(tmp_path, f'urls = ["json://127.0.0.1:{receiver.port}/keeper"]\nkeeper_min_eth = 100\n')
    w3.provider.make_request("anvil_setBalance", [w3.eth.accounts[9], hex(50 * 10**18)])
    assert cli("sandbox", "price", "WETH", "--by", "-25").code == 0
    result = cli(
        "keeper", "run", "eth2x-fli", "--once", "--poll-seconds", "0.1", "--log-format", "json",
        "--journal", tmp_path / "journal.sqlite3", "--config", config,
    )  # fmt: skip
    assert result.code == 0, result.err
    sent = [json.loads(line) for line in result.out.splitlines() if '"decision"' in line]
    (ripcord,) = [line for line in sent if line["tx_hash"]]
    assert sorted(receiver.titles()) == [
        "eth2x-fli: leverage ratio outside the band",
        "eth2x-fli: ripcord sent",
        "keeper balance low",
    ]
    assert set(receiver.paths) == {"/keeper"}
    (post,) = [p for p in receiver.posts if p["title"] == "eth2x-fli: ripcord sent"]
    assert ripcord["tx_hash"] in post["message"]


@pytest.mark.chain
def test_an_rpc_failover_is_alerted(sandbox, w3, receiver, tmp_path):
    forwarder = Forwarder(sandbox.running.rpc_url)
    config = _with_alerts(tmp_path, f'urls = ["json://127.0.0.1:{receiver.port}/rpc"]\n')
    process = _keeper_process(
        tmp_path / "journal.sqlite3", "eth2x-fli", "--rpc-url", forwarder.url, "--rpc-url", sandbox.running.rpc_url,
        config=config,
    )  # fmt: skip
    lines = _reader(process)
    try:
        _wait_for(lambda: any(line["kind"] == "decision" for line in lines), what="a first decision")
        forwarder.close()
        w3.provider.make_request("evm_mine", [])
        _wait_for(lambda: "RPC failover" in receiver.titles(), what="the failover alert")
        (post,) = [p for p in receiver.posts if p["title"] == "RPC failover"]
        assert forwarder.url in post["message"] and sandbox.running.rpc_url in post["message"]
        _wait_for(lambda: len({line["block"] for line in lines if line["kind"] == "decision"}) >= 2, what="served on")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
