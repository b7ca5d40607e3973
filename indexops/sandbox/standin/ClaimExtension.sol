// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeMath } from "@openzeppelin/contracts/math/SafeMath.sol";

import { IClaimAdapter } from "@setprotocol/set-protocol-v2/contracts/interfaces/IClaimAdapter.sol";
import { IIntegrationRegistry } from "@setprotocol/set-protocol-v2/contracts/interfaces/IIntegrationRegistry.sol";
import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";
import { PreciseUnitMath } from "@setprotocol/set-protocol-v2/contracts/lib/PreciseUnitMath.sol";

import { BaseGlobalExtension } from "./BaseGlobalExtension.sol";
import { IAirdropModule } from "./IAirdropModule.sol";
import { IClaimModule } from "./IClaimModule.sol";
import { IDelegatedManager } from "./IDelegatedManager.sol";
import { IManagerCore } from "./IManagerCore.sol";

/**
 * Claims rewards through Set V2's ClaimModule and absorbs them (and other airdrops) into the
 * SetToken's positions through the AirdropModule. Operators (or anyone, when both modules allow
 * it) claim and absorb; the owner administers both modules. Reward tokens must be allowed assets.
 *
 * batchClaimAndAbsorb reproduces the published contract's behaviour: its list of reward tokens
 * is a storage array at slot 0 that is never cleared, so every call absorbs again every token
 * any earlier batch call claimed and its gas grows without bound.
 */
