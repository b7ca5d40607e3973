// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

import { AddressArrayUtils } from "@setprotocol/set-protocol-v2/contracts/lib/AddressArrayUtils.sol";

/**
 * Registry of the self-service stack: the extensions DelegatedManagers may use, the factories
 * allowed to register managers, and the managers those factories deployed.
 */
contract ManagerCore is Ownable {
    using AddressArrayUtils for address[];

    /* ============ Events ============ */

    event ExtensionAdded(address indexed _extension);
    event ExtensionRemoved(address indexed _extension);
    event FactoryAdded(address indexed _factory);
    event FactoryRemoved(address indexed _factory);
    event ManagerAdded(address indexed _manager, address indexed _factory);
    event ManagerRemoved(address indexed _manager);

    /* ============ Modifiers ============ */

    modifier onlyFactory() {
        require(isFactory[msg.sender], "Only valid factories can call");
        _;
    }

    modifier onlyInitialized() {
        require(isInitialized, "Contract must be initialized.");
        _;
    }

    /* ============ State Variables ============ */

    address[] public extensions;
    address[] public factories;
    address[] public managers;

    mapping(address => bool) public isExtension;
    mapping(address => bool) public isFactory;
    mapping(address => bool) public isManager;

    bool public isInitialized;

    /* ============ External Functions ============ */

    /// Owner, once: the first extensions and factories (extensions and factories need this contract's address first).
    function initialize(address[] memory _extensions, address[] memory _factories) external onlyOwner {
        require(!isInitialized, "ManagerCore is already initialized");

        extensions = _extensions;
        factories = _factories;

        for (uint256 i = 0; i < _extensions.length; i++) {
            _addExtension(_extensions[i]);
        }
        for (uint256 i = 0; i < _factories.length; i++) {
            _addFactory(_factories[i]);
        }

        isInitialized = true;
    }

    function addExtension(address _extension) external onlyInitialized onlyOwner {
        require(!isExtension[_extension], "Extension already exists");

        _addExtension(_extension);
        extensions.push(_extension);
    }

    function removeExtension(address _extension) external onlyInitialized onlyOwner {
        require(isExtension[_extension], "Extension does not exist");

        extensions.removeStorage(_extension);
        isExtension[_extension] = false;

        emit ExtensionRemoved(_extension);
    }

    function addFactory(address _factory) external onlyInitialized onlyOwner {
        require(!isFactory[_factory], "Factory already exists");

        _addFactory(_factory);
        factories.push(_factory);
    }

    function removeFactory(address _factory) external onlyInitialized onlyOwner {
        require(isFactory[_factory], "Factory does not exist");

        factories.removeStorage(_factory);
        isFactory[_factory] = false;

        emit FactoryRemoved(_factory);
    }

    /// Factories register each DelegatedManager they deploy.
    function addManager(address _manager) external onlyInitialized onlyFactory {
        require(!isManager[_manager], "Manager already exists");

        isManager[_manager] = true;
        managers.push(_manager);

        emit ManagerAdded(_manager, msg.sender);
    }

    function removeManager(address _manager) external onlyInitialized onlyOwner {
        require(isManager[_manager], "Manager does not exist");

        managers.removeStorage(_manager);
        isManager[_manager] = false;

        emit ManagerRemoved(_manager);
    }

    /* ============ Views ============ */

    function getExtensions() external view returns (address[] memory) {
        return extensions;
    }

    function getFactories() external view returns (address[] memory) {
        return factories;
    }

    function getManagers() external view returns (address[] memory) {
        return managers;
    }

    /* ============ Internal ============ */

    function _addExtension(address _extension) internal {
        require(_extension != address(0), "Zero address submitted.");
        isExtension[_extension] = true;
        emit ExtensionAdded(_extension);
    }

    function _addFactory(address _factory) internal {
        require(_factory != address(0), "Zero address submitted.");
        isFactory[_factory] = true;
        emit FactoryAdded(_factory);
    }
}
