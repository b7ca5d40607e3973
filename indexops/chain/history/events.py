"""The events a product's fees and rewards leave, as their contracts emit them, decoded from raw logs.

- StreamingFeeModule `FeeActualized(address indexed setToken, uint256 managerFee, uint256 protocolFee)`;
- DebtIssuanceModule `SetTokenIssued(address indexed setToken, address indexed issuer, address indexed to,
  address hookContract, uint256 quantity, uint256 managerFee, uint256 protocolFee)` and `SetTokenRedeemed(address
  indexed setToken, address indexed redeemer, address indexed to, uint256 quantity, uint256 managerFee, uint256
  protocolFee)`;
- Index Coop's StreamingFeeSplitExtension and FeeSplitAdapter (index-coop-contracts 0.0.25, one per SetToken):
  `FeesAccrued(address indexed operator, address indexed methodologist, uint256 operatorTake, uint256
  methodologistTake)`;
- the self-service StreamingFeeSplitExtension (one for many SetTokens, the SetToken not indexed):
  `FeesDistributed(address setToken, address indexed ownerFeeRecipient, address indexed methodologist, uint256
  ownerTake, uint256 methodologistTake)`;
- ClaimModule `RewardClaimed(address indexed setToken, address indexed rewardPool, address indexed adapter,
  uint256 amount)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode
from eth_utils import event_abi_to_log_topic, keccak, to_checksum_address

from indexops.chain.abis import load_abi


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def address_topic(address: str) -> str:
    return "0x" + address.lower()[2:].rjust(64, "0")


FEE_ACTUALIZED = topic("FeeActualized(address,uint256,uint256)")
SET_TOKEN_ISSUED = topic("SetTokenIssued(address,address,address,address,uint256,uint256,uint256)")
SET_TOKEN_REDEEMED = topic("SetTokenRedeemed(address,address,address,uint256,uint256,uint256)")
FEES_ACCRUED = topic("FeesAccrued(address,address,uint256,uint256)")
FEES_DISTRIBUTED = topic("FeesDistributed(address,address,address,uint256,uint256)")
REWARD_CLAIMED = topic("RewardClaimed(address,address,address,uint256)")
# everything a SetToken emits but its ERC20 Transfer and Approval: each module action on it leaves one
SET_TOKEN_ACTIONS = tuple(
    "0x" + event_abi_to_log_topic(event).hex()
    for event in load_abi("SetToken")
    if event.get("type") == "event" and event.get("name") not in ("Transfer", "Approval")
)


@dataclass(frozen=True)
class Position:
    """Where a log stands in the chain."""

    block: int
    tx_hash: str
    tx_index: int
    log_index: int

    @staticmethod
    def of(log: dict) -> Position:
        return Position(
            int(log["blockNumber"], 16),
            log["transactionHash"].lower(),
            int(log.get("transactionIndex", "0x0"), 16),
            int(log["logIndex"], 16),
        )


@dataclass(frozen=True)
class FeeMinted:
    """A fee paid in sets to the manager's fee recipient: a streaming fee accrual, an issue or a redeem fee."""

    at: Position
    kind: str  # "streaming", "issue", "redeem"
    manager_fee: int
    protocol_fee: int


@dataclass(frozen=True)
class SplitPaid:
    """A split contract's payout of the fees the manager held."""

    at: Position
    operator: str  # the BaseManager's operator, or the DelegatedManager's owner fee recipient
    methodologist: str
    operator_take: int
    methodologist_take: int


@dataclass(frozen=True)
class RewardClaimed:
    at: Position
    reward_pool: str
    adapter: str
    amount: int


def fee_minted(log: dict) -> FeeMinted:
    data, head = _data(log), log["topics"][0].lower()
    if head == FEE_ACTUALIZED:
        manager_fee, protocol_fee = decode(["uint256", "uint256"], data)
        return FeeMinted(Position.of(log), "streaming", manager_fee, protocol_fee)
    if head == SET_TOKEN_ISSUED:
        _hook, _quantity, manager_fee, protocol_fee = decode(["address", "uint256", "uint256", "uint256"], data)
        return FeeMinted(Position.of(log), "issue", manager_fee, protocol_fee)
    if head == SET_TOKEN_REDEEMED:
        _quantity, manager_fee, protocol_fee = decode(["uint256", "uint256", "uint256"], data)
        return FeeMinted(Position.of(log), "redeem", manager_fee, protocol_fee)
    raise ValueError(f"not a fee event: {head}")


def split_paid(log: dict, set_token: str | None = None) -> SplitPaid | None:
    """The payout a FeesAccrued or FeesDistributed log says; None for a self-service one of another SetToken."""
    topics, data = log["topics"], _data(log)
    operator, methodologist = _address(topics[1]), _address(topics[2])
    if topics[0].lower() == FEES_DISTRIBUTED:
        paid_for, operator_take, methodologist_take = decode(["address", "uint256", "uint256"], data)
        if set_token is not None and paid_for.lower() != set_token.lower():
            return None
    else:
        operator_take, methodologist_take = decode(["uint256", "uint256"], data)
    return SplitPaid(Position.of(log), operator, methodologist, operator_take, methodologist_take)


def reward_claimed(log: dict) -> RewardClaimed:
    topics = log["topics"]
    (amount,) = decode(["uint256"], _data(log))
    return RewardClaimed(Position.of(log), _address(topics[2]), _address(topics[3]), amount)


def _data(log: dict) -> bytes:
    return bytes.fromhex(str(log.get("data", "0x"))[2:])


def _address(word: str) -> str:
    return to_checksum_address("0x" + word[-40:])
