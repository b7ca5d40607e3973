"""The stand-in DelegatedManager stack on anvil, against the real Set V2 contracts."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractLogicError

pytestmark = pytest.mark.chain

UNIT = 10**18

BATCH_GAS = 3_000_000  # explicit, so that a failed trade does not make gas estimation guess
ONE_YEAR = 31_557_600  # StreamingFeeModule's 365.25 days
TRADE_INFO_FIELDS = ("exchangeName", "sendToken", "sendQuantity", "receiveToken", "receiveQuantity", "data")


def _trade_args(chain, send, receive, send_units, min_receive_units, exchange=None):
    c = chain.contracts
    exchange = exchange or chain.p.EXCHANGE
    return [c["SetToken"].address, exchange, c[send].address, send_units, c[receive].address, min_receive_units, b""]


def _batch_item(chain, send, receive, send_units, min_receive_units, exchange=None):
    c = chain.contracts
    exchange = exchange or chain.p.EXCHANGE
    return (exchange, c[send].address, send_units, c[receive].address, min_receive_units, b"")


def _set_balances(chain, *symbols):
    return {s: chain.balance(s, chain.contracts["SetToken"]) for s in symbols}


# ---------------------------------------------------------------- set-up through the factory


def test_factory_hands_over_the_set_and_roles(chain):
    c, roles = chain.contracts, chain.roles
    manager = c["DelegatedManager"].functions
    assert c["SetToken"].functions.manager().call() == c["DelegatedManager"].address
    assert manager.owner().call() == roles["owner"]
    assert manager.methodologist().call() == roles["methodologist"]
    assert manager.ownerFeeSplit().call() == chain.p.OWNER_FEE_SPLIT
    assert manager.ownerFeeRecipient().call() == roles["owner_fee_recipient"]
    assert manager.getOperators().call() == [roles["operator"]]
    assert manager.operatorAllowlist(roles["operator"]).call()
    assert manager.useAssetAllowlist().call()
    assert manager.isAllowedAsset(c["C"].address).call() and not manager.isAllowedAsset(c["D"].address).call()
    extensions = [c[n].address for n in ("TradeExtension", "BatchTradeExtension", "StreamingFeeSplitExtension", "IssuanceExtension", "ClaimExtension")]
    assert sorted(manager.getExtensions().call()) == sorted(extensions)
    for extension in extensions:
        assert manager.isInitializedExtension(extension).call()
    for module in ("TradeModule", "StreamingFeeModule", "DebtIssuanceModuleV2", "ClaimModule", "AirdropModule"):
        assert c["SetToken"].functions.isInitializedModule(c[module].address).call(), module
    assert c["ManagerCore"].functions.isManager(c["DelegatedManager"].address).call()
    assert c["TradeExtension"].functions.setManagers(c["SetToken"].address).call() == c["DelegatedManager"].address
    assert c["DelegatedManagerFactory"].functions.initializeState(c["SetToken"].address).call()[4] is False
    assert c["SetToken"].functions.totalSupply().call() == chain.p.SET_SUPPLY


def test_factory_initialize_checks_the_target_manager_and_the_deployer(chain):
    c, roles = chain.contracts, chain.roles
    factory = c["DelegatedManagerFactory"]
    receipt = chain.send(
        factory.functions.createSetAndManager(
            [c["A"].address], [UNIT], "Second", "TWO", roles["owner"], roles["methodologist"],
            [c["TradeModule"].address], [roles["operator"]], [], [c["TradeExtension"].address],
        )
    )
    created = chain.events(factory, "DelegatedManagerCreated", receipt)[0]
    new_set = created["_setToken"]
    # the payload names the first set's manager, not the new one
    wrong = c["TradeExtension"].encode_abi("initializeModuleAndExtension", args=[c["DelegatedManager"].address])
    with pytest.raises(ContractLogicError, match="Only deployer can initialize manager"):
        factory.functions.initialize(new_set, 0, roles["owner"], [c["TradeExtension"].address], [wrong]).call(
            {"from": roles["stranger"]}
        )
    with pytest.raises(ContractLogicError, match="Must target correct DelegatedManager"):
        factory.functions.initialize(new_set, 0, roles["owner"], [c["TradeExtension"].address], [wrong]).call(
            {"from": roles["deployer"]}
        )
    right = c["TradeExtension"].encode_abi("initializeModuleAndExtension", args=[created["_manager"]])
    chain.send(factory.functions.initialize(new_set, 0, roles["owner"], [c["TradeExtension"].address], [right]))
    # without an asset list the allowlist is off: any receive token is allowed
    new_manager = chain.at("DelegatedManager", created["_manager"])
    assert not new_manager.functions.useAssetAllowlist().call()
    assert new_manager.functions.isAllowedAsset(c["D"].address).call()
    # one TradeExtension deployment now serves both SetTokens
    assert c["TradeExtension"].functions.setManagers(new_set).call() == created["_manager"]


def test_shared_trade_module_initializes_once(chain):
    """BatchTradeExtension joined with initializeExtension; initializing TradeModule again fails in the module."""
    c, roles = chain.contracts, chain.roles
    manager = c["DelegatedManager"]
    chain.send(manager.functions.removeExtensions([c["BatchTradeExtension"].address]), sender=roles["owner"])
    chain.send(manager.functions.addExtensions([c["BatchTradeExtension"].address]), sender=roles["owner"])
    with pytest.raises(ContractLogicError, match="Must be pending initialization"):
        c["BatchTradeExtension"].functions.initializeModuleAndExtension(manager.address).call({"from": roles["owner"]})
    chain.send(c["BatchTradeExtension"].functions.initializeExtension(manager.address), sender=roles["owner"])


# ---------------------------------------------------------------- TradeExtension


def test_operator_trade_moves_real_balances(chain):
    c, roles = chain.contracts, chain.roles
    send_units = 2 * UNIT  # per SetToken: 20 A in total for 10 sets
    total_send = send_units * chain.p.SET_SUPPLY // UNIT
    expected_out = c["Router"].functions.getAmountsOut(total_send, [c["A"].address, c["C"].address]).call()[-1]
    before = _set_balances(chain, "A", "C")

    receipt = chain.send(
        c["TradeExtension"].functions.trade(*_trade_args(chain, "A", "C", send_units, UNIT)), sender=roles["operator"]
    )

    after = _set_balances(chain, "A", "C")
    assert before["A"] - after["A"] == total_send
    assert after["C"] - before["C"] == expected_out
    exchanged = chain.events(c["TradeModule"], "ComponentExchanged", receipt)[0]
    assert exchanged["_totalSendAmount"] == total_send and exchanged["_totalReceiveAmount"] == expected_out
    assert c["SetToken"].functions.getDefaultPositionRealUnit(c["A"].address).call() == chain.p.UNITS["A"] - send_units
    assert c["SetToken"].functions.getDefaultPositionRealUnit(c["C"].address).call() == expected_out * UNIT // chain.p.SET_SUPPLY


def test_non_operator_is_refused(chain):
    c, roles = chain.contracts, chain.roles
    for who in ("stranger", "owner", "methodologist"):
        with pytest.raises(ContractLogicError, match="Must be approved operator"):
            c["TradeExtension"].functions.trade(*_trade_args(chain, "A", "C", UNIT, 0)).call({"from": roles[who]})


def test_receive_asset_must_be_allowed(chain):
    c, roles = chain.contracts, chain.roles
    with pytest.raises(ContractLogicError, match="Must be allowed asset"):
        c["TradeExtension"].functions.trade(*_trade_args(chain, "A", "D", UNIT, 0)).call({"from": roles["operator"]})
    # the owner can allow it
    chain.send(c["DelegatedManager"].functions.addAllowedAssets([c["D"].address]), sender=roles["owner"])
    chain.send(c["TradeExtension"].functions.trade(*_trade_args(chain, "A", "D", UNIT, 0)), sender=roles["operator"])
    assert chain.balance("D", c["SetToken"]) > 0


def test_removed_operator_is_refused(chain):
    c, roles = chain.contracts, chain.roles
    chain.send(c["DelegatedManager"].functions.removeOperators([roles["operator"]]), sender=roles["owner"])
    assert c["DelegatedManager"].functions.getOperators().call() == []
    with pytest.raises(ContractLogicError, match="Must be approved operator"):
        c["TradeExtension"].functions.trade(*_trade_args(chain, "A", "C", UNIT, 0)).call({"from": roles["operator"]})


# ---------------------------------------------------------------- BatchTradeExtension


def test_batch_trade_with_an_impossible_minimum_succeeds_and_reports_it(chain):
    c, roles = chain.contracts, chain.roles
    trades = [
        _batch_item(chain, "A", "C", UNIT, 0),
        _batch_item(chain, "A", "B", UNIT, 10**30),  # impossible minimum
        _batch_item(chain, "B", "A", UNIT, 0),
    ]
    before = _set_balances(chain, "A", "B", "C")

    receipt = chain.send(
        c["BatchTradeExtension"].functions.batchTrade(c["SetToken"].address, trades),
        sender=roles["operator"],
        gas=BATCH_GAS,
    )

    assert receipt["status"] == 1
    failed = chain.events(c["BatchTradeExtension"], "StringTradeFailed", receipt)
    assert len(failed) == 1
    assert failed[0]["_setToken"] == c["SetToken"].address
    assert failed[0]["_index"] == 1
    assert failed[0]["_reason"] == "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"
    assert dict(failed[0]["_tradeInfo"]) == dict(zip(TRADE_INFO_FIELDS, trades[1]))
    assert not chain.events(c["BatchTradeExtension"], "BytesTradeFailed", receipt)
    # trades 0 and 2 ran
    assert len(chain.events(c["TradeModule"], "ComponentExchanged", receipt)) == 2
    after = _set_balances(chain, "A", "B", "C")
    assert after["C"] > before["C"]
    assert after["B"] == before["B"] - 10 * UNIT
    assert after["A"] > before["A"] - 10 * UNIT  # sold 10 A, bought back a little less than 10 A


def test_batch_trade_failed_index_is_indexed_topic(chain):
    c, roles = chain.contracts, chain.roles
    trades = [_batch_item(chain, "A", "B", UNIT, 10**30), _batch_item(chain, "A", "C", 10**30, 0)]
    receipt = chain.send(
        c["BatchTradeExtension"].functions.batchTrade(c["SetToken"].address, trades),
        sender=roles["operator"],
        gas=BATCH_GAS,
    )
    failed = chain.events(c["BatchTradeExtension"], "StringTradeFailed", receipt)
    assert [(f["_index"], f["_reason"]) for f in failed] == [
        (0, "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"),
        (1, "Unit cant be greater than existing"),
    ]
    log = next(l for l in receipt["logs"] if l["address"] == c["BatchTradeExtension"].address)
    assert int.from_bytes(log["topics"][2], "big") == 0
    assert log["topics"][1][-20:] == bytes.fromhex(c["SetToken"].address[2:])


def test_batch_trade_refusals_revert_the_whole_batch(chain):
    c, roles = chain.contracts, chain.roles
    batch = c["BatchTradeExtension"].functions.batchTrade
    ok = _batch_item(chain, "A", "C", UNIT, 0)
    with pytest.raises(ContractLogicError, match="Must be approved operator"):
        batch(c["SetToken"].address, [ok]).call({"from": roles["stranger"]})
    with pytest.raises(ContractLogicError, match="Must be allowed integration"):
        batch(c["SetToken"].address, [ok, _batch_item(chain, "A", "C", UNIT, 0, exchange="SushiswapExchangeAdapter")]).call(
            {"from": roles["operator"]}
        )
    with pytest.raises(ContractLogicError, match="Must be allowed asset"):
        batch(c["SetToken"].address, [ok, _batch_item(chain, "A", "D", UNIT, 0)]).call({"from": roles["operator"]})


def test_batch_integrations_are_kept_by_the_manager_core_owner(chain):
    c, roles = chain.contracts, chain.roles
    extension = c["BatchTradeExtension"]
    assert extension.functions.getIntegrations().call() == [chain.p.EXCHANGE]
    with pytest.raises(ContractLogicError, match="Caller must be ManagerCore owner"):
        extension.functions.addIntegrations(["Other"]).call({"from": roles["owner"]})
    chain.send(extension.functions.addIntegrations(["Other"]), sender=roles["deployer"])
    assert extension.functions.getIntegrations().call() == [chain.p.EXCHANGE, "Other"]
    chain.send(extension.functions.removeIntegrations([chain.p.EXCHANGE]), sender=roles["deployer"])
    assert extension.functions.getIntegrations().call() == ["Other"]
    with pytest.raises(ContractLogicError, match="Must be allowed integration"):
        extension.functions.batchTrade(c["SetToken"].address, [_batch_item(chain, "A", "C", UNIT, 0)]).call(
            {"from": roles["operator"]}
        )


def test_batch_trade_sent_with_the_estimated_gas_runs_every_trade(chain):
    """A batch's receipt succeeds even when its trades fail, so a gas limit that starves a trade
    would hide it in an event: anvil's estimate leaves enough for every trade."""
    c, roles = chain.contracts, chain.roles
    trades = [_batch_item(chain, "A", "C", UNIT, 0), _batch_item(chain, "A", "B", UNIT, 0)]
    call = c["BatchTradeExtension"].functions.batchTrade(c["SetToken"].address, trades)
    estimate = call.estimate_gas({"from": roles["operator"]})
    receipt = chain.send(call, sender=roles["operator"], gas=estimate)
    assert not chain.events(c["BatchTradeExtension"], "StringTradeFailed", receipt)
    assert not chain.events(c["BatchTradeExtension"], "BytesTradeFailed", receipt)
    assert len(chain.events(c["TradeModule"], "ComponentExchanged", receipt)) == 2


