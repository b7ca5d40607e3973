"""Compound v2 from Set V2's `external/abi/compound`: Comptroller behind its Unitroller, a price oracle
mock, interest rate models, cEther and CErc20 markets, COMP at its fixed address, lenders' supply.

Compound's admin calls answer an error code instead of reverting, so each is simulated first and a
non-zero code stops the deployment. The Comptroller hard-codes COMP's mainnet address: the Comp
runtime is put there with `anvil_setCode` and the Comptroller's COMP balance written into Comp's
`balances` mapping (storage slot 1) with `anvil_setStorageAt`.
"""

from __future__ import annotations

from decimal import Decimal

from eth_abi import encode
from eth_utils import keccak

from indexops.errors import SandboxError
from indexops.sandbox import scenario
from indexops.sandbox.deploy.feeds import feed_answer
from indexops.sandbox.deployer import Deployer

COMP_ADDRESS = "0xc00e94Cb662C3520282E6f5717214004A7f26888"
COMP_BALANCES_SLOT = 1
CTOKEN_DECIMALS = 8
INITIAL_EXCHANGE_RATE = Decimal("0.02")  # underlying per cToken, as Compound's markets started
PRECISE_UNIT = 10**18
MAX_UINT = 2**256 - 1
# (base rate, multiplier) a year: WhitePaperInterestRateModel's two parameters
INTEREST_MODELS = {"stable": (Decimal("0"), Decimal("0.2")), "volatile": (Decimal("0.02"), Decimal("0.1"))}
MARKETS = {  # underlying -> cToken name, symbol, interest model
    "WETH": ("Compound Ether", "cETH", "volatile"),
    "USDC": ("Compound USD Coin", "cUSDC", "stable"),
    "WBTC": ("Compound Wrapped BTC", "cWBTC", "volatile"),
}


def ctoken_symbol(underlying: str) -> str:
    return MARKETS[underlying][1]


def oracle_price(feed_answer_8_decimals: int, decimals: int) -> int:
    """Compound's oracle price for an underlying with `decimals`: USD scaled by 10^(36 - decimals), the
    same scaling the FLI strategy gives a feed's answer (x 10^(28 - decimals))."""
    return feed_answer_8_decimals * 10 ** (28 - decimals)


def deploy_compound(d: Deployer, tokens: dict) -> dict:
    """Comptroller, oracle, models and one market per `MARKETS` underlying (all in `tokens`)."""
    oracle = d.deploy("CompoundPriceOracleMock")
    unitroller = d.deploy("Unitroller")
    implementation = d.deploy("Comptroller")
    send_checked(d, unitroller.functions._setPendingImplementation(implementation.address))
    d.send(implementation.functions._become(unitroller.address, 0, [], []))
    comptroller = d.at("Comptroller", unitroller.address)
    send_checked(d, comptroller.functions._setPriceOracle(oracle.address))
    send_checked(d, comptroller.functions._setMaxAssets(scenario.COMPOUND_MAX_ASSETS))
    send_checked(d, comptroller.functions._setCloseFactor(_precise(scenario.COMPOUND_CLOSE_FACTOR)))
    send_checked(d, comptroller.functions._setLiquidationIncentive(_precise(scenario.COMPOUND_LIQUIDATION_INCENTIVE)))
    models = {
        kind: d.deploy("WhitePaperInterestRateModel", int(base * PRECISE_UNIT), int(multiplier * PRECISE_UNIT))
        for kind, (base, multiplier) in INTEREST_MODELS.items()
    }
    ctokens = {}
    for underlying, (name, symbol, model) in MARKETS.items():
        rate = int(INITIAL_EXCHANGE_RATE * 10 ** (18 + scenario.decimals(underlying) - CTOKEN_DECIMALS))
        common = (comptroller.address, models[model].address, rate, name, symbol, CTOKEN_DECIMALS)
        ctoken = (
            d.deploy("CEther", *common)
            if underlying == "WETH"
            else d.deploy("CERc20", tokens[underlying].address, *common)
        )
        send_checked(d, comptroller.functions._supportMarket(ctoken.address))
        price = oracle_price(feed_answer(scenario.price_usd(underlying)), scenario.decimals(underlying))
        d.send(oracle.functions.setUnderlyingPrice(ctoken.address, price))
        send_checked(
            d, comptroller.functions._setCollateralFactor(ctoken.address, _precise(scenario.COMPOUND_COLLATERAL_FACTOR))
        )
        ctokens[underlying] = ctoken
    _put_comp(d, comptroller.address)
    # COMP markets before the first supply and before the rate: either other order leaves a market's index at 0
    # (a supply first sets its block, and the market is then never given compInitialIndex), and a new supplier's
    # first claim or transfer underflows until the index passes compInitialIndex
    send_checked(d, comptroller.functions._addCompMarkets([c.address for c in ctokens.values()]))
    _supply(d, ctokens, tokens)
    send_checked(d, comptroller.functions._setCompRate(_precise(scenario.COMP_RATE_PER_BLOCK)))
    return {
        "comptroller": comptroller,
        "implementation": implementation,
        "oracle": oracle,
        "interest_models": models,
        "ctokens": ctokens,
    }


def refresh_comp_speeds(d: Deployer, compound: dict) -> None:
    """Share COMP among the markets by their borrows (call once borrows exist)."""
    d.send(compound["comptroller"].functions.refreshCompSpeeds())


def _put_comp(d: Deployer, comptroller: str) -> None:
    artifact = d.artifacts.get("Comp")
    creation = artifact.bytecode + encode(["address"], [d.sender]).hex()
    runtime = d.w3.eth.call({"data": creation})  # what the constructor would leave at an address
    d.w3.provider.make_request("anvil_setCode", [COMP_ADDRESS, "0x" + bytes(runtime).hex()])
    slot = keccak(encode(["address", "uint256"], [comptroller, COMP_BALANCES_SLOT]))
    value = scenario.COMPTROLLER_COMP * PRECISE_UNIT
    d.w3.provider.make_request(
        "anvil_setStorageAt", [COMP_ADDRESS, "0x" + slot.hex(), "0x" + value.to_bytes(32, "big").hex()]
    )


def _supply(d: Deployer, ctokens: dict, tokens: dict) -> None:
    """The lenders' liquidity: the deployer supplies every market."""
    for underlying, ctoken in ctokens.items():
        amount = scenario.LENDER_SUPPLY[underlying] * 10 ** scenario.decimals(underlying)
        if underlying == "WETH":
            d.send(ctoken.functions.mint(), value=amount)
            continue
        d.send(tokens[underlying].functions.approve(ctoken.address, MAX_UINT))
        send_checked(d, ctoken.functions.mint(amount))


def send_checked(d: Deployer, call, value: int = 0) -> None:
    """Send a Compound call that answers an error code, after checking by simulation that the code is 0."""
    if not call.abi.get("outputs"):  # those without an error code revert instead
        d.send(call, value=value)
        return
    code = call.call({"from": d.sender, "value": value})
    if code != 0:
        raise SandboxError(f"sandbox deployment step failed: Compound's {call.fn_name} answered error code {code}")
    d.send(call, value=value)


def _precise(value: float) -> int:
    return int(Decimal(repr(value)) * PRECISE_UNIT)
