"""Transaction Builder batch files: checksum (against files exported by the app), build, load, read back.

Calls with an ABI are written with `data` null; an oracle written from the app's own reading of
`contractInputsValues` (tests/txbuilder_app.py) checks that they re-encode to the exact calldata.
"""

from __future__ import annotations

import copy
import json

import pytest
from eth_abi import encode
from eth_utils import keccak

from indexops.chain.calldata import contract_method, render_argument
from indexops.errors import UsageError
from indexops.safe.errors import (
    ChecksumMismatch,
    InputsNotEncodable,
    MalformedBatchFile,
    MethodDataMismatch,
    WrongChain,
)
from indexops.safe.multisend import MultiSendCall
from indexops.safe.txbuilder import (
    batch_calls,
    batch_checksum,
    batch_transaction,
    build_batch,
    check_batch_chain,
    check_readable_view,
    dump_batch,
    load_batch,
    serialize_for_checksum,
    verify_checksum,
)
from indexops.values import InvalidArgument
from tests.safe import txbuilder_app

SAFE = "0x4DD4cB2299E491E1B469245DB589ccB2B16d7bde"
GIM = "0x11AB70A4564C62F567B92868Cb5e69b50c5434aF"
SET_TOKEN = "0xc6b82bA149CFA113f8f48d5E3b1F78e933e16DfD"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
DPI = "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"


def exported_by_the_app(second_value: str) -> dict:
    """The Safe{Wallet} end-to-end fixture apps/web/cypress/fixtures/test-working-batch.json, as data."""
    def entry(value):
        return {
            "to": GIM, "value": "0", "data": None,
            "contractMethod": {"inputs": [{"internalType": "address", "name": "newValue", "type": "address"}],
                               "name": "testAddressValue", "payable": False},
            "contractInputsValues": {"newValue": value},
        }
    return {
        "version": "1.0", "chainId": "11155111", "createdAt": 1702396600164,
        "meta": {"name": "Transactions Batch", "description": "", "txBuilderVersion": "1.16.4",
                 "createdFromSafeAddress": SAFE, "createdFromOwnerAddress": "",
                 "checksum": "0x5117b795c64424440e9fccaac343a93606b405852a4b28809c909f9c805839f5"},
        "transactions": [entry(SAFE), entry(second_value)],
    }


def test_checksum_of_a_file_exported_by_the_app():
    verify_checksum(exported_by_the_app(SET_TOKEN))
    with pytest.raises(ChecksumMismatch):
        verify_checksum(exported_by_the_app(WETH))


def test_serialization_is_the_apps_not_json():
    assert serialize_for_checksum({"b": 1, "a": [True, None, "x"]}) == '{["a","b"][true,null,"x"],1,}'
    assert serialize_for_checksum({}) == "{[]}"
    assert serialize_for_checksum("é\"\n") == '"é\\"\\n"'


def test_app_file_with_null_data_reads_back_as_calls():
    calls = batch_calls(exported_by_the_app(SET_TOKEN))
    selector = keccak(text="testAddressValue(address)")[:4]
    assert calls[1] == MultiSendCall(to=GIM, data=selector + encode(["address"], [SET_TOKEN]))


START_REBALANCE = {
    "type": "function", "name": "startRebalance", "stateMutability": "nonpayable", "outputs": [],
    "inputs": [
        {"internalType": "contract ISetToken", "name": "_setToken", "type": "address"},
        {"internalType": "address[]", "name": "_newComponents", "type": "address[]"},
        {"internalType": "uint256[]", "name": "_newComponentsTargetUnits", "type": "uint256[]"},
        {"internalType": "uint256[]", "name": "_oldComponentsTargetUnits", "type": "uint256[]"},
        {"internalType": "uint256", "name": "_positionMultiplier", "type": "uint256"},
    ],
}
TRADE_PARAMS = {
    "type": "function", "name": "setTradeParams", "stateMutability": "payable",
    "inputs": [
        {"internalType": "address", "name": "_setToken", "type": "address"},
        {"internalType": "struct Info[]", "name": "_infos", "type": "tuple[]", "components": [
            {"internalType": "address", "name": "component", "type": "address"},
            {"internalType": "uint256", "name": "maxSize", "type": "uint256"},
            {"internalType": "bool", "name": "enabled", "type": "bool"},
            {"internalType": "bytes", "name": "extra", "type": "bytes"},
        ]},
        {"internalType": "bytes32", "name": "_id", "type": "bytes32"},
    ],
}


def rebalance_entry(**overrides):
    args = dict(_setToken=SET_TOKEN, _newComponents=[WETH], _newComponentsTargetUnits=[10**24],
                _oldComponentsTargetUnits=[0, 5], _positionMultiplier=10**18)
    args.update(overrides)
    return batch_transaction(GIM, method=START_REBALANCE, args=args)


def a_batch(**overrides):
    fields = dict(chain_id=1, safe=SAFE, transactions=[rebalance_entry(), batch_transaction(DPI, value=3, data="0xdeadbeef")],
                  created_at_ms=1_700_000_000_000, name="Rebalance DPI", description="Quarterly rebalance: Δ weights")
    fields.update(overrides)
    return build_batch(**fields)


