"""`indexops wrap` / `unwrap` on pix through the WrapExtension stand-in, the real WrapModuleV2 and
CompoundWrapV2Adapter (library-linked) and Compound's cUSDC and cETH: units change as previewed, the product's
value stays within the adapter's rounding, a Safe operator gets a batch, and every refusal is one line (exit 2)."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from indexops.chain.abis import contract
from tests.paths import SHIPPED_PRODUCTS
from tests.workflows.test_claim_comp import nonces, refused
from tests.workflows.test_lever_safe import sign_and_exec
from tests.workflows.test_rewards import OPERATOR, PIX, PRECISE, manager, owner_sends, pix

WRAP_ADAPTER = "CompoundWrapV2Adapter"


def wrap(cli, tmp_path, command, *args, config=SHIPPED_PRODUCTS):
    return cli(command, PIX, *args, "--config", config, "--journal", tmp_path / "journal.sqlite3")


def sent(cli, tmp_path, command, *args, config=SHIPPED_PRODUCTS) -> dict:
    result = wrap(cli, tmp_path, command, *args, "--yes", "--json", config=config)
    assert result.code == 0, result.err
    return result.json()


def units(real, book, *symbols) -> dict[str, int]:
    set_token = real("SetToken", pix(book)["set_token"])
    return {s: set_token.functions.getDefaultPositionRealUnit(book["tokens"][s]).call() for s in symbols}


def usdc_value(real, book, unit: dict[str, int]) -> int:
    """USDC base units a set holds in USDC and cUSDC, the cUSDC at its exchangeRateStored (rounded down)."""
    rate = real("CERc20", book["tokens"]["cUSDC"]).functions.exchangeRateStored().call()
    return unit["USDC"] + unit["cUSDC"] * rate // PRECISE


def wrap_extension(w3, book):
    return contract(w3, "delegated/WrapExtension", book["delegated"]["extensions"]["wrap"])


def test_unwrap_then_wrap_back_change_units_as_shown_and_keep_the_value(cli, sandbox, w3, book, real, tmp_path):
    before = units(real, book, "cUSDC", "USDC")
    dry = wrap(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--units", "1000", "--account", OPERATOR,
               "--dry-run", "--json")  # fmt: skip
    assert dry.code == 0, dry.err
    preview = dry.json()
    assert units(real, book, "cUSDC", "USDC") == before and preview["plan"] is None
    assert preview["units"] == 1000 * 10**8 and preview["source"]["unit_before"] == before["cUSDC"]
    assert preview["source"]["unit_after"] == before["cUSDC"] - 1000 * 10**8
    assert preview["value_moved_per_set_usd"] == pytest.approx(20, rel=1e-3)  # 1,000 cUSDC at about 0.02 USDC

    unwrapped = sent(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--units", "1000", "--account", OPERATOR)
    middle = units(real, book, "cUSDC", "USDC")
    assert middle == {"cUSDC": unwrapped["source"]["unit_after"], "USDC": unwrapped["into"]["unit_after"]}
    assert unwrapped["source"]["unit_after"] == preview["source"]["unit_after"]
    assert abs(usdc_value(real, book, middle) - usdc_value(real, book, before)) <= 1

    wrapped = sent(cli, tmp_path, "wrap", "USDC", "--into", "cUSDC", "--account", OPERATOR)
    after = units(real, book, "cUSDC", "USDC")
    assert wrapped["units"] == middle["USDC"]  # the whole position by default
    assert after == {"USDC": wrapped["source"]["unit_after"], "cUSDC": wrapped["into"]["unit_after"]} == {
        "USDC": 0,
        "cUSDC": wrapped["after"]["units"][book["tokens"]["cUSDC"]],
    }
    assert abs(usdc_value(real, book, after) - usdc_value(real, book, middle)) <= 1
    assert wrapped["value_per_set_after_usd"] == pytest.approx(wrapped["value_per_set_before_usd"], rel=1e-6)


def test_weth_wraps_into_ceth_with_ether_once_the_owner_allows_ceth(cli, sandbox, w3, book, real, tmp_path):
    before = nonces(w3)
    err = refused(wrap(cli, tmp_path, "wrap", "WETH", "--into", "cETH", "--account", OPERATOR, "--yes"))
    assert "cETH" in err and "not on its asset allowlist" in err and "addAllowedAssets" in err
    assert nonces(w3) == before
    with pytest.raises(ContractLogicError, match="Must be allowed asset"):  # the stand-in, sent anyway
        wrap_extension(w3, book).functions.wrapWithEther(
            pix(book)["set_token"], book["tokens"]["cETH"], 10**15, WRAP_ADAPTER, b""
        ).call({"from": pix(book)["operator"]})

    owner_sends(w3, book, manager(w3, book).functions.addAllowedAssets([book["tokens"]["cETH"]]))
    start = units(real, book, "WETH", "cETH")
    done = sent(cli, tmp_path, "wrap", "WETH", "--into", "cETH", "--units", "0.004", "--account", OPERATOR)
    now = units(real, book, "WETH", "cETH")
    assert now["WETH"] == start["WETH"] - 4 * 10**15 == done["source"]["unit_after"]
    assert now["cETH"] == done["into"]["unit_after"] > 0
    step = real("WrapModuleV2", book["modules"]["wrap"])  # wrapWithEther: the module gave the adapter Ether
    receipt = w3.eth.get_transaction_receipt(done["plan"]["tx_hashes"][0])
    (event,) = step.events.ComponentWrapped().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["_underlyingToken"] == book["tokens"]["WETH"] and event["args"]["_underlyingQuantity"] == (
        4 * 10**15 * 10_000
    )

    back = sent(cli, tmp_path, "unwrap", "cETH", "--into", "WETH", "--account", OPERATOR)
    assert units(real, book, "WETH", "cETH") == {"WETH": back["into"]["unit_after"], "cETH": 0}
    one_ceth = real("CEther", book["tokens"]["cETH"]).functions.exchangeRateStored().call() // PRECISE
    assert 0 <= start["WETH"] - back["into"]["unit_after"] <= 2 * one_ceth  # a cETH base unit a set, rounded away


def test_more_than_the_position_is_refused_before_anything_is_sent(cli, sandbox, w3, book, real, tmp_path):
    before = nonces(w3)
    err = refused(wrap(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--units", "3001", "--account", OPERATOR,
                       "--yes"), "above its position")  # fmt: skip
    assert "Unit cant be greater than existing" in err
    refused(wrap(cli, tmp_path, "wrap", "USDC", "--into", "cUSDC", "--account", OPERATOR, "--yes"), "not one of its")
    refused(wrap(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--units", "0.000000001", "--account", OPERATOR,
                 "--yes"), "cUSDC has 8 decimals")  # fmt: skip
    assert nonces(w3) == before


def test_a_wrap_is_the_operators(cli, sandbox, w3, book, tmp_path):
    err = refused(wrap(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--account", "3", "--yes"))
    assert "WrapExtension.unwrap is an operator's call" in err and pix(book)["operator"] in err
    with pytest.raises(ContractLogicError, match="Must be approved operator"):
        wrap_extension(w3, book).functions.unwrap(
            pix(book)["set_token"], book["tokens"]["USDC"], book["tokens"]["cUSDC"], 10**8, WRAP_ADAPTER, b""
        ).call({"from": w3.eth.accounts[3]})


def test_a_wrap_needs_the_wrap_extension_initialized(cli, sandbox, w3, book, tmp_path):
    extension = book["delegated"]["extensions"]["wrap"]
    owner_sends(w3, book, manager(w3, book).functions.removeExtensions([extension]))
    err = refused(wrap(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--account", OPERATOR, "--yes"))
    assert f"WrapExtension {extension} is not an initialized extension" in err


@pytest.fixture
def safe_operated(w3, book, tmp_path):
    """pix with the sandbox's 2-of-3 Safe as its operator, and a products file that says so."""
    safe = book["safe"]["safe"]
    owner_sends(w3, book, manager(w3, book).functions.addOperators([safe]))
    text = SHIPPED_PRODUCTS.read_text()
    section = text.index("[products.pix.deployments.sandbox]")
    operator = text.index("operator = ", section)
    end = text.index("\n", operator)
    config = tmp_path / "products.toml"
    config.write_text(text[:operator] + f'operator = "{safe}"\noperator_is_safe = true' + text[end:])
    return config


def test_a_safe_operator_gets_a_batch_that_its_owners_execute(cli, sandbox, w3, book, real, tmp_path, safe_operated):
    before = units(real, book, "cUSDC", "USDC")
    exported = sent(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--units", "500", config=safe_operated)
    assert exported["caller"] == book["safe"]["safe"] and exported["plan"]["safe"] == book["safe"]["safe"]
    assert exported["plan"]["tx_hashes"] == [] and len(exported["plan"]["batches"]) == 1
    assert units(real, book, "cUSDC", "USDC") == before  # nothing sent
    refused(wrap(cli, tmp_path, "unwrap", "cUSDC", "--into", "USDC", "--account", OPERATOR, "--yes",
                 config=safe_operated), "its calls are exported")  # fmt: skip

    sign_and_exec(cli, safe_operated, exported["plan"]["sidecar"])
    after = units(real, book, "cUSDC", "USDC")
    assert after["cUSDC"] == exported["source"]["unit_after"] == before["cUSDC"] - 500 * 10**8
    assert after["USDC"] == pytest.approx(exported["into"]["unit_after"], abs=10)  # interest accrued meanwhile
