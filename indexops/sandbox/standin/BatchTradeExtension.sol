// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";

import { BaseGlobalExtension } from "./BaseGlobalExtension.sol";
import { IDelegatedManager } from "./IDelegatedManager.sol";
import { IManagerCore } from "./IManagerCore.sol";
import { ITradeModule } from "./ITradeModule.sol";
import { StringArrayUtils } from "./StringArrayUtils.sol";

/**
 * Lets a DelegatedManager's operators send several TradeModule trades in one transaction.
 * Each trade runs in its own try/catch: a failed trade emits StringTradeFailed or
 * BytesTradeFailed and the batch goes on, so a successful receipt can hold failed trades.
 * Exchange names must be on this extension's own integration list, kept by ManagerCore's owner.
 */
contract BatchTradeExtension is BaseGlobalExtension {
    using StringArrayUtils for string[];

    /* ============ Structs ============ */

    struct TradeInfo {
        string exchangeName;         // integration name in the IntegrationRegistry (for TradeModule)
        address sendToken;
        uint256 sendQuantity;        // per-SetToken units of sendToken sent
        address receiveToken;
        uint256 receiveQuantity;     // minimum per-SetToken units of receiveToken received
        bytes data;                  // adapter-specific trade data
    }

    /* ============ Events ============ */

    event IntegrationAdded(string _integrationName);
    event IntegrationRemoved(string _integrationName);
    event BatchTradeExtensionInitialized(address indexed _setToken, address indexed _delegatedManager);
    event StringTradeFailed(
        address indexed _setToken,
        uint256 indexed _index,
        string _reason,
        TradeInfo _tradeInfo
    );
    event BytesTradeFailed(
        address indexed _setToken,
        uint256 indexed _index,
        bytes _lowLevelData,
        TradeInfo _tradeInfo
    );

    /* ============ State Variables ============ */

    ITradeModule public immutable tradeModule;

    string[] public integrations;
    mapping(string => bool) public isIntegration;

    /* ============ Modifiers ============ */

    modifier onlyManagerCoreOwner() {
        require(msg.sender == managerCore.owner(), "Caller must be ManagerCore owner");
        _;
    }

    /* ============ Constructor ============ */

    constructor(
        IManagerCore _managerCore,
        ITradeModule _tradeModule,
        string[] memory _integrations
    )
        public
        BaseGlobalExtension(_managerCore)
    {
        tradeModule = _tradeModule;

        for (uint256 i = 0; i < _integrations.length; i++) {
            require(!isIntegration[_integrations[i]], "Integration already exists");
            integrations.push(_integrations[i]);
            _addIntegration(_integrations[i]);
        }
    }

    /* ============ Integration list (ManagerCore owner) ============ */

    function addIntegrations(string[] memory _integrations) external onlyManagerCoreOwner {
        for (uint256 i = 0; i < _integrations.length; i++) {
            require(!isIntegration[_integrations[i]], "Integration already exists");

            integrations.push(_integrations[i]);
            _addIntegration(_integrations[i]);
        }
    }

    function removeIntegrations(string[] memory _integrations) external onlyManagerCoreOwner {
        for (uint256 i = 0; i < _integrations.length; i++) {
            require(isIntegration[_integrations[i]], "Integration does not exist");

            integrations.removeStorage(_integrations[i]);
            isIntegration[_integrations[i]] = false;

            emit IntegrationRemoved(_integrations[i]);
        }
    }

    /* ============ Initialization (DelegatedManager owner) ============ */

    function initializeModule(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        require(_delegatedManager.isInitializedExtension(address(this)), "Extension must be initialized");

        _initializeModule(_delegatedManager.setToken(), _delegatedManager);
    }

    function initializeExtension(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        require(_delegatedManager.isPendingExtension(address(this)), "Extension must be pending");

        ISetToken setToken = _delegatedManager.setToken();
        _initializeExtension(setToken, _delegatedManager);

        emit BatchTradeExtensionInitialized(address(setToken), address(_delegatedManager));
    }

    function initializeModuleAndExtension(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        require(_delegatedManager.isPendingExtension(address(this)), "Extension must be pending");

        ISetToken setToken = _delegatedManager.setToken();
        _initializeExtension(setToken, _delegatedManager);
        _initializeModule(setToken, _delegatedManager);

        emit BatchTradeExtensionInitialized(address(setToken), address(_delegatedManager));
    }

    function removeExtension() external override {
        IDelegatedManager delegatedManager = IDelegatedManager(msg.sender);
        ISetToken setToken = delegatedManager.setToken();

        _removeExtension(setToken, delegatedManager);
    }

    /* ============ Operator ============ */

    /**
     * Runs each trade through TradeModule. An unknown exchange name or a receive token that is not
     * an allowed asset reverts the whole batch; a trade that reverts in the module only emits an event.
     */
    function batchTrade(ISetToken _setToken, TradeInfo[] memory _trades) external onlyOperator(_setToken) {
        IDelegatedManager manager = _manager(_setToken);

        for (uint256 i = 0; i < _trades.length; i++) {
            require(isIntegration[_trades[i].exchangeName], "Must be allowed integration");
            require(manager.isAllowedAsset(_trades[i].receiveToken), "Must be allowed asset");

            bytes memory callData = abi.encodeWithSelector(
                ITradeModule.trade.selector,
                _setToken,
                _trades[i].exchangeName,
                _trades[i].sendToken,
                _trades[i].sendQuantity,
                _trades[i].receiveToken,
                _trades[i].receiveQuantity,
                _trades[i].data
            );

            // The manager's call helper bubbles a module's revert reason and turns an empty revert
            // into a string, so most failures arrive as Error(string); custom errors arrive as bytes.
            try manager.interactManager(address(tradeModule), callData) {
            } catch Error(string memory reason) {
                emit StringTradeFailed(address(_setToken), i, reason, _trades[i]);
            } catch (bytes memory lowLevelData) {
                emit BytesTradeFailed(address(_setToken), i, lowLevelData, _trades[i]);
            }
        }
    }

    /* ============ Views ============ */

    function getIntegrations() external view returns (string[] memory) {
        return integrations;
    }

    /* ============ Internal ============ */

    function _addIntegration(string memory _integration) internal {
        isIntegration[_integration] = true;
        emit IntegrationAdded(_integration);
    }

    function _initializeModule(ISetToken _setToken, IDelegatedManager _delegatedManager) internal {
        bytes memory callData = abi.encodeWithSelector(ITradeModule.initialize.selector, _setToken);
        _invokeManager(_delegatedManager, address(tradeModule), callData);
    }
}