def test_batch_trade_empty_revert_comes_back_as_a_string(chain):
    """No B-C pool: the router's call to a pair without code reverts with no data, which the
    OpenZeppelin call helper turns into a string, so it is a StringTradeFailed."""
    c, roles = chain.contracts, chain.roles
    trades = [_batch_item(chain, "B", "C", UNIT, 0)]
    receipt = chain.send(
        c["BatchTradeExtension"].functions.batchTrade(c["SetToken"].address, trades),
        sender=roles["operator"],
        gas=BATCH_GAS,
    )
    failed = chain.events(c["BatchTradeExtension"], "StringTradeFailed", receipt)
    assert [(f["_index"], f["_reason"]) for f in failed] == [(0, "Address: low-level call with value failed")]
    assert not chain.events(c["BatchTradeExtension"], "BytesTradeFailed", receipt)


# ---------------------------------------------------------------- StreamingFeeSplitExtension


def test_accrue_fees_and_distribute_splits_by_owner_fee_split(chain):
    c, roles = chain.contracts, chain.roles
    set_token = c["SetToken"]
    last = c["StreamingFeeModule"].functions.feeStates(set_token.address).call()[3]
    stamp = chain.next_timestamp(30 * 86_400)
    elapsed = stamp - last
    fee_pct = elapsed * chain.p.STREAMING_FEE // ONE_YEAR
    expected_fee = fee_pct * chain.p.SET_SUPPLY // (UNIT - fee_pct)
    owner_before = chain.balance("SetToken", roles["owner_fee_recipient"])
    methodologist_before = chain.balance("SetToken", roles["methodologist"])

    receipt = chain.send(
        c["StreamingFeeSplitExtension"].functions.accrueFeesAndDistribute(set_token.address), sender=roles["stranger"]
    )

    actualized = chain.events(c["StreamingFeeModule"], "FeeActualized", receipt)[0]
    assert actualized["_managerFee"] == expected_fee and actualized["_protocolFee"] == 0
    owner_take = expected_fee * chain.p.OWNER_FEE_SPLIT // UNIT
    methodologist_take = expected_fee - owner_take
    assert chain.balance("SetToken", roles["owner_fee_recipient"]) - owner_before == owner_take
    assert chain.balance("SetToken", roles["methodologist"]) - methodologist_before == methodologist_take
    assert chain.balance("SetToken", c["DelegatedManager"]) == 0
    distributed = chain.events(c["StreamingFeeSplitExtension"], "FeesDistributed", receipt)[0]
    assert dict(distributed) == {
        "_setToken": set_token.address,
        "_ownerFeeRecipient": roles["owner_fee_recipient"],
        "_methodologist": roles["methodologist"],
        "_ownerTake": owner_take,
        "_methodologistTake": methodologist_take,
    }


