"""`indexops plan` on the sandbox: the file, its review, and the GIM route executed against the real contracts."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from eth_abi import decode

from indexops.chain.calldata import canonical_type
from indexops.chain.connection import connect
from indexops.config.loader import load_config
from indexops.config.selection import choose_product
from indexops.plans import load_plan
from indexops.routes.calls import function_fragment
from indexops.sandbox.arbitrage import Arbitrageur
from indexops.sandbox.replay import replay
from indexops.workflows.plan import make_plan
from tests.paths import SHIPPED_PRODUCTS

pytestmark = pytest.mark.chain

def plan_dpi(cli, tmp_path, *extra):
    out = tmp_path / "dpi.plan.json"
    result = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--out", out, "--gas-price", "30", "--json", *extra)
    assert result.code == 0, result.err
    return out, result.json()


def _text(value) -> str:
    """A decoded argument as the plan file writes it (bytes as 0x-hex), lower-cased."""
    return ("0x" + value.hex() if isinstance(value, bytes) else str(value)).lower()


def execute_plan_steps(w3, book, plan):
    senders = {"operator": book["products"]["dpi"]["operator"], "trader": book["accounts"]["trader"]}
    return replay(w3, plan.steps, senders, Arbitrageur(w3, book))


def test_plan_file_steps_decode_to_their_arguments(cli, sandbox, tmp_path):
    out, printed = plan_dpi(cli, tmp_path)
    plan = load_plan(out)
    assert printed["plan"]["content_hash"] == plan.content_hash
    assert plan.route == "base-manager" and plan.chain_id == 31337
    for step in plan.steps:
        abi = "GeneralIndexModule" if step.phase == "trade" else "GIMExtension"
        fragment = function_fragment(abi, step.function.split("(")[0])
        values = decode([canonical_type(e) for e in fragment["inputs"]], bytes.fromhex(step.data[10:]))
        assert len(values) == len(step.args)
        for entry, value in zip(fragment["inputs"], values):
            expected = step.args[entry["name"]]
            if isinstance(value, tuple):
                assert [_text(v) for v in value] == [_text(v) for v in expected]
            else:
                assert str(value).lower() == str(expected).lower()
    sells = [s for s in plan.steps if s.side == "sell"]
    buys = [s for s in plan.steps if s.side == "buy"]
    assert max(s.index for s in sells) < min(s.index for s in buys)
    assert plan.totals.total_cost_usd <= plan.baseline.total_cost_usd


def test_executing_the_plan_reaches_the_target_units(cli, sandbox, w3, book, real, tmp_path):
    out, _ = plan_dpi(cli, tmp_path)
    plan = load_plan(out)
    execute_plan_steps(w3, book, plan)
    set_token = real("SetToken", plan.set_token)
    for row in plan.targets:
        if row.symbol == "WETH" or row.current_unit == row.target_unit:
            continue
        skipped = {t.symbol for t in plan.skipped}
        unit = set_token.functions.getDefaultPositionRealUnit(row.address).call()
        if row.symbol in skipped:
            continue
        assert unit == pytest.approx(row.target_unit, rel=2e-3), row.symbol
    gim = real("GeneralIndexModule", book["modules"]["gim"])
    trades = gim.events.TradeExecuted().get_logs(from_block=0)
    assert len(trades) == sum(1 for s in plan.steps if s.phase == "trade")


def test_show_re_renders_without_a_chain_and_refuses_an_edited_file(cli, sandbox, tmp_path):
    out, _ = plan_dpi(cli, tmp_path)
    shown = cli("show", out)
    assert shown.code == 0 and "Expected cost" in shown.out and "startRebalanceWithUnits" in shown.out
    document = json.loads(out.read_text())
    document["steps"][-1]["limits"] = {k: str(int(v) + 1) for k, v in document["steps"][-1]["limits"].items()}
    out.write_text(json.dumps(document, indent=2, sort_keys=True))
    refused = cli("show", out)
    assert refused.code == 2
    assert refused.err == (
        f"error: plan file {out} does not match its content hash: it was edited after it was written; re-run `indexops plan`\n"
    )


def test_same_inputs_give_byte_identical_plan_files(sandbox, tmp_path):
    target = choose_product(load_config(SHIPPED_PRODUCTS), "dpi", "sandbox")
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    files = []
    for name in ("a.json", "b.json"):
        connection = connect(sandbox.running.rpc_url, 31337)
        result = make_plan(connection, target, targets=None, gas_price_gwei=30, out=tmp_path / name, data_dir=tmp_path, now=when)
        files.append(result.path.read_bytes())
    assert files[0] == files[1]


def test_targets_file_adds_and_removes_components(cli, sandbox, w3, book, real, tmp_path):
    targets = tmp_path / "new.csv"
    targets.write_text("symbol,weight\nUNI,0.30\nAAVE,0.20\nMKR,0.15\nSNX,0.08\nCOMP,0.07\nYFI,0.06\nSUSHI,0.05\n"
                       "LRC,0.0\n1INCH,0.04\nBAL,0.02\nREN,0.0\nKNC,0.0\nMANA,0.02\nWETH,0.01\n")
    out, _ = plan_dpi(cli, tmp_path, "--targets", targets)
    plan = load_plan(out)
    rows = {r.symbol: r for r in plan.targets}
    assert rows["REN"].target_unit == 0 and rows["LRC"].target_unit == 0
    assert rows["MANA"].current_unit == 0 and rows["MANA"].target_unit > 0
    ren = [s for s in plan.steps if s.component == "REN"]
    assert ren and all(s.side == "sell" for s in ren)
    held = real("StandardTokenMock", book["tokens"]["REN"]).functions.balanceOf(plan.set_token).call()
    assert sum(s.expected["component_amount"] for s in ren) == held  # a removed component goes to zero


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("symbol,weight\nUNI,0.5\nDOGE,0.5\n", "unknown component 'DOGE': it is not in the network's token book"),
        ("symbol,weight\nUNI,0.5\nAAVE,0.4\n", "weights sum to 0.9, not 1 (tolerance 1e-09)"),
        ("symbol,weight\nUNI,lots\n", "line 2: UNI: not a number: 'lots'"),
        ("name,share\nUNI,1\n", "the first line must be `symbol,weight` or `symbol,units`"),
    ],
)
def test_bad_targets_file_is_one_line(cli, sandbox, tmp_path, content, message):
    targets = tmp_path / "bad.csv"
    targets.write_text(content)
    result = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--targets", targets, "--out", tmp_path / "x.json")
    assert result.code == 2
    assert result.err == f"error: {targets}: {message}\n"
    assert not (tmp_path / "x.json").exists()


def test_a_target_the_pools_cannot_reach_within_the_caps_names_the_component(cli, sandbox, tmp_path):
    config = tmp_path / "products.toml"
    config.write_text(SHIPPED_PRODUCTS.read_text().replace(
        "[products.dpi.execution]\ndefault_slippage_bps = 50\nmax_gas_price_gwei = 150\ncool_off = 600\nmax_duration_hours = 24",
        "[products.dpi.execution]\ndefault_slippage_bps = 50\nmax_gas_price_gwei = 150\ncool_off = 600\nmax_duration_hours = 0.5",
    ))
    result = cli("plan", "dpi", "--config", config, "--out", tmp_path / "x.json", "--gas-price", "30")
    assert result.code == 2
    assert result.err.startswith("error: REN: selling ") and "needs more than 3 chunks" in result.err
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("batch", [False, True], ids=["serial", "batch"])
def test_delegated_plan_executes_on_the_stand_in(cli, sandbox, w3, book, real, tmp_path, batch):
    out = tmp_path / "sbx.json"
    result = cli("plan", "sbx", "--config", SHIPPED_PRODUCTS, "--out", out, "--gas-price", "30", "--json",
                 *(["--batch"] if batch else []))
    assert result.code == 0, result.err
    plan = load_plan(out)
    abi = "delegated/BatchTradeExtension" if batch else "delegated/TradeExtension"
    for step in plan.steps:
        assert step.signer_role == "operator"
        assert step.function == ("batchTrade(address,(string,address,uint256,address,uint256,bytes)[])" if batch
                                 else "trade(address,string,address,uint256,address,uint256,bytes)")
        fragment = function_fragment(abi, step.function.split("(")[0])
        values = decode([canonical_type(e) for e in fragment["inputs"]], bytes.fromhex(step.data[10:]))
        assert values[0].lower() == plan.set_token.lower()
    if batch:
        assert plan.totals.transactions < plan.totals.trades or plan.totals.trades == 1
    operator = book["delegated"]["products"]["sbx"]["operator"]
    replay(w3, plan.steps, {"operator": operator}, Arbitrageur(w3, book))
    set_token = real("SetToken", plan.set_token)
    for row in plan.targets:
        if row.symbol == "WETH" or row.symbol in {t.symbol for t in plan.skipped} or row.current_unit == row.target_unit:
            continue
        unit = set_token.functions.getDefaultPositionRealUnit(row.address).call()
        assert unit == pytest.approx(row.target_unit, rel=5e-3), row.symbol


def test_batch_is_refused_for_the_gim_route(cli, sandbox, tmp_path):
    result = cli("plan", "dpi", "--config", SHIPPED_PRODUCTS, "--batch", "--out", tmp_path / "x.json")
    assert result.code == 2
    assert result.err == ("error: --batch needs the delegated route's BatchTradeExtension; dpi is managed by "
                          "'base-manager', whose trades are single calls (a Safe can batch its operator set-up)\n")


def test_weight_cap_is_applied_until_no_component_exceeds_it(cli, sandbox, tmp_path):
    config = tmp_path / "products.toml"
    config.write_text(SHIPPED_PRODUCTS.read_text().replace(
        "[products.dpi.execution]\n", "[products.dpi.execution]\nweight_cap = 0.16\n", 1))
    out = tmp_path / "capped.json"
    assert cli("plan", "dpi", "--config", config, "--out", out, "--gas-price", "30").code == 0
    weights = {row.symbol: row.target_weight for row in load_plan(out).targets}
    assert max(weights.values()) <= 0.16 + 1e-12
    assert weights["UNI"] == pytest.approx(0.16) and weights["AAVE"] == pytest.approx(0.16)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["SNX"] > 0.08  # the excess went to the uncapped names pro rata
