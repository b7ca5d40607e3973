"""An arbitrageur for the sandbox: puts every component/WETH pool back at its reference price.

Real markets do this between the chunks of a TWAP; plans assume it, so tests and benchmarks that
execute plans on the sandbox call `restore` between chunks. Uniswap V2 pairs are traded directly
by the input found by bisection; Uniswap V3 pools through the SwapRouter with the reference
price as the swap's price limit, where the pool stops exactly. `move_pair` and `move_v3_pool` put
any one pool (USDC pairs, WBTC pairs...) at a given price the same way.
"""

from __future__ import annotations

from indexops.chain import uniswap_v3
from indexops.chain.abis import contract
from indexops.chain.uniswap import pair_address, sort_tokens
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH, UNISWAP_V3_POOL_INIT_CODE_HASH
from indexops.errors import SandboxError
from indexops.planning.amm import Pool, amount_out
from indexops.sandbox.scenario import UNISWAP_V3_FEE_TIER

PRICE_TOLERANCE = 1e-6
FAR_DEADLINE = 2**63
MAX_UINT = 2**256 - 1
FEE_TIER_UNIT = 1_000_000


class PoolMover:
    """Trades one pool at a time to a given price, from an account that mints or wraps what it sells."""

    def __init__(self, w3, account: str, weth: str):
        self.w3 = w3
        self.account = account
        self.weth = weth

    def move_pair(self, pair: str, token: str, quote: str, price: float) -> bool:
        """Trade the V2 `pair` until it prices `token` at `price` (`quote` base units per `token` base
        unit); False when it already does."""
        token_reserve, quote_reserve = self.pair_reserves(pair, token, quote)
        if not token_reserve or abs(quote_reserve / token_reserve / price - 1) < PRICE_TOLERANCE:
            return False
        self._trade_to(pair, token, quote, token_reserve, quote_reserve, price)
        return True

    def move_v3_pool(self, pool: str, token: str, quote: str, router: str, sqrt_price_x96: int) -> bool:
        """Swap in the V3 `pool` of (token, quote) until its sqrtPriceX96 is the one given."""
        if self.sqrt_price(pool) == sqrt_price_x96:
            return False
        self._swap_to_v3(pool, token, quote, router, sqrt_price_x96)
        return True

    def pair_reserves(self, pair: str, token: str, quote: str) -> tuple[int, int]:
        reserve0, reserve1, _ = contract(self.w3, "UniswapV2Pair", pair).functions.getReserves().call()
        return (reserve0, reserve1) if sort_tokens(token, quote)[0] == token else (reserve1, reserve0)

    def _trade_to(
        self, pair: str, token: str, quote: str, token_reserve: int, quote_reserve: int, price: float
    ) -> None:
        if quote_reserve / token_reserve < price:  # token too cheap: buy it with the quote token
            send_token, receive_token, pool = quote, token, Pool(quote_reserve, token_reserve, 30)
            moved_price = lambda d, out: (quote_reserve + d) / (token_reserve - out)  # noqa: E731
            overshoots = lambda p: p > price  # noqa: E731
        else:  # token too dear: sell it for the quote token
            send_token, receive_token, pool = token, quote, Pool(token_reserve, quote_reserve, 30)
            moved_price = lambda d, out: (quote_reserve - out) / (token_reserve + d)  # noqa: E731
            overshoots = lambda p: p < price  # noqa: E731
        low, high = 0, pool.reserve_in  # the input that lands on the reference price, by bisection
        while high - low > 1:
            middle = (low + high) // 2
            if overshoots(moved_price(middle, amount_out(pool, middle))):
                high = middle
            else:
                low = middle
        out = amount_out(pool, low)
        if low == 0 or out == 0:
            return
        self._fund(send_token, low)
        self._send(contract(self.w3, "ERC20", send_token).functions.transfer(pair, low))
        token0, _ = sort_tokens(token, quote)
        amounts = (out, 0) if receive_token == token0 else (0, out)
        self._send(contract(self.w3, "UniswapV2Pair", pair).functions.swap(*amounts, self.account, b""))

    def _swap_to_v3(self, pool: str, token: str, quote: str, router: str, target: int) -> None:
        bound = contract(self.w3, "UniswapV3Pool", pool).functions
        current, liquidity = bound.slot0().call()[0], bound.liquidity().call()
        token0, token1 = sort_tokens(token, quote)
        q96 = uniswap_v3.Q96
        if current < target:  # token0 too cheap: token1 in raises sqrt(P) by amount1 / L
            send, receive = token1, token0
            needed = -(-liquidity * (target - current) // q96)
        else:  # token0 too dear: token0 in lowers sqrt(P) to L / (L / sqrt(P) + amount0)
            send, receive = token0, token1
            needed = -(-liquidity * q96 * (current - target) // (current * target))
        # More than enough after the fee: the price limit stops the swap at the target, the rest is not taken.
        amount = needed * FEE_TIER_UNIT // (FEE_TIER_UNIT - UNISWAP_V3_FEE_TIER) * 101 // 100 + 1
        self._fund(send, amount)
        erc20 = contract(self.w3, "ERC20", send)
        if erc20.functions.allowance(self.account, router).call() < amount:
            self._send(erc20.functions.approve(router, MAX_UINT))
        self._send(
            contract(self.w3, "UniswapV3SwapRouter", router).functions.exactInputSingle(
                (send, receive, UNISWAP_V3_FEE_TIER, self.account, FAR_DEADLINE, amount, 0, target)
            )
        )

    def sqrt_price(self, pool: str) -> int:
        return contract(self.w3, "UniswapV3Pool", pool).functions.slot0().call()[0]

    def _send(self, call, value: int = 0) -> None:
        tx_hash = call.transact({"from": self.account, "value": value, "gas": 300_000})
        if self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01).status != 1:
            raise SandboxError(f"the sandbox arbitrageur's {call.fn_name} reverted")

    def _fund(self, token: str, amount: int) -> None:
        if token == self.weth:
            self._send(contract(self.w3, "WETH9", self.weth).functions.deposit(), value=amount)
        else:
            self._send(contract(self.w3, "ERC20", token).functions.mint(self.account, amount))


class Arbitrageur(PoolMover):
    """Puts every component/WETH pool of the deployment back at a reference price."""

    def __init__(self, w3, deployment: dict):
        super().__init__(w3, deployment["accounts"]["arbitrageur"], deployment["tokens"]["WETH"])
        traded = [address for symbol, address in deployment["tokens"].items() if symbol not in ("WETH", "USDC")]
        v2 = [venue for venue in deployment["venues"].values() if "quoter" not in venue]
        v3 = [venue for venue in deployment["venues"].values() if "quoter" in venue]
        self.pairs = [
            (pair_address(venue["factory"], address, self.weth, UNISWAP_V2_PAIR_INIT_CODE_HASH), address)
            for venue in v2
            for address in traded
        ]
        self.pairs = [(pair, token) for pair, token in self.pairs if w3.eth.get_code(pair)]
        self.v3_pools = [
            (
                uniswap_v3.pool_address(
                    venue["factory"], address, self.weth, UNISWAP_V3_FEE_TIER, UNISWAP_V3_POOL_INIT_CODE_HASH
                ),
                address,
                venue["router"],
            )
            for venue in v3
            for address in traded
        ]
        self.v3_pools = [(pool, token, router) for pool, token, router in self.v3_pools if w3.eth.get_code(pool)]

    def reference(self) -> dict[str, float | int]:
        """What `restore` returns to: each V2 pair's mid price (WETH per token base unit) and each
        V3 pool's sqrtPriceX96."""
        prices: dict[str, float | int] = {
            pair: weth / token for pair, (token, weth) in self._reserves().items() if token and weth
        }
        prices.update({pool: self.sqrt_price(pool) for pool, _, _ in self.v3_pools})
        return prices

    def restore(self, reference: dict[str, float | int]) -> int:
        """Trade every pool that moved back to its reference price; returns the number of trades."""
        trades = 0
        for pair, (token_reserve, weth_reserve) in self._reserves().items():
            target = reference.get(pair)
            if target is None or abs(weth_reserve / token_reserve / target - 1) < PRICE_TOLERANCE:
                continue
            self._trade_to(pair, dict(self.pairs)[pair], self.weth, token_reserve, weth_reserve, target)
            trades += 1
        for pool, token, router in self.v3_pools:
            target = reference.get(pool)
            if target is None or self.sqrt_price(pool) == target:
                continue
            self._swap_to_v3(pool, token, self.weth, router, int(target))
            trades += 1
        return trades

    def _reserves(self) -> dict[str, tuple[int, int]]:
        return {pair: self.pair_reserves(pair, token, self.weth) for pair, token in self.pairs}
