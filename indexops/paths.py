"""Where indexops keeps its files: config, data (plans, journals) and cache (sandbox toolchain).

`INDEXOPS_HOME` moves all three under one folder, which is how tests and CI isolate a run.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "indexops"


def _home_override() -> Path | None:
    home = os.environ.get("INDEXOPS_HOME")
    return Path(home) if home else None


def user_config_dir() -> Path:
    if (home := _home_override()) is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP)


def user_data_dir() -> Path:
    if (home := _home_override()) is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP)


def user_cache_dir() -> Path:
    if (home := _home_override()) is not None:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP)