def test_fee_split_change_needs_owner_and_methodologist(chain):
    c, roles = chain.contracts, chain.roles
    manager = c["DelegatedManager"]
    new_split = 5 * 10**17
    first = chain.send(manager.functions.updateOwnerFeeSplit(new_split), sender=roles["owner"])
    assert chain.events(manager, "MutualUpgradeRegistered", first)
    assert manager.functions.ownerFeeSplit().call() == chain.p.OWNER_FEE_SPLIT
    # a different value from the methodologist only registers its own proposal
    chain.send(manager.functions.updateOwnerFeeSplit(new_split + 1), sender=roles["methodologist"])
    assert manager.functions.ownerFeeSplit().call() == chain.p.OWNER_FEE_SPLIT
    second = chain.send(manager.functions.updateOwnerFeeSplit(new_split), sender=roles["methodologist"])
    assert chain.events(manager, "OwnerFeeSplitUpdated", second)[0]["_newFeeSplit"] == new_split
    assert manager.functions.ownerFeeSplit().call() == new_split
    with pytest.raises(ContractLogicError, match="Must be authorized address"):
        manager.functions.updateOwnerFeeSplit(new_split).call({"from": roles["operator"]})


# ---------------------------------------------------------------- DelegatedManager guards


def test_interact_manager_only_for_extensions_and_never_the_set_token(chain):
    c, roles = chain.contracts, chain.roles
    manager = c["DelegatedManager"]
    payload = c["SetToken"].encode_abi("setManager", args=[roles["stranger"]])
    with pytest.raises(ContractLogicError, match="Must be initialized extension"):
        manager.functions.interactManager(c["SetToken"].address, payload).call({"from": roles["owner"]})
    extension = c["TradeExtension"].address
    chain.rpc("anvil_impersonateAccount", [extension])
    chain.rpc("anvil_setBalance", [extension, hex(10**18)])
    try:
        with pytest.raises(ContractLogicError, match="Extensions cannot call SetToken"):
            manager.functions.interactManager(c["SetToken"].address, payload).call({"from": extension})
    finally:
        chain.rpc("anvil_stopImpersonatingAccount", [extension])


