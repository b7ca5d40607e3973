"""A GIM-managed product: SetToken, issued supply, streaming fee, BaseManager + GIM and fee-split extensions."""

from __future__ import annotations

from web3.logs import DISCARD

from indexops.sandbox import scenario
from indexops.sandbox.deployer import Deployer

PRECISE_UNIT = 10**18
MAX_STREAMING_FEE = 2 * 10**16  # 2% a year
OPERATOR_FEE_SPLIT = 6 * 10**17  # 60% to the operator, 40% to the methodologist
MAX_UINT = 2**256 - 1


def units_for(spec: scenario.SandboxProduct) -> dict[str, int]:
    """Units per set from the product's current weights at the scenario's prices."""
    return {
        symbol: scenario.base_units(round(weight * spec.value_per_set_usd, 9), symbol)
        for symbol, weight in spec.weights.items()
    }


def deploy_product(
    d: Deployer,
    spec: scenario.SandboxProduct,
    core: dict,
    tokens: dict,
    accounts: list[str],
    operator: str,
    index_adapter_name: str,
) -> dict:
    modules = core["modules"]
    gim, fee_module, issuance = modules["gim"], modules["streaming_fee"], modules["basic_issuance"]
    units = units_for(spec)
    components = [tokens[s].address for s in units]
    receipt = d.send(
        core["set_token_creator"].functions.create(
            components,
            list(units.values()),
            [issuance.address, fee_module.address, gim.address],
            d.sender,
            spec.name,
            spec.symbol,
        )
    )
    created = core["set_token_creator"].events.SetTokenCreated().process_receipt(receipt, errors=DISCARD)
    set_token = d.at("SetToken", created[0]["args"]["_setToken"])

    methodologist, trader = accounts[scenario.METHODOLOGIST], accounts[scenario.TRADER]
    base_manager = d.deploy("BaseManager", set_token.address, accounts[scenario.OPERATOR], methodologist)
    zero = "0x" + "00" * 20
    d.send(issuance.functions.initialize(set_token.address, zero))
    d.send(
        fee_module.functions.initialize(
            set_token.address, (base_manager.address, MAX_STREAMING_FEE, int(spec.streaming_fee * PRECISE_UNIT), 0)
        )
    )
    d.send(gim.functions.initialize(set_token.address))
    _issue(d, issuance, set_token, tokens, units, spec.supply * PRECISE_UNIT)
    _set_up_gim(d, gim, set_token, tokens, units, trader, index_adapter_name)

    gim_extension = d.deploy("GIMExtension", base_manager.address, gim.address)
    fee_split = d.deploy("StreamingFeeSplitExtension", base_manager.address, fee_module.address, OPERATOR_FEE_SPLIT)
    d.send(set_token.functions.setManager(base_manager.address))
    interim_operator = accounts[scenario.OPERATOR]
    for extension in (gim_extension, fee_split):
        d.send(base_manager.functions.addAdapter(extension.address), sender=interim_operator)
    if operator != interim_operator:
        d.send(base_manager.functions.setOperator(operator), sender=interim_operator)
    return {
        "set_token": set_token,
        "base_manager": base_manager,
        "gim_extension": gim_extension,
        "fee_split_extension": fee_split,
        "operator": operator,
        "methodologist": methodologist,
        "trader": trader,
        "units": units,
    }


def _issue(d: Deployer, issuance, set_token, tokens: dict, units: dict[str, int], quantity: int) -> None:
    for symbol in units:
        d.send(tokens[symbol].functions.approve(issuance.address, MAX_UINT))
    d.send(issuance.functions.issue(set_token.address, quantity, d.sender))


def _set_up_gim(d: Deployer, gim, set_token, tokens: dict, units: dict[str, int], trader: str, adapter: str) -> None:
    """Last month's execution settings, so that a new plan changes only what it must."""
    traded = [s for s in units if s != "WETH"]
    addresses = [tokens[s].address for s in traded]
    maximums = [scenario.base_units(scenario.GIM_MAX_TRADE_USD, s) for s in traded]
    d.send(gim.functions.setTradeMaximums(set_token.address, addresses, maximums))
    d.send(gim.functions.setExchanges(set_token.address, addresses, [adapter] * len(addresses)))
    d.send(
        gim.functions.setCoolOffPeriods(set_token.address, addresses, [scenario.GIM_COOL_OFF_SECONDS] * len(addresses))
    )
    d.send(gim.functions.setTraderStatus(set_token.address, [trader], [True]))
