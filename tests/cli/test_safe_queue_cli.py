"""The queue verbs refuse bad input in one line, exit 2, before any chain or service is asked (none runs here)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "products.toml"
SAFE = "0x4E218dF5bcbeC2240a4293De369F4f5f17e0Edb7"
HASH = "0x" + "ab" * 32
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "home"))
    for name in ("SAFE_TRANSACTION_SERVICE_URL", "SAFE_TRANSACTION_SERVICE_API_KEY", "INDEXOPS_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)


CASES = {
    "confirm, a short hash": (["confirm", "0x1234", "--service", NOWHERE], "SAFE_TX_HASH: expected 32 bytes, got 2"),
    "confirm, two ways at once": (["confirm", HASH, "--service", NOWHERE, "--eth-sign", "--approve-hash"],
                                  "--eth-sign, --approve-hash and --as-owner are three ways to confirm: choose one"),
    "confirm, a bad owner Safe": (["confirm", HASH, "--service", NOWHERE, "--as-owner", "0x12"],
                                  "--as-owner: not an address: '0x12'"),
    "confirm, a service URL that is not HTTP": (["confirm", HASH, "--service", "ftp://x"],
                                                "service URL: 'ftp://x' must start with http:// or https://"),
    "pending, not an address": (["pending", "0x123", "--service", NOWHERE], "SAFE: not an address: '0x123'"),
    "pending, an unknown network": (["pending", SAFE, "--service", NOWHERE, "--network", "nowhere"],
                                    "unknown network 'nowhere'"),
    "exec by hash without a service": (["exec", HASH], "a safeTxHash is executed from a Transaction Service's queue: give --service"),
    "exec of a file with --network": (["exec", "missing.safetx.json", "--network", "sandbox"],
                                      "--network goes with a safeTxHash: a file names its own network"),
    "reject, a bad --safe": (["reject", "1", "--service", NOWHERE, "--safe", "0xnope"], "--safe: not an address"),
    "info, not an address": (["info", "nope"], "SAFE: not an address: 'nope'"),
}


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_bad_input_is_one_line_and_exit_2(cli, name):
    args, message = CASES[name]
    result = cli("safe", *args, "--config", SHIPPED)
    assert result.code == 2, (result.code, result.err)
    assert result.err.count("\n") == 1 and message in result.err, result.err
    assert result.out == ""


def test_a_negative_nonce_is_refused_by_the_parser(cli):
    result = cli("safe", "reject", "-1", "--service", NOWHERE, "--config", SHIPPED)
    assert result.code == 2 and result.out == ""


def test_the_service_url_can_come_from_the_environment(cli, monkeypatch):
    monkeypatch.setenv("SAFE_TRANSACTION_SERVICE_URL", "ftp://from-env")
    result = cli("safe", "pending", SAFE, "--config", SHIPPED)
    assert result.code == 2 and "'ftp://from-env' must start with http://" in result.err
