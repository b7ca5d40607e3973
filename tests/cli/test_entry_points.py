"""The installed entry points exit with the command's code, as shells and CI scripts read it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("indexops")


@pytest.mark.parametrize("command", [[sys.executable, "-m", "indexops"], [str(SCRIPT)]], ids=["module", "script"])
def test_exit_codes_reach_the_shell(command, tmp_path):
    bad = tmp_path / "products.toml"
    bad.write_text('default_network = "nowhere"\n[networks.x]\nchain_id = 1\nrpc_url = "http://127.0.0.1:1"\npricing_venue = "v"\n')
    failed = subprocess.run([*command, "products", "check", "--config", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr and failed.stderr.startswith("error: ")
    ok = subprocess.run([*command, "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("indexops ")


def test_an_rpc_url_with_a_key_is_never_printed():
    from indexops.chain.connection import connect
    from indexops.errors import ChainError

    url = "http://127.0.0.1:1/v2/SECRETKEY123?key=SECRETKEY456"
    try:
        connect(url, 1)
    except ChainError as error:
        message = str(error)
    assert "SECRETKEY" not in message
    assert message.startswith("cannot reach the RPC at http://127.0.0.1:1 (")


def test_a_command_that_exits_with_a_code_keeps_it(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path))
    down = cli("sandbox", "status")
    assert down.code == 1 and "The sandbox is down" in down.out
