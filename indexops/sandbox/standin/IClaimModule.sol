// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";

/// Set V2's ClaimModule.
interface IClaimModule {
    function initialize(
        ISetToken _setToken,
        bool _anyoneClaim,
        address[] calldata _rewardPools,
        string[] calldata _integrationNames
    ) external;
    function anyoneClaim(ISetToken _setToken) external view returns (bool);
    function claim(ISetToken _setToken, address _rewardPool, string calldata _integrationName) external;
    function batchClaim(ISetToken _setToken, address[] calldata _rewardPools, string[] calldata _integrationNames) external;
    function updateAnyoneClaim(ISetToken _setToken, bool _anyoneClaim) external;
    function addClaim(ISetToken _setToken, address _rewardPool, string calldata _integrationName) external;
    function batchAddClaim(ISetToken _setToken, address[] calldata _rewardPools, string[] calldata _integrationNames) external;
    function removeClaim(ISetToken _setToken, address _rewardPool, string calldata _integrationName) external;
    function batchRemoveClaim(ISetToken _setToken, address[] calldata _rewardPools, string[] calldata _integrationNames) external;
}
