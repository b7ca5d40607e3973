// SPDX-License-Identifier: MIT
// Stand-ins for everything FlexibleLeverageStrategyExtension reads, with settable answers, for the
// differential test: the SetToken (totalSupply), the collateral cToken (balanceOf, exchangeRateStored),
// the borrow cToken (borrowBalanceStored), the Comptroller (markets) and the manager (operator,
// interactManager). interactManager reverts with the module call it was asked to make, so an eth_call of
// rebalance / iterateRebalance / ripcord / engage / disengage returns the lever or delever arguments.
pragma solidity 0.6.10;
pragma experimental ABIEncoderV2;

contract World {
    uint256 public cBalance;
    uint256 public rate;
    uint256 public borrowBal;
    uint256 public supply;
    uint256 public cf;
    address public operator;

    function set(uint256 _c, uint256 _r, uint256 _b, uint256 _s, uint256 _cf) external {
        cBalance = _c; rate = _r; borrowBal = _b; supply = _s; cf = _cf;
    }
    function setOperator(address _o) external { operator = _o; }
    function balanceOf(address) external view returns (uint256) { return cBalance; }
    function exchangeRateStored() external view returns (uint256) { return rate; }
    function borrowBalanceStored(address) external view returns (uint256) { return borrowBal; }
    function totalSupply() external view returns (uint256) { return supply; }
    function markets(address) external view returns (bool, uint256, bool) { return (true, cf, false); }
    function interactManager(address, bytes calldata _data) external pure {
        bytes memory d = _data;
        assembly { revert(add(d, 32), mload(d)) }
    }
    function nowTs() external view returns (uint256) { return block.timestamp; }
}

contract Oracle {
    int256 public latestAnswer;
    function set(int256 _a) external { latestAnswer = _a; }
}