def test_owner_only_admin(chain):
    c, roles = chain.contracts, chain.roles
    manager = c["DelegatedManager"].functions
    for call in (
        manager.addOperators([roles["stranger"]]),
        manager.removeOperators([roles["operator"]]),
        manager.addAllowedAssets([c["D"].address]),
        manager.removeAllowedAssets([c["C"].address]),
        manager.updateUseAssetAllowlist(False),
        manager.updateOwnerFeeRecipient(roles["stranger"]),
        manager.addExtensions([roles["stranger"]]),
        manager.removeExtensions([c["TradeExtension"].address]),
        manager.setManager(roles["stranger"]),
        manager.addModule(c["StreamingFeeModule"].address),
        manager.removeModule(c["TradeModule"].address),
    ):
        with pytest.raises(ContractLogicError, match="Ownable: caller is not the owner"):
            call.call({"from": roles["operator"]})
    chain.send(manager.updateUseAssetAllowlist(False), sender=roles["owner"])
    assert manager.isAllowedAsset(c["D"].address).call()


def test_set_manager_only_after_every_extension_is_removed(chain):
    c, roles = chain.contracts, chain.roles
    manager = c["DelegatedManager"]
    with pytest.raises(ContractLogicError, match="Must remove all extensions"):
        manager.functions.setManager(roles["owner"]).call({"from": roles["owner"]})
    extensions = manager.functions.getExtensions().call()
    receipt = chain.send(manager.functions.removeExtensions(extensions), sender=roles["owner"])
    assert len(chain.events(manager, "ExtensionRemoved", receipt)) == len(extensions)
    assert c["TradeExtension"].functions.setManagers(c["SetToken"].address).call() == "0x" + "00" * 20
    chain.send(manager.functions.setManager(roles["owner"]), sender=roles["owner"])
    assert c["SetToken"].functions.manager().call() == roles["owner"]


