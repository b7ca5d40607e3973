// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";

/// What extensions and the factory need from a DelegatedManager.
interface IDelegatedManager {
    function interactManager(address _module, bytes calldata _encoded) external;
    function initializeExtension() external;
    function transferTokens(address _token, address _destination, uint256 _amount) external;
    function updateOwnerFeeSplit(uint256 _newFeeSplit) external;
    function updateOwnerFeeRecipient(address _newFeeRecipient) external;
    function setMethodologist(address _newMethodologist) external;
    function transferOwnership(address _owner) external;

    function setToken() external view returns (ISetToken);
    function owner() external view returns (address);
    function methodologist() external view returns (address);
    function operatorAllowlist(address _operator) external view returns (bool);
    function assetAllowlist(address _asset) external view returns (bool);
    function useAssetAllowlist() external view returns (bool);
    function isAllowedAsset(address _asset) external view returns (bool);
    function isPendingExtension(address _extension) external view returns (bool);
    function isInitializedExtension(address _extension) external view returns (bool);
    function getExtensions() external view returns (address[] memory);
    function getOperators() external view returns (address[] memory);
    function getAllowedAssets() external view returns (address[] memory);
    function ownerFeeRecipient() external view returns (address);
    function ownerFeeSplit() external view returns (uint256);
}