REBALANCE_CALLDATA = keccak(text="startRebalance(address,address[],uint256[],uint256[],uint256)")[:4] + encode(
    ["address", "address[]", "uint256[]", "uint256[]", "uint256"], [SET_TOKEN, [WETH], [10**24], [0, 5], 10**18])


def test_a_call_with_its_abi_is_written_as_the_app_writes_one_and_reencodes_to_the_exact_calldata():
    entry = rebalance_entry()
    assert entry["data"] is None  # the app shows the method and its arguments, not "Custom hex data"
    assert txbuilder_app.app_calldata(entry["contractMethod"], entry["contractInputsValues"]) == REBALANCE_CALLDATA
    assert batch_calls({"transactions": [entry]})[0].data == REBALANCE_CALLDATA
    assert batch_transaction(GIM, data=REBALANCE_CALLDATA, method=START_REBALANCE,
                             args=[SET_TOKEN, [WETH], [10**24], [0, 5], 10**18]) == entry
    assert entry["value"] == "0"
    assert entry["contractMethod"]["name"] == "startRebalance"
    assert entry["contractMethod"]["payable"] is False
    assert entry["contractMethod"]["inputs"][0] == {"internalType": "contract ISetToken", "name": "_setToken", "type": "address"}
    assert entry["contractInputsValues"] == {
        "_setToken": SET_TOKEN,
        "_newComponents": f'["{WETH}"]',
        "_newComponentsTargetUnits": '["1000000000000000000000000"]',
        "_oldComponentsTargetUnits": '["0","5"]',
        "_positionMultiplier": "1000000000000000000",
    }


def test_nested_tuple_arguments_render_as_json_strings():
    infos = [(WETH, 10**30, True, b"\x01"), {"component": DPI, "maxSize": 7, "enabled": False, "extra": b""}]
    entry = batch_transaction(GIM, 1, method=TRADE_PARAMS, args=[SET_TOKEN, infos, b"\x11" * 32])
    assert entry["contractMethod"]["payable"] is True
    assert entry["contractMethod"]["inputs"][1]["components"][2] == {"internalType": "bool", "name": "enabled", "type": "bool"}
    assert json.loads(entry["contractInputsValues"]["_infos"]) == [
        [WETH, str(10**30), True, "0x01"], [DPI, "7", False, "0x"]]
    assert entry["contractInputsValues"]["_id"] == "0x" + "11" * 32
    expected = keccak(text="setTradeParams(address,(address,uint256,bool,bytes)[],bytes32)")[:4] + encode(
        ["address", "(address,uint256,bool,bytes)[]", "bytes32"],
        [SET_TOKEN, [(WETH, 10**30, True, b"\x01"), (DPI, 7, False, b"")], b"\x11" * 32])
    assert entry["data"] is None
    assert txbuilder_app.app_calldata(entry["contractMethod"], entry["contractInputsValues"]) == expected


def test_bad_arguments_are_refused():
    with pytest.raises(InvalidArgument, match="_positionMultiplier"):
        rebalance_entry(_positionMultiplier=-1)
    with pytest.raises(InvalidArgument, match="_newComponents"):
        rebalance_entry(_newComponents=["0x1234"])
    with pytest.raises(InvalidArgument, match="takes 5 argument"):
        batch_transaction(GIM, method=START_REBALANCE, args=[SET_TOKEN])
    with pytest.raises(MethodDataMismatch):
        batch_transaction(GIM, data="0xdeadbeef", method=START_REBALANCE,
                          args=[SET_TOKEN, [], [], [], 1])
    with pytest.raises(InvalidArgument, match="distinct name"):
        contract_method({"name": "f", "inputs": [{"type": "uint256"}]})
    assert render_argument({"type": "bool", "name": "x"}, False) == "false"


def test_built_batch_shape_and_checksum():
    batch = a_batch()
    assert batch["chainId"] == "1" and batch["version"] == "1.0"
    assert batch["createdAt"] == 1_700_000_000_000
    assert batch["meta"]["createdFromSafeAddress"] == SAFE
    assert batch["transactions"][1] == {"to": DPI, "value": "3", "data": "0xdeadbeef",
                                        "contractMethod": None, "contractInputsValues": None}
    verify_checksum(batch)
    text = dump_batch(batch)
    assert "Δ" in text
    reloaded = load_batch(text)
    assert reloaded == batch
    verify_checksum(reloaded)


def tamper_data(batch):
    batch["transactions"][1]["data"] = "0xdeadbeee"


def tamper_data_beside_the_method(batch):
    batch["transactions"][0]["data"] = "0x" + REBALANCE_CALLDATA.hex()  # even the same call


def tamper_value(batch):
    batch["transactions"][1]["value"] = "4"


def tamper_method_name(batch):
    batch["transactions"][0]["contractMethod"]["name"] = "startRebalanc3"


def tamper_chain(batch):
    batch["chainId"] = "10"


def tamper_input_value(batch):
    batch["transactions"][0]["contractInputsValues"]["_positionMultiplier"] = "1"


