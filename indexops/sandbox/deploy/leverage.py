"""A leverage token as Index Coop runs FLI: a SetToken holding a cToken, Compound debt through
CompoundLeverageModule, and BaseManager + FlexibleLeverageStrategyExtension + FeeSplitAdapter.

Every module is initialized while the deployer is still the SetToken's manager: Index Coop's first
BaseManager has no pass-through for its operator, so later module set-up would need an adapter.
ClaimModule and AirdropModule let anyone claim and absorb for the same reason.
"""

from __future__ import annotations

from decimal import Decimal

from web3.logs import DISCARD

from indexops.sandbox import scenario
from indexops.sandbox.deploy.compound import COMP_ADDRESS, send_checked
from indexops.sandbox.deploy.leverage_modules import CLAIM_ADAPTER
from indexops.sandbox.deploy.products import MAX_STREAMING_FEE, MAX_UINT, OPERATOR_FEE_SPLIT, PRECISE_UNIT
from indexops.sandbox.deployer import Deployer
from indexops.sandbox.leverage_settings import StrategySettings

MAX_ISSUANCE_FEE = 5 * 10**16  # the DebtIssuanceModule's cap; the products charge no issue or redeem fee
ZERO_ADDRESS = "0x" + "00" * 20
FEED_ADJUSTMENT_BASE = 28  # 36 - 8 feed decimals: the strategy's decimal adjustment is this less the token's


def deploy_leverage_product(
    d: Deployer,
    spec: scenario.SandboxLeverageProduct,
    settings: StrategySettings,
    creator,
    modules: dict,
    compound: dict,
    feeds: dict,
    tokens: dict,
    accounts: list[str],
) -> dict:
    collateral_ctoken, borrow_ctoken = compound["ctokens"][spec.collateral], compound["ctokens"][spec.borrow]
    quantity = spec.supply * PRECISE_UNIT
    unit = _ctoken_units(collateral_ctoken, spec)
    set_modules = [
        modules[k].address for k in ("debt_issuance", "compound_leverage", "streaming_fee", "claim", "airdrop")
    ]
    receipt = d.send(
        creator.functions.create(
            [collateral_ctoken.address],
            [unit],
            set_modules,
            d.sender,
            settings.name,
            settings.symbol,
        )
    )
    created = creator.events.SetTokenCreated().process_receipt(receipt, errors=DISCARD)
    set_token = d.at("SetToken", created[0]["args"]["_setToken"])
    operator, methodologist = accounts[scenario.OPERATOR], accounts[scenario.METHODOLOGIST]
    base_manager = d.deploy("BaseManager", set_token.address, operator, methodologist)

    _initialize_modules(d, modules, compound, set_token, base_manager.address, spec, tokens)
    _issue(d, modules["debt_issuance"], set_token, collateral_ctoken, tokens, spec, -(-unit * quantity // PRECISE_UNIT))

    strategy = d.deploy(
        "FlexibleLeverageStrategyExtension",
        base_manager.address,
        (
            set_token.address,
            modules["compound_leverage"].address,
            compound["comptroller"].address,
            feeds[spec.collateral].address,
            feeds[spec.borrow].address,
            collateral_ctoken.address,
            borrow_ctoken.address,
            tokens[spec.collateral].address,
            tokens[spec.borrow].address,
            FEED_ADJUSTMENT_BASE - scenario.decimals(spec.collateral),
            FEED_ADJUSTMENT_BASE - scenario.decimals(spec.borrow),
        ),
        settings.methodology,
        settings.execution,
        settings.incentive,
        settings.exchange_names,
        list(settings.exchanges.values()),
    )
    fee_split = d.deploy(
        "FeeSplitAdapter",
        base_manager.address,
        modules["streaming_fee"].address,
        modules["debt_issuance"].address,
        OPERATOR_FEE_SPLIT,
    )
    d.send(set_token.functions.setManager(base_manager.address))
    for adapter in (strategy, fee_split):
        d.send(base_manager.functions.addAdapter(adapter.address), sender=operator)
    keeper = accounts[scenario.KEEPER]
    d.send(strategy.functions.updateCallerStatus([keeper], [True]), sender=operator)
    d.send_ether(strategy.address, scenario.EXTENSION_ETHER * PRECISE_UNIT)
    return {
        "set_token": set_token,
        "base_manager": base_manager,
        "strategy": strategy,
        "fee_split": fee_split,
        "operator": operator,
        "methodologist": methodologist,
        "keeper": keeper,
        "collateral_ctoken": collateral_ctoken,
        "borrow_ctoken": borrow_ctoken,
    }


def _ctoken_units(ctoken, spec: scenario.SandboxLeverageProduct) -> int:
    """cToken base units a set holds: `collateral_per_set` of the underlying at the current exchange rate."""
    underlying = int(Decimal(repr(spec.collateral_per_set)) * 10 ** scenario.decimals(spec.collateral))
    return underlying * PRECISE_UNIT // ctoken.functions.exchangeRateStored().call()


def _initialize_modules(
    d: Deployer,
    modules: dict,
    compound: dict,
    set_token,
    fee_recipient: str,
    spec: scenario.SandboxLeverageProduct,
    tokens: dict,
) -> None:
    address = set_token.address
    # DebtIssuanceModule first: CompoundLeverageModule registers with it as it initializes
    d.send(modules["debt_issuance"].functions.initialize(address, MAX_ISSUANCE_FEE, 0, 0, fee_recipient, ZERO_ADDRESS))
    d.send(
        modules["compound_leverage"].functions.initialize(
            address, [tokens[spec.collateral].address], [tokens[spec.borrow].address]
        )
    )
    fee = int(round(spec.streaming_fee * PRECISE_UNIT))
    d.send(modules["streaming_fee"].functions.initialize(address, (fee_recipient, MAX_STREAMING_FEE, fee, 0)))
    d.send(modules["claim"].functions.initialize(address, True, [compound["comptroller"].address], [CLAIM_ADAPTER]))
    d.send(modules["airdrop"].functions.initialize(address, ([COMP_ADDRESS], fee_recipient, 0, True)))


def _issue(
    d: Deployer, issuance, set_token, ctoken, tokens: dict, spec: scenario.SandboxLeverageProduct, ctoken_needed: int
) -> None:
    """Mint the cTokens the issue takes (with a little over for rounding), then issue to the deployer."""
    rate = ctoken.functions.exchangeRateStored().call()
    underlying = -(-(ctoken_needed + 1) * rate // PRECISE_UNIT) + 1
    if spec.collateral == "WETH":
        d.send(ctoken.functions.mint(), value=underlying)
    else:
        d.send(tokens[spec.collateral].functions.approve(ctoken.address, MAX_UINT))
        send_checked(d, ctoken.functions.mint(underlying))
    d.send(ctoken.functions.approve(issuance.address, MAX_UINT))
    d.send(issuance.functions.issue(set_token.address, spec.supply * PRECISE_UNIT, d.sender))
