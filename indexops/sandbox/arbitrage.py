"""An arbitrageur for the sandbox: puts every component/WETH pool back at its reference price.

Real markets do this between the chunks of a TWAP; plans assume it, so tests and benchmarks that
execute plans on the sandbox call `restore` between chunks.
"""

from __future__ import annotations

from indexops.chain.abis import contract
from indexops.chain.uniswap import pair_address, sort_tokens
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH
from indexops.errors import SandboxError
from indexops.planning.amm import Pool, amount_out

PRICE_TOLERANCE = 1e-6


class Arbitrageur:
    def __init__(self, w3, deployment: dict):
        self.w3 = w3
        self.account = deployment["accounts"]["arbitrageur"]
        self.weth = deployment["tokens"]["WETH"]
        self.pairs = [
            (pair_address(venue["factory"], address, self.weth, UNISWAP_V2_PAIR_INIT_CODE_HASH), address)
            for venue in deployment["venues"].values()
            for symbol, address in deployment["tokens"].items()
            if symbol not in ("WETH", "USDC")
        ]
        self.pairs = [(pair, token) for pair, token in self.pairs if w3.eth.get_code(pair)]

    def reference(self) -> dict[str, float]:
        """Each pool's current mid price (WETH per token base unit): what `restore` returns to."""
        return {pair: weth / token for pair, (token, weth) in self._reserves().items() if token and weth}

    def restore(self, reference: dict[str, float]) -> int:
        """Trade every pool that moved back to its reference price; returns the number of trades."""
        trades = 0
        for pair, (token_reserve, weth_reserve) in self._reserves().items():
            target = reference.get(pair)
            if target is None or abs(weth_reserve / token_reserve / target - 1) < PRICE_TOLERANCE:
                continue
            self._trade_back(pair, token_reserve, weth_reserve, target)
            trades += 1
        return trades

    def _trade_back(self, pair: str, token_reserve: int, weth_reserve: int, price: float) -> None:
        token = dict(self.pairs)[pair]
        if weth_reserve / token_reserve < price:  # token too cheap: buy it with WETH
            send_token, receive_token, pool = self.weth, token, Pool(weth_reserve, token_reserve, 30)
            moved_price = lambda d, out: (weth_reserve + d) / (token_reserve - out)  # noqa: E731
            overshoots = lambda p: p > price  # noqa: E731
        else:  # token too dear: sell it for WETH
            send_token, receive_token, pool = token, self.weth, Pool(token_reserve, weth_reserve, 30)
            moved_price = lambda d, out: (weth_reserve - out) / (token_reserve + d)  # noqa: E731
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
        token0, _ = sort_tokens(token, self.weth)
        amounts = (out, 0) if receive_token == token0 else (0, out)
        self._send(contract(self.w3, "UniswapV2Pair", pair).functions.swap(*amounts, self.account, b""))

    def _send(self, call, value: int = 0) -> None:
        tx_hash = call.transact({"from": self.account, "value": value, "gas": 300_000})
        if self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01).status != 1:
            raise SandboxError(f"the sandbox arbitrageur's {call.fn_name} reverted")

    def _fund(self, token: str, amount: int) -> None:
        if token == self.weth:
            self._send(contract(self.w3, "WETH9", self.weth).functions.deposit(), value=amount)
        else:
            self._send(contract(self.w3, "ERC20", token).functions.mint(self.account, amount))

    def _reserves(self) -> dict[str, tuple[int, int]]:
        out = {}
        for pair, token in self.pairs:
            reserve0, reserve1, _ = contract(self.w3, "UniswapV2Pair", pair).functions.getReserves().call()
            token_first = sort_tokens(token, self.weth)[0] == token
            out[pair] = (reserve0, reserve1) if token_first else (reserve1, reserve0)
        return out
