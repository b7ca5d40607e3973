// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;
pragma experimental "ABIEncoderV2";

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { ISetToken } from "@setprotocol/set-protocol-v2/contracts/interfaces/ISetToken.sol";

/// Set V2's AirdropModule. AirdropSettings is laid out exactly as AirdropModule.AirdropSettings.
interface IAirdropModule {
    struct AirdropSettings {
        address[] airdrops;
        address feeRecipient;
        uint256 airdropFee;
        bool anyoneAbsorb;
    }

    function initialize(ISetToken _setToken, AirdropSettings memory _airdropSettings) external;
    function airdropSettings(ISetToken _setToken) external view returns (address feeRecipient, uint256 airdropFee, bool anyoneAbsorb);
    function absorb(ISetToken _setToken, IERC20 _token) external;
    function batchAbsorb(ISetToken _setToken, address[] memory _tokens) external;
    function addAirdrop(ISetToken _setToken, IERC20 _airdrop) external;
    function removeAirdrop(ISetToken _setToken, IERC20 _airdrop) external;
    function updateAnyoneAbsorb(ISetToken _setToken, bool _anyoneAbsorb) external;
    function updateFeeRecipient(ISetToken _setToken, address _newFeeRecipient) external;
    function updateAirdropFee(ISetToken _setToken, uint256 _newFee) external;
}
