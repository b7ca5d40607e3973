"""The sandbox deploys the leverage settings of the products.toml it ships: the package's copy is the
repository's file (a link that wheels copy), never a second file to keep in step."""

from __future__ import annotations

from indexops.sandbox import scenario
from indexops.sandbox.leverage_settings import SHIPPED_PRODUCTS_FILE, load_strategy_settings, products_file
from tests.paths import SHIPPED_PRODUCTS


def test_the_packaged_products_file_is_the_repository_one():
    assert SHIPPED_PRODUCTS_FILE.read_bytes() == SHIPPED_PRODUCTS.read_bytes()
    assert SHIPPED_PRODUCTS_FILE.resolve() == SHIPPED_PRODUCTS.resolve()
    assert products_file() == SHIPPED_PRODUCTS_FILE


def test_every_sandbox_leverage_product_has_its_settings_in_the_shipped_file():
    keys = [spec.key for spec in scenario.LEVERAGE_PRODUCTS]
    settings = load_strategy_settings(keys)
    assert sorted(settings) == sorted(keys)
    assert settings["btc2x-fli"].collateral_decimals == 8  # WBTC: trade sizes in its base units
    assert settings["btc2x-fli"].exchanges["SushiswapExchangeAdapter"][0] == 12 * 10**8
    assert settings["eth2x-fli"].incentive[1] == 27 * 10**17  # the ripcord's ratio is the product's