contract ClaimExtension is BaseGlobalExtension {
    using PreciseUnitMath for uint256;
    using SafeMath for uint256;

    /* ============ Events ============ */

    event ClaimExtensionInitialized(address indexed _setToken, address indexed _delegatedManager);

    event FeesDistributed(
        address _setToken,
        address _token,
        address indexed _ownerFeeRecipient,
        address indexed _methodologist,
        uint256 _ownerTake,
        uint256 _methodologistTake
    );

    /* ============ Modifiers ============ */

    modifier onlyAllowedAssets(ISetToken _setToken, address[] memory _assets) {
        _validateAllowedAssets(_setToken, _assets);
        _;
    }

    modifier onlyValidAbsorbCaller(ISetToken _setToken) {
        require(_isValidAbsorbCaller(_setToken), "Must be valid AirdropModule absorb caller");
        _;
    }

    modifier onlyValidClaimAndAbsorbCaller(ISetToken _setToken) {
        require(_isValidClaimAndAbsorbCaller(_setToken), "Must be valid AirdropModule absorb and ClaimModule claim caller");
        _;
    }

    /* ============ State Variables ============ */

    IAirdropModule public immutable airdropModule;
    IClaimModule public immutable claimModule;
    IIntegrationRegistry public immutable integrationRegistry;

    /* ============ Constructor ============ */

    constructor(
        IManagerCore _managerCore,
        IAirdropModule _airdropModule,
        IClaimModule _claimModule,
        IIntegrationRegistry _integrationRegistry
    )
        public
        BaseGlobalExtension(_managerCore)
    {
        airdropModule = _airdropModule;
        claimModule = _claimModule;
        integrationRegistry = _integrationRegistry;
    }

    /* ============ Anyone ============ */

    /// Splits the `_token` balance the manager holds (airdrop fees) by ownerFeeSplit.
    function distributeFees(ISetToken _setToken, IERC20 _token) public {
        IDelegatedManager delegatedManager = _manager(_setToken);

        uint256 totalFees = _token.balanceOf(address(delegatedManager));

        address methodologist = delegatedManager.methodologist();
        address ownerFeeRecipient = delegatedManager.ownerFeeRecipient();

        uint256 ownerTake = totalFees.preciseMul(delegatedManager.ownerFeeSplit());
        uint256 methodologistTake = totalFees.sub(ownerTake);

        if (ownerTake > 0) {
            delegatedManager.transferTokens(address(_token), ownerFeeRecipient, ownerTake);
        }

        if (methodologistTake > 0) {
            delegatedManager.transferTokens(address(_token), methodologist, methodologistTake);
        }

        emit FeesDistributed(address(_setToken), address(_token), ownerFeeRecipient, methodologist, ownerTake, methodologistTake);
    }

    /* ============ Operator (or anyone, if the modules allow) ============ */

    function absorb(ISetToken _setToken, IERC20 _token)
        external
        onlyValidAbsorbCaller(_setToken)
        onlyAllowedAsset(_setToken, address(_token))
    {
        _absorb(_setToken, _token);
    }

    function batchAbsorb(ISetToken _setToken, address[] memory _tokens)
        external
        onlyValidAbsorbCaller(_setToken)
        onlyAllowedAssets(_setToken, _tokens)
    {
        _batchAbsorb(_setToken, _tokens);
    }

    function claimAndAbsorb(ISetToken _setToken, address _rewardPool, string memory _integrationName)
        external
        onlyValidClaimAndAbsorbCaller(_setToken)
    {
        IERC20 rewardsToken = _getAndValidateRewardsToken(_setToken, _rewardPool, _integrationName);

        _claim(_setToken, _rewardPool, _integrationName);

        _absorb(_setToken, rewardsToken);
    }

    function batchClaimAndAbsorb(
        ISetToken _setToken,
        address[] memory _rewardPools,
        string[] memory _integrationNames
    )
        external
        onlyValidClaimAndAbsorbCaller(_setToken)
    {
        // As published: the token list lives in storage slot 0 and is never cleared
        address[] storage rewardsTokens = _slotZeroArray();
        for (uint256 i = 0; i < _rewardPools.length; i++) {
            IERC20 token = _getAndValidateRewardsToken(_setToken, _rewardPools[i], _integrationNames[i]);
            rewardsTokens.push(address(token));
        }

        _batchClaim(_setToken, _rewardPools, _integrationNames);

        _batchAbsorb(_setToken, rewardsTokens);
    }

    /* ============ Owner: AirdropModule ============ */

    function updateAnyoneAbsorb(ISetToken _setToken, bool _anyoneAbsorb) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(airdropModule),
            abi.encodeWithSelector(IAirdropModule.updateAnyoneAbsorb.selector, _setToken, _anyoneAbsorb)
        );
    }

    function addAirdrop(ISetToken _setToken, IERC20 _airdrop) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(airdropModule),
            abi.encodeWithSelector(IAirdropModule.addAirdrop.selector, _setToken, _airdrop)
        );
    }

    function removeAirdrop(ISetToken _setToken, IERC20 _airdrop) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(airdropModule),
            abi.encodeWithSelector(IAirdropModule.removeAirdrop.selector, _setToken, _airdrop)
        );
    }

    function updateAirdropFeeRecipient(ISetToken _setToken, address _newFeeRecipient) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(airdropModule),
            abi.encodeWithSelector(IAirdropModule.updateFeeRecipient.selector, _setToken, _newFeeRecipient)
        );
    }

    function updateAirdropFee(ISetToken _setToken, uint256 _newFee) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(airdropModule),
            abi.encodeWithSelector(IAirdropModule.updateAirdropFee.selector, _setToken, _newFee)
        );
    }

    /* ============ Owner: ClaimModule ============ */

    function updateAnyoneClaim(ISetToken _setToken, bool _anyoneClaim) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(claimModule),
            abi.encodeWithSelector(IClaimModule.updateAnyoneClaim.selector, _setToken, _anyoneClaim)
        );
    }

    function addClaim(ISetToken _setToken, address _rewardPool, string memory _integrationName) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(claimModule),
            abi.encodeWithSelector(IClaimModule.addClaim.selector, _setToken, _rewardPool, _integrationName)
        );
    }

    function batchAddClaim(
        ISetToken _setToken,
        address[] memory _rewardPools,
        string[] memory _integrationNames
    )
        external
        onlyOwner(_setToken)
    {
        _invokeManager(
            _manager(_setToken),
            address(claimModule),
            abi.encodeWithSelector(IClaimModule.batchAddClaim.selector, _setToken, _rewardPools, _integrationNames)
        );
    }

    function removeClaim(ISetToken _setToken, address _rewardPool, string memory _integrationName) external onlyOwner(_setToken) {
        _invokeManager(
            _manager(_setToken),
            address(claimModule),
            abi.encodeWithSelector(IClaimModule.removeClaim.selector, _setToken, _rewardPool, _integrationName)
        );
    }

    function batchRemoveClaim(
        ISetToken _setToken,
        address[] memory _rewardPools,
        string[] memory _integrationNames
    )
        external
        onlyOwner(_setToken)
    {
        _invokeManager(
            _manager(_setToken),
            address(claimModule),
            abi.encodeWithSelector(IClaimModule.batchRemoveClaim.selector, _setToken, _rewardPools, _integrationNames)
        );
    }

    /* ============ Initialization (DelegatedManager owner) ============ */

    function initializeAirdropModule(
        IDelegatedManager _delegatedManager,
        IAirdropModule.AirdropSettings memory _airdropSettings
    )
        external
        onlyOwnerAndValidManager(_delegatedManager)
    {
        _initializeAirdropModule(_delegatedManager.setToken(), _delegatedManager, _airdropSettings);
    }

    function initializeClaimModule(
        IDelegatedManager _delegatedManager,
        bool _anyoneClaim,
        address[] memory _rewardPools,
        string[] memory _integrationNames
    )
        external
        onlyOwnerAndValidManager(_delegatedManager)
    {
        _initializeClaimModule(_delegatedManager.setToken(), _delegatedManager, _anyoneClaim, _rewardPools, _integrationNames);
    }

    function initializeExtension(IDelegatedManager _delegatedManager) external onlyOwnerAndValidManager(_delegatedManager) {
        ISetToken setToken = _delegatedManager.setToken();
        _initializeExtension(setToken, _delegatedManager);

        emit ClaimExtensionInitialized(address(setToken), address(_delegatedManager));
    }

    function initializeModulesAndExtension(
        IDelegatedManager _delegatedManager,
        IAirdropModule.AirdropSettings memory _airdropSettings,
        bool _anyoneClaim,
        address[] memory _rewardPools,
        string[] memory _integrationNames
    )
        external
        onlyOwnerAndValidManager(_delegatedManager)
    {
        ISetToken setToken = _delegatedManager.setToken();
        _initializeExtension(setToken, _delegatedManager);
        _initializeAirdropModule(setToken, _delegatedManager, _airdropSettings);
        _initializeClaimModule(setToken, _delegatedManager, _anyoneClaim, _rewardPools, _integrationNames);

        emit ClaimExtensionInitialized(address(setToken), address(_delegatedManager));
    }

    function removeExtension() external override {
        IDelegatedManager delegatedManager = IDelegatedManager(msg.sender);
        ISetToken setToken = delegatedManager.setToken();

        _removeExtension(setToken, delegatedManager);
    }

    /* ============ Internal ============ */

    function _initializeAirdropModule(
        ISetToken _setToken,
        IDelegatedManager _delegatedManager,
        IAirdropModule.AirdropSettings memory _airdropSettings
    )
        internal
    {
        bytes memory callData = abi.encodeWithSelector(IAirdropModule.initialize.selector, _setToken, _airdropSettings);
        _invokeManager(_delegatedManager, address(airdropModule), callData);
    }

    function _initializeClaimModule(
        ISetToken _setToken,
        IDelegatedManager _delegatedManager,
        bool _anyoneClaim,
        address[] memory _rewardPools,
        string[] memory _integrationNames
    )
        internal
    {
        bytes memory callData = abi.encodeWithSelector(
            IClaimModule.initialize.selector,
            _setToken,
            _anyoneClaim,
            _rewardPools,
            _integrationNames
        );
        _invokeManager(_delegatedManager, address(claimModule), callData);
    }

    function _absorb(ISetToken _setToken, IERC20 _token) internal {
        bytes memory callData = abi.encodeWithSelector(IAirdropModule.absorb.selector, _setToken, _token);
        _invokeManager(_manager(_setToken), address(airdropModule), callData);
    }

    function _batchAbsorb(ISetToken _setToken, address[] memory _tokens) internal {
        bytes memory callData = abi.encodeWithSelector(IAirdropModule.batchAbsorb.selector, _setToken, _tokens);
        _invokeManager(_manager(_setToken), address(airdropModule), callData);
    }

    function _claim(ISetToken _setToken, address _rewardPool, string memory _integrationName) internal {
        bytes memory callData = abi.encodeWithSelector(IClaimModule.claim.selector, _setToken, _rewardPool, _integrationName);
        _invokeManager(_manager(_setToken), address(claimModule), callData);
    }

    function _batchClaim(ISetToken _setToken, address[] memory _rewardPools, string[] memory _integrationNames) internal {
        bytes memory callData = abi.encodeWithSelector(
            IClaimModule.batchClaim.selector,
            _setToken,
            _rewardPools,
            _integrationNames
        );
        _invokeManager(_manager(_setToken), address(claimModule), callData);
    }

    function _getAndValidateRewardsToken(
        ISetToken _setToken,
        address _rewardPool,
        string memory _integrationName
    )
        internal
        view
        returns (IERC20)
    {
        IClaimAdapter adapter = IClaimAdapter(integrationRegistry.getIntegrationAdapter(address(claimModule), _integrationName));
        IERC20 rewardsToken = adapter.getTokenAddress(_rewardPool);
        require(_manager(_setToken).isAllowedAsset(address(rewardsToken)), "Must be allowed asset");
        return rewardsToken;
    }

    function _validateAllowedAssets(ISetToken _setToken, address[] memory _assets) internal view {
        IDelegatedManager manager = _manager(_setToken);
        if (manager.useAssetAllowlist()) {
            for (uint256 i = 0; i < _assets.length; i++) {
                require(manager.assetAllowlist(_assets[i]), "Must be allowed asset");
            }
        }
    }

    function _isValidAbsorbCaller(ISetToken _setToken) internal view returns (bool) {
        (, , bool anyoneAbsorb) = airdropModule.airdropSettings(_setToken);
        return anyoneAbsorb || _manager(_setToken).operatorAllowlist(msg.sender);
    }

    function _isValidClaimAndAbsorbCaller(ISetToken _setToken) internal view returns (bool) {
        (, , bool anyoneAbsorb) = airdropModule.airdropSettings(_setToken);
        return (claimModule.anyoneClaim(_setToken) && anyoneAbsorb) || _manager(_setToken).operatorAllowlist(msg.sender);
    }

    /// The storage array at slot 0 (its length word is the otherwise unused slot of `setManagers`).
    function _slotZeroArray() private pure returns (address[] storage tokens) {
        assembly {
            tokens_slot := 0
        }
    }
}
