"""`indexops rewards claim|absorb pix` on the sandbox's real ClaimModule, AirdropModule and Comptroller, through the
DelegatedManager stand-in's ClaimExtension: the preview is what the claim moves to the wei, the absorb makes COMP a
position issuance then requires, and every refusal is one line (exit 2) with nothing sent."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from indexops.chain.abis import contract
from indexops.sandbox.deploy.compound import COMP_ADDRESS
from tests.paths import SHIPPED_PRODUCTS
from tests.workflows.test_claim_comp import mine, nonces, refused

pytestmark = pytest.mark.chain

PIX = "pix"
PRECISE = 10**18
OPERATOR = "7"  # anvil account 7, the operator of the sandbox's DelegatedManager products


def rewards(cli, tmp_path, *args, config=SHIPPED_PRODUCTS):
    return cli("rewards", *args, "--config", config, "--journal", tmp_path / "journal.sqlite3")


def done(cli, tmp_path, *args, config=SHIPPED_PRODUCTS) -> dict:
    result = rewards(cli, tmp_path, *args, "--yes", "--json", config=config)
    assert result.code == 0, result.err
    return result.json()


def pix(book) -> dict:
    return book["delegated"]["products"][PIX]


def owner_sends(w3, book, call) -> None:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": pix(book)["owner"]}), poll_latency=0.01)
    assert receipt.status == 1


def manager(w3, book):
    return contract(w3, "delegated/DelegatedManager", pix(book)["delegated_manager"])


def claim_extension(w3, book):
    return contract(w3, "delegated/ClaimExtension", book["delegated"]["extensions"]["claim"])


def test_the_claim_moves_exactly_what_it_previewed(cli, sandbox, w3, book, real, tmp_path):
    mine(w3, 50)
    before = nonces(w3)
    dry = rewards(cli, tmp_path, "claim", PIX, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    preview = dry.json()
    assert nonces(w3) == before and preview["plan"] is None  # nothing sent
    (claim,) = preview["claims"]
    assert claim["token"] == COMP_ADDRESS and claim["pool"] == book["compound"]["comptroller"]
    assert claim["claimable_wei"] > 0 and claim["held_after_wei"] == claim["held_wei"] + claim["claimable_wei"]
    assert preview["simulated_in_block"] == w3.eth.block_number + 1

    sent = done(cli, tmp_path, "claim", PIX, "--account", OPERATOR)
    (again,) = sent["claims"]
    assert again["claimable_wei"] == claim["claimable_wei"]  # the same next block, previewed again
    assert sent["plan"]["block_number"] == sent["simulated_in_block"]
    comp = real("Comp", COMP_ADDRESS)
    set_token = pix(book)["set_token"]
    assert comp.functions.balanceOf(set_token).call() == again["held_after_wei"] == sent["after"]["held"][COMP_ADDRESS]
    receipt = w3.eth.get_transaction_receipt(sent["plan"]["tx_hashes"][0])
    claim_module = real("ClaimModule", book["modules"]["claim"])
    claimed = claim_module.events.RewardClaimed().process_receipt(receipt, errors=DISCARD)
    assert sum(event["args"]["_amount"] for event in claimed) == claim["claimable_wei"]
    assert COMP_ADDRESS not in real("SetToken", set_token).functions.getComponents().call()  # a balance only


def test_the_human_claim_says_it_matched_and_what_is_left_to_choose(cli, sandbox, w3, tmp_path):
    mine(w3, 20)
    result = rewards(cli, tmp_path, "claim", PIX, "--account", OPERATOR, "--yes")
    assert result.code == 0, result.err
    assert "as previewed to the wei" in result.out
    assert f"indexops rewards absorb {PIX} COMP" in result.out and "leave it for the manager" in result.out


def test_absorb_makes_comp_a_position_that_issuance_then_requires(cli, sandbox, w3, book, real, tmp_path):
    mine(w3, 50)
    done(cli, tmp_path, "claim", PIX, "--account", OPERATOR)
    dry = rewards(cli, tmp_path, "absorb", PIX, "COMP", "--account", OPERATOR, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    (preview,) = dry.json()["absorbs"]
    assert preview["token"] == COMP_ADDRESS and preview["unit_before"] == 0 < preview["unit_after"]

    sent = done(cli, tmp_path, "absorb", PIX, "COMP", "--account", OPERATOR)
    set_token = real("SetToken", pix(book)["set_token"])
    unit = set_token.functions.getDefaultPositionRealUnit(COMP_ADDRESS).call()
    supply = set_token.functions.totalSupply().call()
    assert unit == preview["unit_after"] == sent["after"]["units"][COMP_ADDRESS]
    assert unit == preview["balance_wei"] * PRECISE // supply
    issuance = real("DebtIssuanceModuleV2", book["modules"]["debt_issuance"])
    components, units, _debts = issuance.functions.getRequiredComponentIssuanceUnits(
        set_token.address, PRECISE
    ).call()
    assert dict(zip(components, units, strict=True))[COMP_ADDRESS] >= unit  # one set's issuance asks for COMP


def test_a_claim_needs_anyone_claim_and_says_which_owner_call_allows_it(cli, sandbox, w3, book, tmp_path):
    owner_sends(w3, book, claim_extension(w3, book).functions.updateAnyoneClaim(pix(book)["set_token"], False))
    mine(w3, 10)
    before = nonces(w3)
    err = refused(rewards(cli, tmp_path, "claim", PIX, "--account", OPERATOR, "--yes"), "anyoneClaim is false")
    assert "updateAnyoneClaim" in err and "never the batched one" in err
    assert nonces(w3) == before


def test_absorbing_a_token_the_manager_does_not_allow_is_refused(cli, sandbox, w3, book, tmp_path):
    mine(w3, 20)
    done(cli, tmp_path, "claim", PIX, "--account", OPERATOR)
    owner_sends(w3, book, manager(w3, book).functions.removeAllowedAssets([COMP_ADDRESS]))
    before = nonces(w3)
    err = refused(rewards(cli, tmp_path, "absorb", PIX, "COMP", "--account", OPERATOR, "--yes"), "asset allowlist")
    assert f"addAllowedAssets([{COMP_ADDRESS}])" in err
    assert nonces(w3) == before
    # the stand-in is as strict: sent anyway, the extension itself refuses
    with pytest.raises(ContractLogicError, match="Must be allowed asset"):
        claim_extension(w3, book).functions.absorb(pix(book)["set_token"], COMP_ADDRESS).call(
            {"from": pix(book)["operator"]}
        )


def test_an_absorb_needs_the_claim_extension_initialized(cli, sandbox, w3, book, tmp_path):
    mine(w3, 20)
    done(cli, tmp_path, "claim", PIX, "--account", OPERATOR)
    extension = book["delegated"]["extensions"]["claim"]
    owner_sends(w3, book, manager(w3, book).functions.removeExtensions([extension]))
    err = refused(rewards(cli, tmp_path, "absorb", PIX, "COMP", "--account", OPERATOR, "--yes"))
    assert f"ClaimExtension {extension} is not an initialized extension" in err and "initializeExtension" in err


def test_an_absorb_is_the_operators(cli, sandbox, w3, book, tmp_path):
    mine(w3, 20)
    done(cli, tmp_path, "claim", PIX, "--account", OPERATOR)
    before = nonces(w3)
    err = refused(rewards(cli, tmp_path, "absorb", PIX, "COMP", "--account", "3", "--yes"), "is not an operator")
    assert pix(book)["operator"] in err and "--account" in err
    assert nonces(w3) == before
    with pytest.raises(ContractLogicError, match="Must be valid AirdropModule absorb caller"):
        claim_extension(w3, book).functions.absorb(pix(book)["set_token"], COMP_ADDRESS).call(
            {"from": w3.eth.accounts[3]}
        )


def test_nothing_to_absorb_and_a_token_off_the_airdrop_list_are_refused(cli, sandbox, w3, book, tmp_path):
    refused(rewards(cli, tmp_path, "absorb", PIX, "COMP", "--account", OPERATOR, "--yes"), "nothing to absorb")
    err = refused(rewards(cli, tmp_path, "absorb", PIX, "UNI", "--account", OPERATOR, "--yes"))
    assert "not on its AirdropModule's list" in err and "addAirdrop" in err
    refused(rewards(cli, tmp_path, "absorb", PIX, "NOPE", "--account", OPERATOR, "--yes"), "unknown token 'NOPE'")


def test_the_claim_extension_refuses_initialization_with_empty_lists(sandbox, w3, book, real):
    """As the published ClaimExtension: its ClaimModule initialization with no reward pool reverts."""
    owner, methodologist = pix(book)["owner"], book["accounts"]["methodologist"]
    extension = claim_extension(w3, book)
    factory = contract(w3, "delegated/DelegatedManagerFactory", book["delegated"]["factory"])
    uni = book["tokens"]["UNI"]
    modules = [book["modules"]["claim"], book["modules"]["airdrop"]]
    create = factory.functions.createSetAndManager(
        [uni], [PRECISE], "Empty Claims", "EMPTY", owner, methodologist, modules, [pix(book)["operator"]],
        [uni, COMP_ADDRESS], [extension.address],
    )  # fmt: skip
    receipt = w3.eth.wait_for_transaction_receipt(create.transact({"from": owner}), poll_latency=0.01)
    created = factory.events.DelegatedManagerCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
    airdrops = ([COMP_ADDRESS], created["_manager"], 0, False)

    def initialize(pools, names):
        data = extension.encode_abi(
            "initializeModulesAndExtension", args=[created["_manager"], airdrops, True, pools, names]
        )
        return factory.functions.initialize(created["_setToken"], 0, owner, [extension.address], [data])

    with pytest.raises(ContractLogicError, match="Arrays must not be empty"):
        initialize([], []).call({"from": owner})
    initialize([book["compound"]["comptroller"]], ["CompClaimAdapter"]).call({"from": owner})
