"""A product's fee arrangement at one block, in three round trips: the streaming fee state, the supply, the
protocol's share, the split contract's settings and holdings, and DebtIssuanceModule's issue / redeem fees.

The manager holds the fees and the split contract pays them out through it. Under a DelegatedManager
(`manager_kind = "delegated"`) its `ownerFeeSplit` goes to `ownerFeeRecipient`; otherwise
`extensions.fee_split` (Index Coop's StreamingFeeSplitExtension or FeeSplitAdapter) pays its
`operatorFeeSplit` to the BaseManager's operator. The methodologist gets the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.chain.abis import contract
from indexops.chain.answers import GarbageAnswer
from indexops.chain.batch import BatchReader, CallFailed
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError, UsageError

STREAMING_FEE_INDEX = 0  # the controller's fee index for the streaming fee module


@dataclass(frozen=True)
class IssuanceFees:
    issue_fee: int  # 1e18 = 100%
    redeem_fee: int
    recipient: str


@dataclass(frozen=True)
class FeeReading:
    block_number: int
    timestamp: int
    set_token: str
    module: str
    recipient: str  # the streaming fee's recipient
    percentage: int
    max_percentage: int
    last_accrual: int
    total_supply: int
    protocol_share: int
    splitter: str  # the contract whose accrueFeesAndDistribute pays the split out
    split_kind: str  # "delegated-manager", "fee-split-adapter", "fee-split-extension"
    holder: str  # who holds the fees the split pays out
    held: int
    operator_share: int  # 1e18 = 100%, to `operator`
    operator: str  # the BaseManager's operator, or the DelegatedManager's ownerFeeRecipient
    methodologist: str
    issuance: IssuanceFees | None


def splitter_of(target: ProductOnNetwork) -> tuple[str, str]:
    """(kind, address) of the product's fee split contract, or one line saying what is missing."""
    deployment = target.deployment
    where = f"products.{target.key}.deployments.{target.where.name}"
    if "streaming_fee" not in deployment.modules:
        raise UsageError(f"{target.key}: no streaming fee module ({where}.modules.streaming_fee): no fees to show")
    splitter = deployment.extensions.get("fee_split")
    if splitter is None:
        raise UsageError(f"{target.key}: no fee split contract ({where}.extensions.fee_split)")
    if deployment.manager_kind == "delegated":
        if deployment.manager is None:
            raise UsageError(f"{target.key}: the DelegatedManager's address is missing ({where}.manager)")
        return "delegated-manager", splitter
    return ("fee-split-adapter" if target.product.kind == "leverage" else "fee-split-extension"), splitter


def read_fees(connection, target: ProductOnNetwork) -> FeeReading:
    kind, splitter = splitter_of(target)
    deployment, w3 = target.deployment, connection.w3
    block = w3.eth.get_block("latest")
    number, timestamp = int(block["number"]), int(block["timestamp"])
    set_token, module_address = deployment.set_token, deployment.modules["streaming_fee"]
    module = contract(w3, "StreamingFeeModule", module_address)
    token = contract(w3, "SetToken", set_token)
    reader = BatchReader(w3, number)
    asked = {
        "state": reader.call(module, "feeStates", set_token),
        "supply": reader.call(token, "totalSupply"),
        "controller": reader.call(module, "controller"),
    }
    if kind == "delegated-manager":
        manager = contract(w3, "delegated/DelegatedManager", deployment.manager or "")
        for name in ("ownerFeeSplit", "ownerFeeRecipient", "methodologist"):
            asked[name] = reader.call(manager, name)
    else:
        extension = contract(w3, "StreamingFeeSplitExtension", splitter)
        asked["operatorFeeSplit"] = reader.call(extension, "operatorFeeSplit")
        asked["manager"] = reader.call(extension, "manager")
    issuance_module = deployment.modules.get("debt_issuance")
    if issuance_module is not None:
        issuance_contract = contract(w3, "DebtIssuanceModule", issuance_module)
        asked["issuance"] = reader.call(issuance_contract, "issuanceSettings", set_token)
    first = _answered(connection, reader.run(), asked, target.key)
    recipient, max_percentage, percentage, last_accrual = first["state"]
    holder = (deployment.manager or "") if kind == "delegated-manager" else first["manager"]
    controller = contract(w3, "Controller", first["controller"])
    asked = {
        "held": reader.call(token, "balanceOf", holder),
        "protocol": reader.call(controller, "getModuleFee", module_address, STREAMING_FEE_INDEX),
    }
    if kind != "delegated-manager":
        base_manager = contract(w3, "BaseManager", first["manager"])
        asked["operator"] = reader.call(base_manager, "operator")
        asked["methodologist"] = reader.call(base_manager, "methodologist")
    second = _answered(connection, reader.run(), asked, target.key)
    if kind == "delegated-manager":
        operator_share, operator, methodologist = (
            first["ownerFeeSplit"],
            first["ownerFeeRecipient"],
            first["methodologist"],
        )
    else:
        operator_share, operator, methodologist = first["operatorFeeSplit"], second["operator"], second["methodologist"]
    issuance = None
    if "issuance" in first:
        _max_fee, issue_fee, redeem_fee, issuance_recipient, _hook = first["issuance"]
        issuance = IssuanceFees(issue_fee, redeem_fee, issuance_recipient)
    held, protocol_share = second["held"], second["protocol"]
    return FeeReading(
        block_number=number,
        timestamp=timestamp,
        set_token=set_token,
        module=module_address,
        recipient=recipient,
        percentage=percentage,
        max_percentage=max_percentage,
        last_accrual=last_accrual,
        total_supply=first["supply"],
        protocol_share=protocol_share,
        splitter=splitter,
        split_kind=kind,
        holder=holder,
        held=held,
        operator_share=operator_share,
        operator=operator,
        methodologist=methodologist,
        issuance=issuance,
    )


def _answered(connection, results: list, asked: dict[str, int], key: str) -> dict:
    """Each read's answer by name, or one line for the first that failed."""
    answers = {}
    for name, ticket in asked.items():
        result = results[ticket]
        if isinstance(result, CallFailed):
            if result.garbage:
                raise GarbageAnswer(connection, f"{key}'s fee read {name}", result.reason)
            raise ChainError(f"{key}: the fee read {name} failed: {result.reason}")
        answers[name] = result
    return answers
