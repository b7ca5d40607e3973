// SPDX-License-Identifier: Apache-2.0
// Stand-in for Set Protocol's set-v2-strategies, used only on the indexops sandbox chain.
pragma solidity 0.6.10;

library StringArrayUtils {

    function indexOf(string[] memory _list, string memory _item) internal pure returns (uint256, bool) {
        bytes32 wanted = keccak256(bytes(_item));
        for (uint256 i = 0; i < _list.length; i++) {
            if (keccak256(bytes(_list[i])) == wanted) {
                return (i, true);
            }
        }
        return (uint256(-1), false);
    }

    /// Removes the first occurrence of `_item`, moving the last element into its place.
    function removeStorage(string[] storage _list, string memory _item) internal {
        (uint256 index, bool found) = indexOf(_list, _item);
        require(found, "String not in array.");
        uint256 last = _list.length - 1;
        if (index != last) {
            _list[index] = _list[last];
        }
        _list.pop();
    }
}
