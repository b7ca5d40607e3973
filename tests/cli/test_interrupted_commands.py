"""Every command, interrupted: one line saying so and how to run it again, exit 130 for SIGINT and 143 for SIGTERM.

The command here waits on an RPC that accepts the connection and never answers, as a stuck node would.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "products.toml"


@pytest.fixture
def silent_rpc():
    """A TCP server that accepts and never answers; `.called` is set once a client is connected."""
    server = socket.create_server(("127.0.0.1", 0))
    called, held = threading.Event(), []

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)
            called.set()

    threading.Thread(target=serve, daemon=True).start()
    yield SimpleNamespace(port=server.getsockname()[1], called=called)
    server.close()
    for connection in held:
        connection.close()


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_command_says_so_and_exits_with_the_signals_code(silent_rpc, tmp_path, signum, code):
    url = f"http://127.0.0.1:{silent_rpc.port}/v2/SECRETKEY"
    command = [sys.executable, "-m", "indexops", "status", "dpi", "--config", str(SHIPPED), "--rpc-url", url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "INDEXOPS_HOME": str(tmp_path)})
    assert silent_rpc.called.wait(30), "the command never reached the RPC"
    time.sleep(0.2)
    sent = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=10)
    assert time.monotonic() - sent < 2
    assert process.returncode == code
    name = signal.Signals(signum).name
    again = shlex.join(["indexops", "status", "dpi", "--config", str(SHIPPED), "--rpc-url", "<RPC URL>"])
    assert err == f"error: interrupted by {name}; to run it again: {again}\n"
    assert out == "" and "SECRETKEY" not in err
