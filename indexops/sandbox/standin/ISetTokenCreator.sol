// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;

/// Set V2's SetTokenCreator (the factory of SetTokens registered on the Controller).
interface ISetTokenCreator {
    function create(
        address[] memory _components,
        int256[] memory _units,
        address[] memory _modules,
        address _manager,
        string memory _name,
        string memory _symbol
    ) external returns (address);
}
