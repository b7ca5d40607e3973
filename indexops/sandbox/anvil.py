"""Start, find and stop the sandbox's anvil process; its state lives in one JSON file."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from indexops.errors import SandboxError
from indexops.paths import user_data_dir
from indexops.units import duration

SANDBOX_CHAIN_ID = 31337
DEFAULT_PORT = 8545
DEV_ACCOUNT_BALANCE_ETH = 100_000_000
START_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class RunningSandbox:
    pid: int
    port: int
    anvil: str
    started_at: float

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def sandbox_dir() -> Path:
    return user_data_dir() / "sandbox"


def _state_file() -> Path:
    return sandbox_dir() / "sandbox.json"


def read_running() -> RunningSandbox | None:
    """The sandbox this user started, if its process is still alive."""
    try:
        state = RunningSandbox(**json.loads(_state_file().read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    return state if _is_our_anvil(state) else None


# Without a bound anvil writes every block's state under ~/.foundry/anvil/tmp and never deletes it: a day of
# blocks (the keeper benchmark) took 6 GB, and the directories of killed anvils stay. Reads at older blocks
# than these are refused by the node.
KEPT_STATES = 500


def start_anvil(anvil: Path, port: int | None = None) -> RunningSandbox:
    """Start anvil on 127.0.0.1 (the given port, 8545 if free, else any free port)."""
    port = port or (DEFAULT_PORT if _port_is_free(DEFAULT_PORT) else _free_port())
    if not _port_is_free(port):
        raise SandboxError(f"port {port} on 127.0.0.1 is in use: pick another with --port")
    sandbox_dir().mkdir(parents=True, exist_ok=True)
    log = open(sandbox_dir() / "anvil.log", "wb")
    command = [
        str(anvil),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chain-id",
        str(SANDBOX_CHAIN_ID),
        "--balance",
        str(DEV_ACCOUNT_BALANCE_ETH),
        "--code-size-limit",
        "50000",
        "--prune-history",  # states past the last KEPT_STATES blocks are dropped, never written to disk
        str(KEPT_STATES),
    ]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    state = RunningSandbox(pid=process.pid, port=port, anvil=str(anvil), started_at=time.time())
    _wait_until_answering(state, process)
    _state_file().write_text(json.dumps(asdict(state)))
    (sandbox_dir() / "anvil.pid").write_text(str(process.pid))
    return state


def stop_anvil(state: RunningSandbox) -> None:
    try:
        os.kill(state.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while _pid_alive(state.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(state.pid):
        os.kill(state.pid, signal.SIGKILL)
    forget_state()


def forget_state() -> None:
    for name in ("sandbox.json", "anvil.pid", "deployment.json"):
        (sandbox_dir() / name).unlink(missing_ok=True)


def _wait_until_answering(state: RunningSandbox, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(f"anvil exited at start (code {process.returncode}): see {sandbox_dir() / 'anvil.log'}")
        try:
            with socket.create_connection(("127.0.0.1", state.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SandboxError(f"anvil did not answer on port {state.port} within {duration(START_TIMEOUT_SECONDS)}")


def _is_our_anvil(state: RunningSandbox) -> bool:
    """True when the PID is alive and is the anvil we started (not a recycled PID)."""
    if not _pid_alive(state.pid):
        return False
    try:
        command_line = Path(f"/proc/{state.pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (macOS): trust the live PID
    return any(part.endswith(b"anvil") for part in command_line) and str(state.port).encode() in command_line


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return status != "Z"
    except OSError:
        return True


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
