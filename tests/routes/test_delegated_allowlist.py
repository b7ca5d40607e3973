"""A delegated plan that buys an asset the DelegatedManager does not allow is refused before anything is
sent: when it is planned, and again before its first transaction."""

from __future__ import annotations

import pytest

from indexops.chain.abis import contract
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

SBX_WITH_YFI = "symbol,weight\nUNI,0.25\nAAVE,0.17\nCOMP,0.18\nSNX,0.15\nMANA,0.15\nYFI,0.05\nWETH,0.05\n"


@pytest.fixture
def yfi_targets(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(SBX_WITH_YFI)
    return path


def _manager(w3, book):
    sbx = book["delegated"]["products"]["sbx"]
    return contract(w3, "delegated/DelegatedManager", sbx["delegated_manager"]), sbx


def _as_owner(w3, manager, call):
    owner = manager.functions.owner().call()
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": owner}))
    assert receipt.status == 1


@pytest.mark.parametrize("batch", [False, True])
def test_planning_a_disallowed_asset_is_refused_in_one_line(cli, sandbox, w3, book, real, tmp_path, yfi_targets, batch):
    manager, _ = _manager(w3, book)
    yfi = book["tokens"]["YFI"]
    assert manager.functions.useAssetAllowlist().call() and not manager.functions.isAllowedAsset(yfi).call()
    out = tmp_path / "sbx.plan.json"
    result = cli("plan", "sbx", "--config", SHIPPED_PRODUCTS, "--targets", yfi_targets, "--out", out,
                 *(["--batch"] if batch else []))
    assert result.code == 2
    line = result.err.strip()
    assert "\n" not in line and f"YFI ({yfi}) is not on its asset allowlist" in line
    assert f"addAllowedAssets([{yfi}])" in line and not out.exists()


def test_an_asset_removed_after_planning_is_refused_before_the_first_send(cli, sandbox, w3, book, real, tmp_path,
                                                                          yfi_targets):
    manager, sbx = _manager(w3, book)
    yfi = book["tokens"]["YFI"]
    _as_owner(w3, manager, manager.functions.addAllowedAssets([yfi]))
    out = tmp_path / "sbx.plan.json"
    planned = cli("plan", "sbx", "--config", SHIPPED_PRODUCTS, "--targets", yfi_targets, "--out", out)
    assert planned.code == 0, planned.err
    _as_owner(w3, manager, manager.functions.removeAllowedAssets([yfi]))
    operator = sbx["operator"]
    nonce = w3.eth.get_transaction_count(operator)
    result = cli("execute", out, "--config", SHIPPED_PRODUCTS, "--journal", tmp_path / "j.sqlite3", "--yes",
                 "--account", "7", "--force")
    assert result.code == 2
    assert "YFI" in result.err and "addAllowedAssets" in result.err and "nothing was sent" in result.err
    assert w3.eth.get_transaction_count(operator) == nonce
