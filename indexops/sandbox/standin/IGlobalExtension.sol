// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;

/// The one call a DelegatedManager makes to an extension it removes.
interface IGlobalExtension {
    function removeExtension() external;
}