@pytest.mark.parametrize("tamper", [tamper_data, tamper_data_beside_the_method, tamper_value, tamper_method_name,
                                    tamper_chain, tamper_input_value])
def test_any_edit_breaks_the_checksum(tamper):
    batch = a_batch()
    edited = copy.deepcopy(batch)
    tamper(edited)
    with pytest.raises(ChecksumMismatch, match="checksum mismatch"):
        verify_checksum(edited)


def test_meta_name_is_not_covered():
    batch = a_batch()
    batch["meta"]["name"] = "renamed by a signer"
    verify_checksum(batch)
    assert batch_checksum(batch) == a_batch(name="anything")["meta"]["checksum"]


def test_missing_checksum_is_reported():
    batch = a_batch()
    del batch["meta"]["checksum"]
    with pytest.raises(ChecksumMismatch, match="no meta.checksum"):
        verify_checksum(batch)


def test_wrong_chain():
    check_batch_chain(a_batch(), 1)
    with pytest.raises(WrongChain, match="chain 1, but the Safe is on chain 10"):
        check_batch_chain(a_batch(), 10)


def test_load_reports_each_problem_on_its_own_line():
    batch = json.loads(dump_batch(a_batch()))
    batch["chainId"] = 1
    batch["transactions"][0]["value"] = 0
    batch["transactions"][1]["to"] = "0xnope"
    batch["transactions"][1]["data"] = "0xabc"
    batch["transactions"][0]["contractInputsValues"]["_positionMultiplier"] = 10**18
    with pytest.raises(MalformedBatchFile) as caught:
        load_batch(json.dumps(batch), path="batch.json")
    lines = str(caught.value).splitlines()
    assert len(lines) == 5
    assert all(line.startswith("batch.json: ") for line in lines)
    assert any("chainId must be a string" in line for line in lines)
    assert any(line.startswith("batch.json: transactions[0]: value") for line in lines)
    assert any("transactions[1]: to" in line for line in lines)
    assert any("transactions[1]: data" in line and "odd" in line for line in lines)
    assert any("contractInputsValues must be an object of strings" in line for line in lines)


def test_load_refuses_non_json_and_empty_batches():
    with pytest.raises(MalformedBatchFile, match="not JSON"):
        load_batch("{", path="x.json")
    with pytest.raises(MalformedBatchFile, match="transactions must be a non-empty array"):
        load_batch(json.dumps({**a_batch(), "transactions": []}))
    with pytest.raises(UsageError):
        a_batch(transactions=[])


def test_inputs_beside_data_must_encode_it_and_inputs_alone_must_encode():
    batch = a_batch()
    check_readable_view(batch)
    batch["transactions"][0]["data"] = "0x" + REBALANCE_CALLDATA.hex()  # as earlier exports wrote both
    check_readable_view(batch)
    batch["transactions"][0]["contractInputsValues"]["_positionMultiplier"] = "1"
    with pytest.raises(MethodDataMismatch, match="transaction #0"):
        check_readable_view(batch)
    batch["transactions"][0]["data"] = None
    batch["transactions"][0]["contractInputsValues"]["_positionMultiplier"] = "1_000"
    with pytest.raises(InputsNotEncodable, match="transaction #0: the Transaction Builder would not encode"):
        check_readable_view(batch)


def test_batch_calls_use_data():
    calls = batch_calls(a_batch())
    assert calls[1] == MultiSendCall(to=DPI, value=3, data=b"\xde\xad\xbe\xef")
    assert calls[0].data[:4] == keccak(text="startRebalance(address,address[],uint256[],uint256[],uint256)")[:4]


def test_values_typed_in_the_app_parse_back():
    method = {"name": "setUnits", "payable": False, "inputs": [
        {"internalType": "uint256[2]", "name": "units", "type": "uint256[2]"},
        {"internalType": "bool", "name": "flag", "type": "bool"},
        {"internalType": "int8", "name": "delta", "type": "int8"},
    ]}
    entry = {"to": GIM, "value": "0", "data": None, "contractMethod": method,
             "contractInputsValues": {"units": "[1, \"2\"]", "flag": "True", "delta": "-5"}}
    (call,) = batch_calls({"transactions": [entry]})
    assert call.data[4:] == encode(["uint256[2]", "bool", "int8"], [[1, 2], True, -5])
    entry["contractInputsValues"]["units"] = "[1]"
    with pytest.raises(InvalidArgument, match="exactly 2 items"):
        batch_calls({"transactions": [entry]})


def test_keys_sort_like_javascript():
    # U+FF5E sorts after U+1F600 in UTF-16 code units (0xFF5E > 0xD83D), before it in code points
    assert serialize_for_checksum({"\uff5e": 1, "\U0001f600": 2}) == '{["\U0001f600","\uff5e"]2,1,}'


def test_build_refuses_hand_made_bad_entries_and_stray_args():
    with pytest.raises(MalformedBatchFile, match="transactions\\[0\\]: value"):
        a_batch(transactions=[{"to": DPI, "value": 1, "data": "0x", "contractMethod": None, "contractInputsValues": None}])
    with pytest.raises(UsageError, match="without the ABI function"):
        batch_transaction(DPI, args=[1])
