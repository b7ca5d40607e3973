"""A small valid products file, and the lines of it that tests edit to make it wrong."""

from __future__ import annotations

BASE = """\
default_network = "sandbox"

[networks.mainnet]
chain_id = 1
rpc_url = "https://eth.example/v2/${ETH_RPC_KEY}"
pricing_venue = "uniswap-v2"

[networks.mainnet.venues.uniswap-v2]
kind = "uniswap-v2"
factory = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
router = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"

[networks.mainnet.tokens]
WETH = { address = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", decimals = 18 }
USDC = { address = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", decimals = 6 }
UNI = { address = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984", decimals = 18 }

[networks.sandbox]
chain_id = 31337
sandbox = true
pricing_venue = "uniswap-v2"

[networks.sandbox.venues.uniswap-v2]
kind = "uniswap-v2"
factory = "0x610178dA211FEF7D417bC0e6FeD39F05609AD788"
router = "0xB7f8BC63BbcaD18155201308C8f3540b07f84F5e"

[networks.sandbox.tokens]
WETH = { address = "0x5FbDB2315678afecb367f032d93F642f64180aa3", decimals = 18 }
USDC = { address = "0x4ed7c70F96B99c776995fB64377f0d4aB3B0e1C1", decimals = 6 }
UNI = { address = "0x322813Fd9A801c5507c9de605d63CEA4f2CE6c44", decimals = 18 }

[products.idx]
name = "Test Index"
symbol = "IDX"

[products.idx.components]
UNI = { weight = 0.6, venues = ["uniswap-v2"] }
WETH = { weight = 0.4 }

[products.idx.deployments.mainnet]
set_token = "0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"
manager_kind = "base-manager"
modules = { gim = "0x84cE03AE547330f61584aD6103743732B1AE97C5" }

[products.idx.deployments.sandbox]
set_token = "0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81"
manager_kind = "delegated"
extensions = { trade = "0xB0f05d25e41FbC2b52013099ED9616f1206Ae21B" }

[products.lev]
name = "Test Leverage"
symbol = "LEV"
kind = "leverage"
leverage = { target = 2.0, min = 1.7, max = 2.3, ripcord = 2.7 }

[products.lev.deployments.mainnet]
set_token = "0xAa6E8127831c9DE45ae56bB1b0d4D4Da6e5665BD"
manager_kind = "base-manager"
extensions = { fli_strategy = "0x9bA41A2C5175d502eA52Ff9A666f8a4fc00C00A1" }
"""

# Lines of BASE that the cases below edit.
MAINNET_RPC = 'rpc_url = "https://eth.example/v2/${ETH_RPC_KEY}"\n'
MAINNET_PRICING = MAINNET_RPC + 'pricing_venue = "uniswap-v2"'
MAINNET_ROUTER = 'router = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"'
MAINNET_WETH = 'WETH = { address = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", decimals = 18 }'
MAINNET_USDC = 'USDC = { address = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", decimals = 6 }'
SANDBOX_HEAD = "[networks.sandbox]\nchain_id = 31337\nsandbox = true\n"
SANDBOX_UNI = 'UNI = { address = "0x322813Fd9A801c5507c9de605d63CEA4f2CE6c44", decimals = 18 }\n'
COMPONENT_UNI = 'UNI = { weight = 0.6, venues = ["uniswap-v2"] }'
COMPONENT_WETH = "WETH = { weight = 0.4 }"
IDX_MAINNET_SET_TOKEN = '"0x1494CA1F11D487c2bBe4543E90080AeBa4BA3C2b"'
IDX_MAINNET_MODULES = 'modules = { gim = "0x84cE03AE547330f61584aD6103743732B1AE97C5" }'
IDX_SANDBOX_SET_TOKEN = 'set_token = "0xd8058efe0198ae9dD7D563e1b4938Dcbc86A1F81"\n'
IDX_SANDBOX_KIND = 'manager_kind = "delegated"'
IDX_SANDBOX_EXTENSIONS = 'extensions = { trade = "0xB0f05d25e41FbC2b52013099ED9616f1206Ae21B" }'
LEV_LEVERAGE = "leverage = { target = 2.0, min = 1.7, max = 2.3, ripcord = 2.7 }\n"
LEV_EXTENSIONS = 'extensions = { fli_strategy = "0x9bA41A2C5175d502eA52Ff9A666f8a4fc00C00A1" }'


def edit(text: str, *replacements: tuple[str, str]) -> str:
    """Apply each (old, new) replacement; each `old` must occur exactly once, so no edit silently misses."""
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text
