"""One process sends from an account on a chain at a time, whatever journal it uses."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from indexops.execution.signer_lock import SignerBusy, holding_signers, signer_lock_path
from tests.execution.journal.journal_helpers import OTHER, SIGNER, one_line

HOLD_IN_CHILD = textwrap.dedent("""
    import sys, time
    from indexops.execution.signer_lock import holding_signers
    with holding_signers(sys.argv[1], int(sys.argv[2]), [sys.argv[3]]):
        print("held", flush=True)
        time.sleep(60)
""")


@pytest.fixture
def child_holding(tmp_path):
    def start(chain_id: int, address: str) -> subprocess.Popen:
        child = subprocess.Popen([sys.executable, "-c", HOLD_IN_CHILD, str(tmp_path), str(chain_id), address],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "held"
        started.append(child)
        return child

    started: list[subprocess.Popen] = []
    yield start
    for child in started:
        child.kill()
        child.wait()


def test_a_second_process_sending_from_the_same_account_is_refused(tmp_path, child_holding):
    child = child_holding(1, SIGNER.address)
    with pytest.raises(SignerBusy) as caught:
        with holding_signers(tmp_path, 1, [OTHER.address, SIGNER.address.lower()]):
            pass
    text = one_line(caught.value)
    assert text.startswith(f"{SIGNER.address.lower()} is already sending on chain 1 from process {child.pid} since ")
    with holding_signers(tmp_path, 1, [OTHER.address]):  # the other account was released with the refusal
        pass
    with holding_signers(tmp_path, 5, [SIGNER.address]):  # another chain is another nonce sequence
        pass


def test_the_lock_is_free_again_when_its_holder_dies(tmp_path, child_holding):
    child = child_holding(1, SIGNER.address)
    child.kill()
    child.wait()
    with holding_signers(tmp_path, 1, [SIGNER.address]):
        assert signer_lock_path(tmp_path, 1, SIGNER.address).exists()


def test_one_process_may_hold_several_accounts_and_release_them(tmp_path):
    with holding_signers(tmp_path, 1, [SIGNER.address, OTHER.address, SIGNER.address]):
        pass
    with holding_signers(tmp_path, 1, [SIGNER.address, OTHER.address]):
        pass
