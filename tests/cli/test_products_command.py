"""`indexops products` and `indexops products check` through the real entry point.

A bad products file is a usage problem: exit code 2, one `error: ` line per problem on
stderr, no traceback, and nothing on stdout (so `--json` consumers never parse an error).
No test here touches a chain or the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexops.cli.app import main

SHIPPED = Path(__file__).resolve().parents[2] / "products.toml"

from tests.products_base import (
    BASE,
    COMPONENT_UNI,
    COMPONENT_WETH,
    IDX_MAINNET_MODULES,
    IDX_SANDBOX_EXTENSIONS,
    IDX_SANDBOX_SET_TOKEN,
    LEV_LEVERAGE,
    edit,
)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No products.toml from the working directory or the user's config dir, no RPC key from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INDEXOPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ETH_RPC_KEY", raising=False)


@pytest.fixture
def write(tmp_path):
    def write(text: str, name: str = "products.toml") -> Path:
        path = tmp_path / "cfg" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_usage_error(result: tuple[int, str, str], lines: list[str]) -> None:
    code, out, err = result
    assert "Traceback" not in out + err
    assert out == ""
    assert err == "".join(f"error: {line}\n" for line in lines)
    assert code == 2


# ---------------------------------------------------------------------------------------------
# Valid files
# ---------------------------------------------------------------------------------------------


def test_check_prints_the_valid_line(capsys, write):
    path = write(BASE)
    assert run(capsys, "products", "check", "--config", str(path)) == (0, f"✓ {path}: valid (2 products, 2 networks)\n", "")


def test_check_json(capsys, write):
    path = write(BASE)
    code, out, err = run(capsys, "products", "check", "--config", str(path), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"ok": True, "checked": [f"{path}: valid (2 products, 2 networks)"]}


def test_check_shipped_products_file(capsys):
    assert run(capsys, "products", "check", "--config", str(SHIPPED)) == (
        0, f"✓ {SHIPPED}: valid (6 products, 2 networks)\n", "",
    )


def test_check_finds_products_toml_in_the_working_directory(capsys, tmp_path):
    (tmp_path / "products.toml").write_text(BASE, encoding="utf-8")
    assert run(capsys, "products", "check") == (0, f"✓ {tmp_path / 'products.toml'}: valid (2 products, 2 networks)\n", "")


def test_products_lists_products_and_deployments(capsys, write):
    path = write(BASE)
    code, out, err = run(capsys, "products", "--config", str(path))
    assert (code, err) == (0, "")
    rows = [line for line in out.splitlines() if line.startswith("│")]
    cells = [[cell.strip() for cell in row.strip("│").split("│")] for row in rows]
    assert cells == [
        ["idx", "Test Index (IDX)", "index", "mainnet", "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b", "base-manager"],
        ["", "", "", "sandbox", "0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81", "delegated"],
        ["lev", "Test Leverage (LEV)", "leverage", "mainnet", "0xAa6E8127831c9DE45ae56bB1b0d4D4Da6e5665BD", "base-manager"],
    ]
    assert f"Products in {path} (default network: sandbox)" in " ".join(out.split())  # the title may wrap


def test_products_json(capsys, write):
    path = write(BASE)
    code, out, err = run(capsys, "products", "--config", str(path), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "config": str(path),
        "default_network": "sandbox",
        "products": [
            {"key": "idx", "name": "Test Index", "symbol": "IDX", "kind": "index", "networks": {
                "mainnet": {"set_token": "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b", "manager_kind": "base-manager"},
                "sandbox": {"set_token": "0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81", "manager_kind": "delegated"},
            }},
            {"key": "lev", "name": "Test Leverage", "symbol": "LEV", "kind": "leverage", "networks": {
                "mainnet": {"set_token": "0xAa6E8127831c9DE45ae56bB1b0d4D4Da6e5665BD", "manager_kind": "base-manager"},
            }},
        ],
    }


def test_products_json_for_the_shipped_file(capsys):
    code, out, err = run(capsys, "products", "--config", str(SHIPPED), "--json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [p["key"] for p in listed["products"]] == ["dpi", "mvi", "eth2x-fli", "btc2x-fli", "sbx", "pix"]
    assert {p["key"]: sorted(p["networks"]) for p in listed["products"]} == {
        "dpi": ["mainnet", "sandbox"], "mvi": ["sandbox"], "eth2x-fli": ["mainnet", "sandbox"], "btc2x-fli": ["sandbox"],
        "sbx": ["sandbox"], "pix": ["sandbox"],
    }


# ---------------------------------------------------------------------------------------------
# Bad files: exit 2, one error line each, nothing on stdout
# ---------------------------------------------------------------------------------------------

BAD = [
    pytest.param(
        [(COMPONENT_WETH, "WETH = { weight = 0.3 }")],
        ["products.idx.components: weights sum to 0.9, not 1 (tolerance 1e-09)"],
        id="weights-sum",
    ),
    pytest.param(
        [('"0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"', '"0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b"')],
        ["products.idx.deployments.mainnet.set_token: address is not checksummed: "
         "0x1494ca1f11d487c2bbe4543e90080aeba4ba3c2b (expected 0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b)"],
        id="not-checksummed",
    ),
    pytest.param(
        [('"0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"', '"0x1494CA1F"')],
        ["products.idx.deployments.mainnet.set_token: not an address: '0x1494CA1F' (8 hex digits after 0x, expected 40)"],
        id="address-wrong-length",
    ),
    pytest.param(
        [(COMPONENT_WETH, "WETH = { weight = -0.4 }")],
        ["products.idx.components.WETH.weight: must be greater than or equal to 0 (got -0.4)"],
        id="negative-weight",
    ),
    pytest.param(
        [(COMPONENT_WETH, "WETH = { weight = 0.4, units = 2 }")],
        ["products.idx.components.WETH: give exactly one of weight or units, not both"],
        id="weight-and-units",
    ),
    pytest.param(
        [('manager_kind = "delegated"', 'manager_kind = "multisig"')],
        ["products.idx.deployments.sandbox.manager_kind: must be 'delegated', 'base-manager' or 'direct' (got 'multisig')"],
        id="unknown-manager-kind",
    ),
    pytest.param(
        [(IDX_SANDBOX_SET_TOKEN, IDX_SANDBOX_SET_TOKEN.replace("set_token", "set_tokn"))],
        ["products.idx.deployments.sandbox.set_token: missing required key",
         "products.idx.deployments.sandbox.set_tokn: unknown key"],
        id="typo-set_tokn",
    ),
    pytest.param(
        [("chain_id = 31337\n", "")],
        ["networks.sandbox.chain_id: missing required key"],
        id="missing-chain_id",
    ),
    pytest.param(
        [('UNI = { address = "0x322813Fd9A801c5507c9de605d63CEA4f2CE6c44", decimals = 18 }\n', "")],
        ["products.idx.components.UNI: token 'UNI' is not in networks.sandbox.tokens"],
        id="token-not-in-book",
    ),
    pytest.param(
        [(COMPONENT_UNI, 'UNI = { weight = 0.6, venues = ["uniswap-v3"] }')],
        ["products.idx.components.UNI.venues: unknown venue 'uniswap-v3' on network 'mainnet' (venues: uniswap-v2)",
         "products.idx.components.UNI.venues: unknown venue 'uniswap-v3' on network 'sandbox' (venues: uniswap-v2)"],
        id="unknown-venue",
    ),
    pytest.param(
        [('default_network = "sandbox"', 'default_network = "anvil"')],
        ["default_network: unknown network 'anvil' (networks: mainnet, sandbox)"],
        id="default_network-undefined",
    ),
    pytest.param(
        [("[products.idx.deployments.sandbox]", "[products.idx.deployments.base]")],
        ["products.idx.deployments.base: unknown network 'base' (networks: mainnet, sandbox)"],
        id="deployment-network-undefined",
    ),
    pytest.param(
        [('rpc_url = "https://eth.example/v2/${ETH_RPC_KEY}"\n', "")],
        ["networks.mainnet.rpc_url: missing: a network other than the sandbox needs an RPC URL"],
        id="mainnet-without-rpc_url",
    ),
    pytest.param(
        [(COMPONENT_WETH, 'WETH = { weight = 0.4, exchange_data = "0x1" }')],
        ["products.idx.components.WETH.exchange_data: not whole bytes: '0x1' has an odd number of hex digits (1)"],
        id="exchange_data-odd",
    ),
    pytest.param(
        [(LEV_LEVERAGE, LEV_LEVERAGE.replace("max = 2.3", "max = 1.9"))],
        ["products.lev.leverage: must satisfy min <= target <= max < ripcord (got min 1.7, target 2.0, max 1.9, ripcord 2.7)"],
        id="leverage-bounds",
    ),
    pytest.param(
        [(LEV_LEVERAGE, "")],
        ["products.lev.leverage: missing: a leverage product needs its leverage settings"],
        id="leverage-without-settings",
    ),
    pytest.param(
        [(IDX_MAINNET_MODULES, IDX_MAINNET_MODULES.replace("gim =", "streaming_fee ="))],
        ["products.idx.deployments.mainnet.modules.gim: missing: manager kind 'base-manager' trades through it"],
        id="base-manager-without-gim",
    ),
    pytest.param(
        [(IDX_SANDBOX_EXTENSIONS, "")],
        ["products.idx.deployments.sandbox.extensions.trade: missing: manager kind 'delegated' trades through it"],
        id="delegated-without-trade-extension",
    ),
    pytest.param(
        [('router = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"', 'router = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"\nfee_bps = 12000')],
        ["networks.mainnet.venues.uniswap-v2.fee_bps: must be less than 10000 (got 12000)"],
        id="fee_bps-out-of-range",
    ),
    pytest.param(
        [("decimals = 6 }\nUNI = { address = \"0x1f98", "decimals = 40 }\nUNI = { address = \"0x1f98")],
        ["networks.mainnet.tokens.USDC.decimals: must be less than or equal to 36 (got 40)"],
        id="decimals-out-of-range",
    ),
    pytest.param(
        [("[networks.sandbox]\n", "[networks.sandbox\n")],
        ["invalid TOML: Expected ']' at the end of a table declaration (at line 18, column 18)"],
        id="invalid-toml",
    ),
    pytest.param(
        [(COMPONENT_WETH, COMPONENT_WETH + "\nWETH = { weight = 0.1 }")],
        ["invalid TOML: duplicate key 'products.idx.components.WETH': set a second time at line 40 "
         "(each key may be given only once)"],
        id="component-listed-twice",
    ),
]


@pytest.mark.parametrize(("replacements", "expected"), BAD)
def test_check_reports_each_problem_on_one_error_line(capsys, write, replacements, expected):
    path = write(edit(BASE, *replacements))
    result = run(capsys, "products", "check", "--config", str(path))
    assert_usage_error(result, [f"{path}: {line}" for line in expected])


@pytest.mark.parametrize(("replacements", "expected"), BAD[:6])
def test_json_output_gets_no_error_on_stdout(capsys, write, replacements, expected):
    path = write(edit(BASE, *replacements))
    for argv in (["products", "check", "--json"], ["products", "--json"]):
        result = run(capsys, *argv, "--config", str(path))
        assert_usage_error(result, [f"{path}: {line}" for line in expected])


def test_bad_lines_in_the_toml_case_are_where_the_cases_say(write):
    """The two TOML cases above name line numbers; check they are the lines that were edited."""
    bad = edit(BASE, ("[networks.sandbox]\n", "[networks.sandbox\n")).splitlines()
    assert bad[18 - 1] == "[networks.sandbox"
    twice = edit(BASE, (COMPONENT_WETH, COMPONENT_WETH + "\nWETH = { weight = 0.1 }")).splitlines()
    assert twice[40 - 1] == "WETH = { weight = 0.1 }"


def test_several_problems_give_several_error_lines(capsys, write):
    path = write(edit(
        BASE,
        ('default_network = "sandbox"', 'default_network = "anvil"'),
        (COMPONENT_WETH, "WETH = { weight = 0.3 }"),
        (IDX_SANDBOX_EXTENSIONS, ""),
        (LEV_LEVERAGE, LEV_LEVERAGE.replace("ripcord = 2.7", "ripcord = 2.0")),
    ))
    result = run(capsys, "products", "check", "--config", str(path))
    assert_usage_error(result, [
        f"{path}: default_network: unknown network 'anvil' (networks: mainnet, sandbox)",
        f"{path}: products.idx.components: weights sum to 0.9, not 1 (tolerance 1e-09)",
        f"{path}: products.idx.deployments.sandbox.extensions.trade: missing: manager kind 'delegated' trades through it",
        f"{path}: products.lev.leverage: must satisfy min <= target <= max < ripcord "
        "(got min 1.7, target 2.0, max 2.3, ripcord 2.0)",
    ])


def test_not_utf8(capsys, write, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'default_network = "caf\xe9"\n')
    result = run(capsys, "products", "check", "--config", str(path))
    assert_usage_error(result, [f"{path}: not UTF-8 text: invalid continuation byte at byte 22"])


# ---------------------------------------------------------------------------------------------
# Finding the file, choosing product and network
# ---------------------------------------------------------------------------------------------


def test_config_path_that_does_not_exist(capsys, tmp_path):
    missing = tmp_path / "missing.toml"
    for argv in (["products", "check"], ["products"], ["status", "idx"]):
        assert_usage_error(run(capsys, *argv, "--config", str(missing)), [f"{missing}: no such products file"])


def test_config_option_without_a_path(capsys):
    assert run(capsys, "products", "check", "--config") == (2, "", "Error: Option '--config' requires an argument.\n")


def test_no_products_file_anywhere(capsys, tmp_path):
    result = run(capsys, "products", "check")
    assert_usage_error(result, [
        f"no products file: looked for {tmp_path / 'products.toml'} and {tmp_path / 'home' / 'config' / 'products.toml'}; "
        "pass --config PATH"
    ])


def test_check_with_unknown_network(capsys, write):
    path = write(BASE)
    for flag in ("--network", "-n"):
        result = run(capsys, "products", "check", "--config", str(path), flag, "goerli")
        assert_usage_error(result, [f"{path}: networks: unknown network 'goerli' (networks: mainnet, sandbox)"])


def test_check_network_with_rpc_variable_unset(capsys, write):
    path = write(BASE)
    result = run(capsys, "products", "check", "--config", str(path), "--network", "mainnet")
    assert_usage_error(result, [
        f"{path}: networks.mainnet.rpc_url: environment variable ETH_RPC_KEY is not set "
        "(export it, or pass --rpc-url)"
    ])


def test_status_of_unknown_product(capsys, write):
    path = write(BASE)
    result = run(capsys, "status", "dpx", "--config", str(path), "--network", "mainnet")
    assert_usage_error(result, [f"{path}: products: unknown product 'dpx' (products: idx, lev)"])


def test_status_of_product_not_on_the_network(capsys, write):
    path = write(BASE)
    result = run(capsys, "status", "lev", "--config", str(path), "--network", "sandbox")
    assert_usage_error(result, [f"{path}: products.lev.deployments: lev is not deployed on 'sandbox' (deployed on: mainnet)"])


def test_status_with_unknown_network(capsys, write):
    path = write(BASE)
    result = run(capsys, "status", "idx", "--config", str(path), "--network", "goerli")
    assert_usage_error(result, [f"{path}: networks: unknown network 'goerli' (networks: mainnet, sandbox)"])


def test_status_with_a_bad_file(capsys, write):
    path = write(edit(BASE, (COMPONENT_WETH, "WETH = { weight = 0.3 }")))
    result = run(capsys, "status", "idx", "--config", str(path))
    assert_usage_error(result, [f"{path}: products.idx.components: weights sum to 0.9, not 1 (tolerance 1e-09)"])
