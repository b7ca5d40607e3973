// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;

/**
 * Guards a function so that two signers must send the same call (same calldata). The first call
 * only records it; the matching call from the other signer runs the function. When both signers
 * are the same address the function runs at once.
 */
contract MutualUpgradeV2 {

    // keccak256(calldata, caller) => the call is waiting for the other signer
    mapping(bytes32 => bool) public mutualUpgrades;

    event MutualUpgradeRegistered(bytes32 _upgradeHash);

    modifier mutualUpgrade(address _signerOne, address _signerTwo) {
        require(msg.sender == _signerOne || msg.sender == _signerTwo, "Must be authorized address");

        if (_signerOne == _signerTwo) {
            _;
        } else {
            address nonCaller = msg.sender == _signerOne ? _signerTwo : _signerOne;
            bytes32 expectedHash = keccak256(abi.encodePacked(msg.data, nonCaller));

            if (!mutualUpgrades[expectedHash]) {
                bytes32 newHash = keccak256(abi.encodePacked(msg.data, msg.sender));
                mutualUpgrades[newHash] = true;
                emit MutualUpgradeRegistered(newHash);
                return;
            }

            delete mutualUpgrades[expectedHash];
            _;
        }
    }
}
