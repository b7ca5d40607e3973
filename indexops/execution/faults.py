"""Named points in the executor where crash tests kill the process (`INDEXOPS_FAULT=point[:n]`).

Off unless the variable is set; the n-th arrival (default 1) at the point sends SIGKILL to this
process, the way a power cut or `kill -9` would, so tests can prove resumption at each point.
"""

from __future__ import annotations

import os
import signal

POINTS = ("signed", "sent", "recorded_sent", "mined", "recorded_mined", "cool_off")


class FaultPoints:
    def __init__(self, setting: str | None = None):
        setting = setting if setting is not None else os.environ.get("INDEXOPS_FAULT", "")
        point, _, count = setting.partition(":")
        self.point = point or None
        self.remaining = int(count or 1)
        if self.point is not None and self.point not in POINTS:
            raise ValueError(f"INDEXOPS_FAULT: unknown point {self.point!r} (points: {', '.join(POINTS)})")

    def reach(self, point: str) -> None:
        if point != self.point:
            return
        self.remaining -= 1
        if self.remaining == 0:
            os.kill(os.getpid(), signal.SIGKILL)
