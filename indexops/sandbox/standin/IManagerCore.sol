// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;

interface IManagerCore {
    function addManager(address _manager) external;
    function isExtension(address _extension) external view returns (bool);
    function isFactory(address _factory) external view returns (bool);
    function isManager(address _manager) external view returns (bool);
    function owner() external view returns (address);
}
