// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";

import { IDelegatedManager } from "./IDelegatedManager.sol";
import { IManagerCore } from "./IManagerCore.sol";

/**
 * Base of the "global" extensions: one deployment serves every SetToken whose DelegatedManager
 * has initialized it. Every call names the SetToken; the extension finds its manager in
 * `setManagers` and reads roles (owner, methodologist, operators, allowed assets) from it.
 */
abstract contract BaseGlobalExtension {

    event ExtensionRemoved(address indexed _setToken, address indexed _delegatedManager);

    IManagerCore public immutable managerCore;

    mapping(ISetToken => IDelegatedManager) public setManagers;

    modifier onlyOwner(ISetToken _setToken) {
        require(msg.sender == _manager(_setToken).owner(), "Must be owner");
        _;
    }

    modifier onlyMethodologist(ISetToken _setToken) {
        require(msg.sender == _manager(_setToken).methodologist(), "Must be methodologist");
        _;
    }

    modifier onlyOperator(ISetToken _setToken) {
        require(_manager(_setToken).operatorAllowlist(msg.sender), "Must be approved operator");
        _;
    }

    modifier onlyOwnerAndValidManager(IDelegatedManager _delegatedManager) {
        require(msg.sender == _delegatedManager.owner(), "Must be owner");
        require(managerCore.isManager(address(_delegatedManager)), "Must be ManagerCore-enabled manager");
        _;
    }

    modifier onlyAllowedAsset(ISetToken _setToken, address _asset) {
        require(_manager(_setToken).isAllowedAsset(_asset), "Must be allowed asset");
        _;
    }

    constructor(IManagerCore _managerCore) public {
        managerCore = _managerCore;
    }

    /// Called by a DelegatedManager when its owner removes this extension.
    function removeExtension() external virtual;

    function _invokeManager(IDelegatedManager _delegatedManager, address _module, bytes memory _encoded) internal {
        _delegatedManager.interactManager(_module, _encoded);
    }

    function _manager(ISetToken _setToken) internal view returns (IDelegatedManager) {
        return setManagers[_setToken];
    }

    function _initializeExtension(ISetToken _setToken, IDelegatedManager _delegatedManager) internal {
        setManagers[_setToken] = _delegatedManager;
        _delegatedManager.initializeExtension();
    }

    function _removeExtension(ISetToken _setToken, IDelegatedManager _delegatedManager) internal {
        require(msg.sender == address(_manager(_setToken)), "Must be Manager");
        delete setManagers[_setToken];
        emit ExtensionRemoved(address(_setToken), address(_delegatedManager));
    }
}
