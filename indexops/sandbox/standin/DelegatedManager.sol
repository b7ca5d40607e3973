// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { Address } from "@openzeppelin/contracts/utils/Address.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/SafeERC20.sol";

import { AddressArrayUtils } from "@setprotocol/set-protocol-v2/contracts/lib/AddressArrayUtils.sol";
import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";
import { PreciseUnitMath } from "@setprotocol/set-protocol-v2/contracts/lib/PreciseUnitMath.sol";

import { IGlobalExtension } from "./IGlobalExtension.sol";
import { MutualUpgradeV2 } from "./MutualUpgradeV2.sol";

/**
 * The manager of one SetToken. The owner administers it; allowlisted operators act through
 * extensions, which call modules with `interactManager`; the methodologist shares fees with the
 * owner's fee recipient by `ownerFeeSplit`.
 *
 * Deployed by DelegatedManagerFactory, which is owner and methodologist until it has run the
 * extensions' initialization calls, then hands both roles over.
 */
contract DelegatedManager is Ownable, MutualUpgradeV2 {
    using Address for address;
    using AddressArrayUtils for address[];
    using SafeERC20 for IERC20;

    /* ============ Enums ============ */

    enum ExtensionState {
        NONE,
        PENDING,
        INITIALIZED
    }

    /* ============ Events ============ */

    event MethodologistChanged(address indexed _newMethodologist);
    event ExtensionAdded(address indexed _extension);
    event ExtensionRemoved(address indexed _extension);
    event ExtensionInitialized(address indexed _extension);
    event OperatorAdded(address indexed _operator);
    event OperatorRemoved(address indexed _operator);
    event AllowedAssetAdded(address indexed _asset);
    event AllowedAssetRemoved(address indexed _asset);
    event UseAssetAllowlistUpdated(bool _status);
    event OwnerFeeSplitUpdated(uint256 _newFeeSplit);
    event OwnerFeeRecipientUpdated(address indexed _newFeeRecipient);

    /* ============ Modifiers ============ */

    modifier onlyExtension() {
        require(extensionAllowlist[msg.sender] == ExtensionState.INITIALIZED, "Must be initialized extension");
        _;
    }

    modifier onlyMethodologist() {
        require(msg.sender == methodologist, "Must be methodologist");
        _;
    }

    /* ============ State Variables ============ */

    ISetToken public immutable setToken;
    address public immutable factory;

    address public ownerFeeRecipient;
    address public methodologist;

    // Initialized extensions; pending ones are only in extensionAllowlist
    address[] internal extensions;
    mapping(address => ExtensionState) public extensionAllowlist;

    address[] internal operators;
    mapping(address => bool) public operatorAllowlist;

    address[] internal allowedAssets;
    mapping(address => bool) public assetAllowlist;

    bool public useAssetAllowlist;

    // Share of fees for ownerFeeRecipient, 1e18 = 100%; the methodologist gets the rest
    uint256 public ownerFeeSplit;

    /* ============ Constructor ============ */

    constructor(
        ISetToken _setToken,
        address _factory,
        address _methodologist,
        address[] memory _extensions,
        address[] memory _operators,
        address[] memory _allowedAssets,
        bool _useAssetAllowlist
    )
        public
    {
        setToken = _setToken;
        factory = _factory;
        methodologist = _methodologist;
        useAssetAllowlist = _useAssetAllowlist;
        emit UseAssetAllowlistUpdated(_useAssetAllowlist);

        _addExtensions(_extensions);
        _addOperators(_operators);
        _addAllowedAssets(_allowedAssets);
    }

    /* ============ Extension calls ============ */

    /// An initialized extension calls a module (never the SetToken itself) as the SetToken's manager.
    function interactManager(address _module, bytes calldata _data) external onlyExtension {
        require(_module != address(setToken), "Extensions cannot call SetToken");
        // Reverts bubble up; an empty revert becomes "Address: low-level call with value failed"
        _module.functionCallWithValue(_data, 0);
    }

    /// An initialized extension moves tokens this manager holds (fee distribution).
    function transferTokens(address _token, address _destination, uint256 _amount) external onlyExtension {
        IERC20(_token).safeTransfer(_destination, _amount);
    }

    /// A pending extension marks itself initialized.
    function initializeExtension() external {
        require(extensionAllowlist[msg.sender] == ExtensionState.PENDING, "Extension must be pending");

        extensionAllowlist[msg.sender] = ExtensionState.INITIALIZED;
        extensions.push(msg.sender);

        emit ExtensionInitialized(msg.sender);
    }

    /* ============ Owner functions ============ */

    function addExtensions(address[] memory _extensions) external onlyOwner {
        _addExtensions(_extensions);
    }

    function removeExtensions(address[] memory _extensions) external onlyOwner {
        for (uint256 i = 0; i < _extensions.length; i++) {
            address extension = _extensions[i];

            require(extensionAllowlist[extension] == ExtensionState.INITIALIZED, "Extension not initialized");

            extensions.removeStorage(extension);
            extensionAllowlist[extension] = ExtensionState.NONE;

            IGlobalExtension(extension).removeExtension();

            emit ExtensionRemoved(extension);
        }
    }

    function addOperators(address[] memory _operators) external onlyOwner {
        _addOperators(_operators);
    }

    function removeOperators(address[] memory _operators) external onlyOwner {
        for (uint256 i = 0; i < _operators.length; i++) {
            address operator = _operators[i];

            require(operatorAllowlist[operator], "Operator not already added");

            operators.removeStorage(operator);
            operatorAllowlist[operator] = false;

            emit OperatorRemoved(operator);
        }
    }

    function addAllowedAssets(address[] memory _assets) external onlyOwner {
        _addAllowedAssets(_assets);
    }

    function removeAllowedAssets(address[] memory _assets) external onlyOwner {
        for (uint256 i = 0; i < _assets.length; i++) {
            address asset = _assets[i];

            require(assetAllowlist[asset], "Asset not already added");

            allowedAssets.removeStorage(asset);
            assetAllowlist[asset] = false;

            emit AllowedAssetRemoved(asset);
        }
    }

    function updateUseAssetAllowlist(bool _useAssetAllowlist) external onlyOwner {
        useAssetAllowlist = _useAssetAllowlist;
        emit UseAssetAllowlistUpdated(_useAssetAllowlist);
    }

    /// Owner and methodologist must both send this same call (one call when they are the same address).
    function updateOwnerFeeSplit(uint256 _newFeeSplit) external mutualUpgrade(owner(), methodologist) {
        require(_newFeeSplit <= PreciseUnitMath.preciseUnit(), "Invalid fee split");

        ownerFeeSplit = _newFeeSplit;
        emit OwnerFeeSplitUpdated(_newFeeSplit);
    }

    function updateOwnerFeeRecipient(address _newFeeRecipient) external onlyOwner {
        require(_newFeeRecipient != address(0), "Null address passed");

        ownerFeeRecipient = _newFeeRecipient;
        emit OwnerFeeRecipientUpdated(_newFeeRecipient);
    }

    function setMethodologist(address _newMethodologist) external onlyMethodologist {
        methodologist = _newMethodologist;
        emit MethodologistChanged(_newMethodologist);
    }

    /// Hands the SetToken to another manager; every extension must have been removed first.
    function setManager(address _newManager) external onlyOwner {
        require(extensions.length == 0, "Must remove all extensions");
        setToken.setManager(_newManager);
    }

    function addModule(address _module) external onlyOwner {
        setToken.addModule(_module);
    }

    function removeModule(address _module) external onlyOwner {
        setToken.removeModule(_module);
    }

    /* ============ Views ============ */

    function getExtensions() external view returns (address[] memory) {
        return extensions;
    }

    function getOperators() external view returns (address[] memory) {
        return operators;
    }

    function getAllowedAssets() external view returns (address[] memory) {
        return allowedAssets;
    }

    function isAllowedAsset(address _asset) external view returns (bool) {
        return !useAssetAllowlist || assetAllowlist[_asset];
    }

    function isPendingExtension(address _extension) external view returns (bool) {
        return extensionAllowlist[_extension] == ExtensionState.PENDING;
    }

    function isInitializedExtension(address _extension) external view returns (bool) {
        return extensionAllowlist[_extension] == ExtensionState.INITIALIZED;
    }

    /* ============ Internal ============ */

    function _addExtensions(address[] memory _extensions) internal {
        for (uint256 i = 0; i < _extensions.length; i++) {
            address extension = _extensions[i];

            require(extensionAllowlist[extension] == ExtensionState.NONE, "Extension already exists");

            extensionAllowlist[extension] = ExtensionState.PENDING;

            emit ExtensionAdded(extension);
        }
    }

    function _addOperators(address[] memory _operators) internal {
        for (uint256 i = 0; i < _operators.length; i++) {
            address operator = _operators[i];

            require(!operatorAllowlist[operator], "Operator already added");

            operators.push(operator);
            operatorAllowlist[operator] = true;

            emit OperatorAdded(operator);
        }
    }

    function _addAllowedAssets(address[] memory _assets) internal {
        for (uint256 i = 0; i < _assets.length; i++) {
            address asset = _assets[i];

            require(!assetAllowlist[asset], "Asset already added");

            allowedAssets.push(asset);
            assetAllowlist[asset] = true;

            emit AllowedAssetAdded(asset);
        }
    }
}
