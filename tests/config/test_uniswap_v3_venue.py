"""A uniswap-v3 venue in the products file: its defaults and the keys it needs."""

from __future__ import annotations

import pytest

from indexops.config.loader import parse_products
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH, UNISWAP_V3_POOL_INIT_CODE_HASH
from indexops.errors import ConfigError
from tests.products_base import BASE, edit

SOURCE = "products.toml"
V3_VENUE = """
[networks.sandbox.venues.uniswap-v3]
kind = "uniswap-v3"
fee_tier = 3000
factory = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
router = "0xE592427A0AEce92De3Edee1F18E0157C05861564"
quoter = "0xb27308f9F90D607463bb33eA1BeBb41C27CE5AB6"
"""
WITH_V3 = BASE + V3_VENUE


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_products(text, source=SOURCE)
    return caught.value.problems


def test_a_v3_venue_takes_its_fee_and_pool_init_code_hash_from_its_kind():
    venues = parse_products(WITH_V3, source=SOURCE).networks["sandbox"].venues
    v3, v2 = venues["uniswap-v3"], venues["uniswap-v2"]
    assert (v3.kind, v3.fee_tier, v3.fee_bps, v3.init_code_hash) == ("uniswap-v3", 3000, 30, UNISWAP_V3_POOL_INIT_CODE_HASH)
    assert (v2.kind, v2.fee_tier, v2.quoter, v2.init_code_hash) == ("uniswap-v2", None, None, UNISWAP_V2_PAIR_INIT_CODE_HASH)
    low = parse_products(edit(WITH_V3, ("fee_tier = 3000", "fee_tier = 500")), source=SOURCE)
    assert low.networks["sandbox"].venues["uniswap-v3"].fee_bps == 5


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("fee_tier = 3000\n", "", ["networks.sandbox.venues.uniswap-v3.fee_tier: missing: a uniswap-v3 venue trades in one "
                                  "fee tier's pools (e.g. 3000 for 0.3%)"]),
        ('quoter = "0xb27308f9F90D607463bb33eA1BeBb41C27CE5AB6"\n', "",
         ["networks.sandbox.venues.uniswap-v3.quoter: missing: a uniswap-v3 venue's planned amounts are checked with its Quoter"]),
        ("fee_tier = 3000", "fee_tier = 250",
         ["networks.sandbox.venues.uniswap-v3.fee_tier: must be a whole number of basis points, a multiple of 100 (got 250)"]),
        ("fee_tier = 3000", "fee_tier = 3000\nfee_bps = 5",
         ["networks.sandbox.venues.uniswap-v3.fee_bps: must be fee_tier / 100 = 30 for a uniswap-v3 venue (got 5)"]),
        ('kind = "uniswap-v3"', 'kind = "uniswap-v2"',
         ["networks.sandbox.venues.uniswap-v3.fee_tier: applies to uniswap-v3 venues only (this venue is 'uniswap-v2')",
          "networks.sandbox.venues.uniswap-v3.quoter: applies to uniswap-v3 venues only (this venue is 'uniswap-v2')"]),
    ],
    ids=["no-fee-tier", "no-quoter", "fractional-bps", "fee-bps-disagrees", "v3-keys-on-v2"],
)
def test_a_v3_venue_needs_a_quoter_and_a_whole_bps_fee_tier(old, new, expected):
    assert problems(edit(WITH_V3, (old, new))) == [f"{SOURCE}: {line}" for line in expected]
