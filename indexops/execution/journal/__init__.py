"""The execution journal: what was signed, sent and mined for each plan, on which chain instance, so that
`execute` never sends a step twice and resumes where it stopped.

`store` is the journal itself (one SQLite file: `Journal`); `schema` its tables and migrations, `model`
the steps and attempts it returns, `rules` the state machine every record must obey, `tx` the check that
a signed transaction is what the executor says it is, `lock` the per-plan file lock, `errors` its errors.
"""

from indexops.execution.journal.store import JOURNAL_FILE, Journal, default_journal_path

__all__ = ["JOURNAL_FILE", "Journal", "default_journal_path"]
