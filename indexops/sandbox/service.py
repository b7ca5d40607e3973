"""The sandbox's life cycle: up, down, status, reset. Used by the CLI and by tests alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from indexops.errors import SandboxError
from indexops.sandbox import anvil
from indexops.sandbox.toolchain import Toolchain, install_toolchain, load_toolchain

# Wiping and deploying the local chain: a busy machine can make one of these requests take seconds, and
# losing one (the default timeout) would leave a half-deployed sandbox.
DEPLOY_REQUEST_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SandboxStatus:
    running: anvil.RunningSandbox | None
    deployment: dict | None
    already_up: bool = False


def deployment_file():
    return anvil.sandbox_dir() / "deployment.json"


def status() -> SandboxStatus:
    running = anvil.read_running()
    deployment = None
    if running is not None and deployment_file().is_file():
        deployment = json.loads(deployment_file().read_text())
    return SandboxStatus(running=running, deployment=deployment)


def running_rpc_url() -> str | None:
    running = anvil.read_running()
    return running.rpc_url if running else None


def up(
    port: int | None = None,
    toolchain: Toolchain | None = None,
    products_file: Path | None = None,
    leverage: bool = True,
) -> SandboxStatus:
    """Start anvil and deploy; a no-op when this user's sandbox is already up and deployed.

    The leverage products' strategy settings come from `products_file` (default: the shipped
    products.toml, see `leverage_settings`); `leverage=False` deploys the index products only.
    """
    current = status()
    if current.running is not None and current.deployment is not None:
        return SandboxStatus(current.running, current.deployment, already_up=True)
    toolchain = toolchain or install_toolchain()
    if current.running is not None:  # alive but never finished deploying: start over
        anvil.stop_anvil(current.running)
    settings = _leverage_settings(products_file) if leverage else None
    running = anvil.start_anvil(toolchain.anvil, port)
    try:
        deployment = _deploy(running, toolchain, settings)
    except BaseException:
        anvil.stop_anvil(running)
        raise
    return SandboxStatus(running, deployment)


def down() -> anvil.RunningSandbox | None:
    """Stop the anvil this user started (and nothing else); returns what was stopped."""
    running = anvil.read_running()
    if running is None:
        anvil.forget_state()
        return None
    anvil.stop_anvil(running)
    return running


def reset(products_file: Path | None = None) -> SandboxStatus:
    """Wipe the running chain and deploy again (same port); starts the sandbox if it is down."""
    running = anvil.read_running()
    if running is None:
        return up(products_file=products_file)
    toolchain = load_toolchain()
    settings = _leverage_settings(products_file)
    from indexops.chain.connection import connect

    node = connect(running.rpc_url, anvil.SANDBOX_CHAIN_ID, timeout=DEPLOY_REQUEST_TIMEOUT_SECONDS).w3.provider
    node.make_request("anvil_reset", [])
    deployment_file().unlink(missing_ok=True)
    return SandboxStatus(running, _deploy(running, toolchain, settings))


def _leverage_settings(products_file: Path | None):
    from indexops.sandbox import scenario
    from indexops.sandbox.leverage_settings import load_strategy_settings

    return load_strategy_settings([spec.key for spec in scenario.LEVERAGE_PRODUCTS], products_file)


def _deploy(running: anvil.RunningSandbox, toolchain: Toolchain, leverage=None) -> dict:
    from indexops.chain.connection import connect
    from indexops.sandbox.artifacts import ArtifactStore
    from indexops.sandbox.deploy import deploy_sandbox

    connection = connect(running.rpc_url, anvil.SANDBOX_CHAIN_ID, "sandbox", timeout=DEPLOY_REQUEST_TIMEOUT_SECONDS)
    try:
        deployment = deploy_sandbox(connection.w3, ArtifactStore(toolchain), leverage)
    except SandboxError:
        raise
    except Exception as error:
        raise SandboxError(f"sandbox deployment failed: {str(error).splitlines()[0][:200]}") from error
    deployment_file().write_text(json.dumps(deployment, indent=1))
    return deployment