# ---------------------------------------------------------------- ClaimExtension


def test_claim_and_absorb(chain):
    c, roles = chain.contracts, chain.roles
    set_token, reward = c["SetToken"], c["ClaimAdapterMock"]
    chain.send(reward.functions.setRewards(7 * UNIT))
    with pytest.raises(ContractLogicError, match="Must be valid AirdropModule absorb and ClaimModule claim caller"):
        c["ClaimExtension"].functions.claimAndAbsorb(set_token.address, reward.address, chain.p.CLAIM_INTEGRATION).call(
            {"from": roles["stranger"]}
        )
    chain.send(
        c["ClaimExtension"].functions.claimAndAbsorb(set_token.address, reward.address, chain.p.CLAIM_INTEGRATION),
        sender=roles["operator"],
    )
    assert reward.functions.balanceOf(set_token.address).call() == 7 * UNIT
    assert set_token.functions.getDefaultPositionRealUnit(reward.address).call() == 7 * UNIT * UNIT // chain.p.SET_SUPPLY


def test_batch_claim_and_absorb_token_list_grows_in_slot_zero(chain):
    """As the published contract: every batch call appends to a never-cleared storage array."""
    c, roles = chain.contracts, chain.roles
    set_token, reward = c["SetToken"], c["ClaimAdapterMock"]
    chain.send(reward.functions.setRewards(UNIT))
    call = c["ClaimExtension"].functions.batchClaimAndAbsorb(set_token.address, [reward.address], [chain.p.CLAIM_INTEGRATION])
    gas = []
    for expected_length in (1, 2, 3):
        receipt = chain.send(call, sender=roles["operator"])
        gas.append(receipt["gasUsed"])
        slot0 = chain.w3.eth.get_storage_at(c["ClaimExtension"].address, 0)
        assert int.from_bytes(slot0, "big") == expected_length
    assert reward.functions.balanceOf(set_token.address).call() == 3 * UNIT
    assert gas[2] > gas[1]  # grows with the array (the first call also creates the position)
