"""`indexops fees status PRODUCT`: the streaming fee, what it has earned since its last accrual, and what each
party of the split would receive if `accrueFeesAndDistribute` were mined now (at the latest block's time), in
sets and in USD at the product's NAV; DebtIssuanceModule's issue / redeem fees where the product has one."""

from __future__ import annotations

from dataclasses import dataclass

from indexops.chain.fee_reader import FeeReading, read_fees
from indexops.config.selection import ProductOnNetwork
from indexops.report.fee_split import PRECISE_UNIT, FeePreview, FeeTerms, preview

SPLIT_NAMES = {
    "fee-split-extension": "Index Coop StreamingFeeSplitExtension",
    "fee-split-adapter": "Index Coop FeeSplitAdapter",
    "delegated-manager": "StreamingFeeSplitExtension through the DelegatedManager",
}


@dataclass(frozen=True)
class FeeStatus:
    product_key: str
    network: str
    reading: FeeReading
    preview: FeePreview
    nav_usd: float | None  # one set's value after the accrual's dilution

    @property
    def operator_role(self) -> str:
        return "owner" if self.reading.split_kind == "delegated-manager" else "operator"

    def usd(self, sets: int) -> float | None:
        return None if self.nav_usd is None else sets / PRECISE_UNIT * self.nav_usd

    def as_json(self) -> dict:
        r, p = self.reading, self.preview

        def sets(value: int) -> dict:
            return {"sets": str(value), "usd": self.usd(value)}

        return {
            "product": self.product_key,
            "network": self.network,
            "block_number": r.block_number,
            "timestamp": r.timestamp,
            "streaming_fee": {
                "percentage": str(r.percentage),
                "max_percentage": str(r.max_percentage),
                "recipient": r.recipient,
                "last_accrual": r.last_accrual,
                "accrued_fraction": str(p.fraction),
                "minted_now": sets(p.minted),
                "to_protocol": sets(p.to_protocol),
            },
            "split": {
                "kind": r.split_kind,
                "contract": r.splitter,
                "holder": r.holder,
                "held": sets(r.held),
                f"{self.operator_role}_share": str(r.operator_share),
                self.operator_role: {"address": r.operator, **sets(p.to_operator)},
                "methodologist": {"address": r.methodologist, **sets(p.to_methodologist)},
            },
            "issuance_fees": None
            if r.issuance is None
            else {
                "issue_fee": str(r.issuance.issue_fee),
                "redeem_fee": str(r.issuance.redeem_fee),
                "recipient": r.issuance.recipient,
            },
            "nav_usd": self.nav_usd,
        }


def fee_terms(reading: FeeReading) -> FeeTerms:
    """The reading as the fee arithmetic takes it."""
    return FeeTerms(
        percentage=reading.percentage,
        last_accrual=reading.last_accrual,
        total_supply=reading.total_supply,
        protocol_share=reading.protocol_share,
        held_by_recipient=reading.held,
        operator_share=reading.operator_share,
        accrues_to_holder=reading.recipient.lower() == reading.holder.lower(),
    )


def fee_status(target: ProductOnNetwork, connection) -> FeeStatus:
    reading = read_fees(connection, target)
    seen = preview(fee_terms(reading), reading.timestamp)
    nav = _nav_usd(target, connection)
    diluted = None if nav is None else nav * (1 - seen.fraction / PRECISE_UNIT)
    return FeeStatus(target.key, target.where.name, reading, seen, diluted)


def _nav_usd(target: ProductOnNetwork, connection) -> float | None:
    """One set's value now: the leverage token's collateral less debt, or the index's components at their prices."""
    if target.product.kind == "leverage":
        from indexops.chain.leverage_reader import read_leverage
        from indexops.leverage.state import nav_per_token
        from indexops.workflows.leverage_status import strategy_address

        state = read_leverage(connection, strategy_address(target)).state
        return nav_per_token(state) / PRECISE_UNIT if state.set_total_supply else None
    from indexops.chain.reader import read_snapshot
    from indexops.valuation import value

    return value(read_snapshot(connection, target)).value_per_set_usd
