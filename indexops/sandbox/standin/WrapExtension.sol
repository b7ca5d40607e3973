// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";

import { BaseGlobalExtension } from "./BaseGlobalExtension.sol";
import { IDelegatedManager } from "./IDelegatedManager.sol";
import { IManagerCore } from "./IManagerCore.sol";
import { IWrapModuleV2 } from "./IWrapModuleV2.sol";

/**
 * Lets a DelegatedManager's operators wrap a position into a yield-bearing token (and back) through
 * Set V2's WrapModuleV2 and a wrap adapter named in the IntegrationRegistry. The token a call leaves
 * the SetToken holding must be an allowed asset: the wrapped token on wrap, the underlying on unwrap,
 * WETH on unwrapWithEther. Initialization checks are the manager's (pending, then initialized).
 */
contract WrapExtension is BaseGlobalExtension {

    event WrapExtensionInitialized(address indexed _setToken, address indexed _delegatedManager);

    IWrapModuleV2 public immutable wrapModule;

    constructor(IManagerCore _managerCore, IWrapModuleV2 _wrapModule) public BaseGlobalExtension(_managerCore) {
        wrapModule = _wrapModule;
    }

    /* ============ Initialization (DelegatedManager owner) ============ */

    function initializeModule(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        _initializeModule(_delegatedManager.setToken(), _delegatedManager);
    }

    function initializeExtension(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        ISetToken setToken = _delegatedManager.setToken();
        _initializeExtension(setToken, _delegatedManager);

        emit WrapExtensionInitialized(address(setToken), address(_delegatedManager));
    }

    function initializeModuleAndExtension(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        ISetToken setToken = _delegatedManager.setToken();
        _initializeExtension(setToken, _delegatedManager);
        _initializeModule(setToken, _delegatedManager);

        emit WrapExtensionInitialized(address(setToken), address(_delegatedManager));
    }

    function removeExtension() external override {
        IDelegatedManager delegatedManager = IDelegatedManager(msg.sender);
        _removeExtension(delegatedManager.setToken(), delegatedManager);
    }

    /* ============ Operator ============ */

    function wrap(
        ISetToken _setToken,
        address _underlyingToken,
        address _wrappedToken,
        uint256 _underlyingUnits,
        string calldata _integrationName,
        bytes memory _wrapData
    )
        external
        onlyOperator(_setToken)
        onlyAllowedAsset(_setToken, _wrappedToken)
    {
        _invokeManager(
            _manager(_setToken),
            address(wrapModule),
            abi.encodeWithSelector(
                IWrapModuleV2.wrap.selector,
                _setToken,
                _underlyingToken,
                _wrappedToken,
                _underlyingUnits,
                _integrationName,
                _wrapData
            )
        );
    }

    function wrapWithEther(
        ISetToken _setToken,
        address _wrappedToken,
        uint256 _underlyingUnits,
        string calldata _integrationName,
        bytes memory _wrapData
    )
        external
        onlyOperator(_setToken)
        onlyAllowedAsset(_setToken, _wrappedToken)
    {
        _invokeManager(
            _manager(_setToken),
            address(wrapModule),
            abi.encodeWithSelector(
                IWrapModuleV2.wrapWithEther.selector,
                _setToken,
                _wrappedToken,
                _underlyingUnits,
                _integrationName,
                _wrapData
            )
        );
    }

    function unwrap(
        ISetToken _setToken,
        address _underlyingToken,
        address _wrappedToken,
        uint256 _wrappedUnits,
        string calldata _integrationName,
        bytes memory _unwrapData
    )
        external
        onlyOperator(_setToken)
        onlyAllowedAsset(_setToken, _underlyingToken)
    {
        _invokeManager(
            _manager(_setToken),
            address(wrapModule),
            abi.encodeWithSelector(
                IWrapModuleV2.unwrap.selector,
                _setToken,
                _underlyingToken,
                _wrappedToken,
                _wrappedUnits,
                _integrationName,
                _unwrapData
            )
        );
    }

    function unwrapWithEther(
        ISetToken _setToken,
        address _wrappedToken,
        uint256 _wrappedUnits,
        string calldata _integrationName,
        bytes memory _unwrapData
    )
        external
        onlyOperator(_setToken)
        onlyAllowedAsset(_setToken, address(wrapModule.weth()))
    {
        _invokeManager(
            _manager(_setToken),
            address(wrapModule),
            abi.encodeWithSelector(
                IWrapModuleV2.unwrapWithEther.selector,
                _setToken,
                _wrappedToken,
                _wrappedUnits,
                _integrationName,
                _unwrapData
            )
        );
    }

    /* ============ Internal ============ */

    function _initializeModule(ISetToken _setToken, IDelegatedManager _delegatedManager) internal {
        _invokeManager(_delegatedManager, address(wrapModule), abi.encodeWithSelector(IWrapModuleV2.initialize.selector, _setToken));
    }
}
